import { parseBucketsConfig } from '@kettle/model';
import { memoryLogger } from '@kettle/service';
import { deflateSync } from 'node:zlib';
import { emittedTableOf, RowSink } from './row-sink';
import { RowInserter, DEFAULT_INSERTER_OPTIONS } from './row-inserter';
import { loadTable } from './table-load';
import { runLoadJob } from './load-job';
import { reportTable, parseTableRef } from './table-monitor';
import { TableRotator } from './table-rotator';
import { ensureTable, SchemaMismatchError } from './bq-tables';
import { createTables, loadHarness, metricValue, target, type LoadHarness } from './load-test.util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const NOW = Math.floor(Date.now() / 1000);
const BUCKETS = parseBucketsConfig('gs://kubernetes-jenkins/logs/:\n  contact: k\n  prefix: ""\n');
let h: LoadHarness;
beforeEach(async () => (h = await loadHarness()));
afterEach(() => h.close());

function storeBuild(n: number | string, finished: number, junit = '<testsuite><testcase name="a" time="1"/><testcase name="b"><failure>boom</failure></testcase></testsuite>') {
  const path = `gs://kubernetes-jenkins/logs/ci-job/${n}`;
  h.store.insertBuild(path, { timestamp: finished - 10 }, { timestamp: finished, result: 'SUCCESS' });
  const b = h.store.buildByPath(path)!;
  h.store.insertJunit(b.id, [{ path: `${path}/artifacts/junit_01.xml`, data: deflateSync(junit) }], { queuePublish: false });
  return path;
}
const rows = (table: string) => h.server.rows(`kettle-test:build.${table}`);
const log = memoryLogger();

describe('loadTable (kettle load)', () => {
  it('loads only the rows the table lacks, exact 19-digit numbers, and records them emitted after the job', async () => {
    storeBuild('1720541231756461222', NOW - 100);
    storeBuild(2, NOW - 50);
    const r = await loadTable(h.bq, h.store, BUCKETS, target('all'), { replace: false, threads: 0, pollMs: 10 }, log);
    expect(r.rows).toBe(2);
    expect(r.job?.outputRows).toBe(2);
    const loaded = rows('all');
    expect(loaded.map((x) => x.number).sort()).toEqual(['1720541231756461222', '2']);
    expect(loaded[0]).toMatchObject({ tests_run: '2', tests_failed: '1', job: 'ci-job' }); // INTEGER cells are digit strings
    storeBuild(3, NOW);
    const again = await loadTable(h.bq, h.store, BUCKETS, target('all'), { replace: false, threads: 0, pollMs: 10 }, log);
    expect(again.rows).toBe(1);
    expect(rows('all')).toHaveLength(3);
  });

  it('--replace truncates and reloads the window, resetting the emitted state to exactly those builds', async () => {
    storeBuild(1, NOW - 3 * 86400);
    storeBuild(2, NOW - 3600);
    await loadTable(h.bq, h.store, BUCKETS, target('day', 1), { replace: false, threads: 0, pollMs: 10 }, log);
    expect(rows('day')).toHaveLength(1);
    const r = await loadTable(h.bq, h.store, BUCKETS, target('day', 1), { replace: true, threads: 0, pollMs: 10 }, log);
    expect(r.rows).toBe(1);
    expect(rows('day').map((x) => x.number)).toEqual(['2']);
    expect(h.store.oldestEmitted(emittedTableOf(target('day', 1)))).toBe(NOW - 3600);
  });

  it('records nothing when the job fails (too many bad records) and reports its errors', async () => {
    storeBuild(1, NOW);
    storeBuild(2, NOW);
    h.server.setFaults({ rejectRows: [{ match: 'ci-job' }] });
    await expect(loadTable(h.bq, h.store, BUCKETS, target('all'), { replace: false, threads: 0, pollMs: 10, maxBadRecords: 1 }, log)).rejects.toThrow(/load job .* failed/);
    expect([...h.store.buildsToEmit(emittedTableOf(target('all')))]).toHaveLength(2);
  });

  it('after a lost upload response (409 on the same job id) fetches that job instead of loading twice', async () => {
    await createTables(h, target('all'));
    const file = join(h.dir, 'rows.json.gz');
    writeFileSync(file, gzipSync('{"path": "gs://b/logs/j/1", "tests_run": 0, "tests_failed": 0, "test": []}\n'));
    h.server.setFaults({ rules: [{ method: 'POST', path: '/upload/', times: 1, fault: { kind: 'drop-response' } }] });
    const r = await runLoadJob(h.bq, target('all'), file, { writeDisposition: 'WRITE_APPEND', pollMs: 10 });
    expect(r.outputRows).toBe(1);
    expect(rows('all')).toHaveLength(1);
    expect(h.server.jobs()).toHaveLength(1);
  });

  it('polls a job that is still running', async () => {
    storeBuild(1, NOW);
    h.server.setFaults({ jobs: { runningPolls: 3 } });
    const r = await loadTable(h.bq, h.store, BUCKETS, target('all'), { replace: false, threads: 0, pollMs: 10 }, log);
    expect(r.job?.outputRows).toBe(1);
  });
});

describe('rotation', () => {
  it('rebuilds a windowed table when its oldest row is older than 1.9 windows, and streaming resumes after', async () => {
    await createTables(h, target('day', 1));
    const sink = new RowSink(h.store, new RowInserter(h.bq, h.metrics, { ...DEFAULT_INSERTER_OPTIONS, retry: { attempts: 3, baseMs: 5, maxMs: 10 } }), [target('day', 1)], {
      maxItems: 10,
      maxBytes: 1 << 20,
      maxDelayMs: 20,
    });
    let now = NOW;
    const rotator = new TableRotator(h.bq, h.store, () => BUCKETS, sink, log, h.metrics, { threads: 0, pollMs: 10, now: () => now });
    const old = storeBuild(1, NOW - 3600);
    await loadTable(h.bq, h.store, BUCKETS, target('day', 1), { replace: false, threads: 0, pollMs: 10 }, log);
    expect(rotator.isDue(target('day', 1))).toBe(false);
    now = NOW + 2 * 86400; // the row is now ~2 days old: past 1.9 × 1 day
    const fresh = storeBuild(2, now - 60);
    expect(rotator.isDue(target('day', 1))).toBe(true);
    expect(await rotator.rotateDue()).toEqual(['kettle-test:build.day']);
    expect(rows('day').map((r) => r.path)).toEqual([fresh]);
    expect(rows('day').map((r) => r.path)).not.toContain(old);
    expect(await metricValue(h, 'kettle_loader_rotations_total', { outcome: 'ok' })).toBe(1);
    expect(rotator.isDue(target('day', 1))).toBe(false);
  });
});

describe('tables and monitor', () => {
  it('creates a missing table with our schema and refuses one whose schema lacks our fields', async () => {
    expect(await ensureTable(h.bq, target('all'))).toBe('created');
    expect(await ensureTable(h.bq, target('all'))).toBe('exists');
    await h.bq.dataset('build').table('narrow').create({ schema: { fields: [{ name: 'path', type: 'STRING' }] } });
    await expect(ensureTable(h.bq, target('narrow'))).rejects.toThrow(SchemaMismatchError);
    await expect(ensureTable(h.bq, target('narrow'))).rejects.toThrow(/missing field job.*missing field test/);
  });

  it('reports size, rows and age; stale when older than the threshold', async () => {
    storeBuild(1, NOW);
    await loadTable(h.bq, h.store, BUCKETS, target('all'), { replace: false, threads: 0, pollMs: 10 }, log);
    const ref = parseTableRef('kettle-test:build.all');
    const fresh = await reportTable(h.bq, ref, 6);
    expect(fresh).toMatchObject({ table: 'kettle-test:build.all', rows: 1, stale: false });
    const later = await reportTable(h.bq, ref, 6, Date.now() + 7 * 3600_000);
    expect(later.stale).toBe(true);
    expect(later.age_hours).toBeGreaterThan(6.9);
  });
});
