import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGcsServer, type GcsServer } from '@kettle/gcs-server';
import { RealGcsClient } from '@kettle/gcs';
import { KettleStore, parseBucketsConfig } from '@kettle/model';
import { memoryLogger } from '@kettle/service';
import { Collector, DEFAULT_COLLECT_OPTIONS, type CollectOptions } from './collector';

const NOW = 1_800_000_000;
const OLD = NOW - 6 * 86400;
type Tree = Record<string, Record<string, string | Uint8Array>>;

let server: GcsServer;
let dir: string;
let store: KettleStore;

async function setup(objects: Tree): Promise<void> {
  server = await startGcsServer({ objects });
  dir = mkdtempSync(join(tmpdir(), 'kettle-collect-'));
  store = KettleStore.open(join(dir, 'build.db'));
}
afterEach(async () => {
  store?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function collector(opts: Partial<CollectOptions> = {}, readTimeoutMs = 15_000) {
  const gcs = new RealGcsClient({ endpoint: server.url, auth: 'anonymous', readTimeoutMs, listTimeoutMs: readTimeoutMs, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
  const log = memoryLogger();
  return { c: new Collector(gcs, store, log, { ...DEFAULT_COLLECT_OPTIONS, threads: 8, ...opts }, () => NOW), log };
}

const started = (t = NOW - 100) => JSON.stringify({ timestamp: t });
const finished = (t = NOW) => JSON.stringify({ timestamp: t, result: 'SUCCESS' });
const build = (dirPath: string, opts: { s?: string | null; f?: string | null; junit?: Record<string, string> } = {}): Record<string, string> => {
  const out: Record<string, string> = {};
  if (opts.s !== null) out[`${dirPath}/started.json`] = opts.s ?? started();
  if (opts.f !== null) out[`${dirPath}/finished.json`] = opts.f ?? finished();
  for (const [n, x] of Object.entries(opts.junit ?? {})) out[`${dirPath}/artifacts/${n}`] = x;
  return out;
};
const paths = () => (store.db.prepare('select gcs_path from build order by gcs_path').all() as { gcs_path: string }[]).map((r) => r.gcs_path);
const cfg = (yaml: string) => parseBucketsConfig(yaml);
const LOGS = cfg('gs://kjb/logs/:\n  contact: a\n  prefix: ""\n  sequential: false\n  exclude_jobs: [skipme]\n');

describe('walking buckets (DESIGN §4b)', () => {
  it('lists jobs and builds, skips excluded jobs, stores builds with started or finished', async () => {
    await setup({
      kjb: {
        ...build('logs/job-a/1'),
        ...build('logs/job-a/2', { f: null }),
        ...build('logs/job-a/3', { s: null }),
        'logs/job-a/4/build-log.txt': 'no json here',
        ...build('logs/skipme/1'),
        'logs/README': 'not a job',
      },
    });
    const { c } = collector();
    await c.collect(LOGS);
    expect(paths()).toEqual(['gs://kjb/logs/job-a/1', 'gs://kjb/logs/job-a/2', 'gs://kjb/logs/job-a/3']);
    expect(c.stats).toMatchObject({ buildsStored: 3, buildsAbsent: 1 });
    expect(store.buildByPath('gs://kjb/logs/job-a/3')).toMatchObject({ started: null, finished: { result: 'SUCCESS' } });
  });

  it('probes N..1 from latest-build.txt and stops after 40 held builds', async () => {
    const objects: Tree = { kjb: { 'logs/seq/latest-build.txt': '100\n' } };
    for (let i = 1; i <= 100; i++) Object.assign(objects.kjb, build(`logs/seq/${i}`));
    await setup(objects);
    const seq = cfg('gs://kjb/logs/:\n  contact: a\n  prefix: ""\n');
    await collector().c.collect(seq);
    expect(paths()).toHaveLength(100);
    expect(server.countRequests({ op: 'list', match: /kjb\/logs\/seq\/$/ })).toBe(0); // probed, not listed
    // New builds 101..105 arrive; the probe walks 105.. down and stops after 40 held.
    await server.putObject('kjb', 'logs/seq/latest-build.txt', '105');
    for (let i = 101; i <= 105; i++) for (const [k, v] of Object.entries(build(`logs/seq/${i}`))) await server.putObject('kjb', k, v);
    server.resetRequests();
    const { c } = collector();
    await c.collect(seq);
    expect(paths()).toHaveLength(105);
    expect(c.stats.buildsHeld).toBe(40);
    expect(c.stats.buildsRead).toBe(5);
  });

  it.each([
    ['a 19-digit build id', '1720541231756461222'],
    ['not a number', 'latest'],
    ['empty', ''],
  ])('lists instead of probing when latest-build.txt is %s', async (_name, text) => {
    await setup({ kjb: { 'logs/j/latest-build.txt': text, ...build('logs/j/1720541231756461222'), ...build('logs/j/9') } });
    await collector().c.collect(cfg('gs://kjb/logs/:\n  contact: a\n  prefix: ""\n'));
    expect(paths()).toEqual(['gs://kjb/logs/j/1720541231756461222', 'gs://kjb/logs/j/9']);
  });

  it('walks listed builds newest first in natural order, with --buildlimit', async () => {
    await setup({ kjb: { ...build('logs/j/9'), ...build('logs/j/10'), ...build('logs/j/100'), ...build('logs/j/2') } });
    await collector({ buildLimit: 2 }).c.collect(LOGS);
    expect(paths()).toEqual(['gs://kjb/logs/j/10', 'gs://kjb/logs/j/100']);
  });

  it('treats finished builds and builds started over 5 days ago as held; re-reads recent unfinished ones', async () => {
    await setup({ kjb: { ...build('logs/j/1'), ...build('logs/j/2', { s: started(OLD), f: null }), ...build('logs/j/3', { f: null }) } });
    await collector().c.collect(LOGS);
    server.resetRequests();
    const { c } = collector();
    await c.collect(LOGS);
    expect(c.stats).toMatchObject({ buildsHeld: 2, buildsRead: 1, buildsStored: 0, buildsUnchanged: 1 });
    expect(server.countRequests({ op: 'media', match: /logs\/j\/3\// })).toBeGreaterThan(0);
    expect(server.countRequests({ op: 'media', match: /logs\/j\/1\// })).toBe(0);
  });

  it('reads PR builds through directory/<job>/<build>.txt pointers and counts empty or invalid ones', async () => {
    await setup({
      kjb: {
        'pr-logs/directory/pull-job/11.txt': 'gs://kjb/pr-logs/pull/5/pull-job/11\n',
        'pr-logs/directory/pull-job/12.txt': 'gs://kjb/pr-logs/pull/6/pull-job/12/',
        'pr-logs/directory/pull-job/13.txt': '',
        'pr-logs/directory/pull-job/14.txt': 'https://example.com/x',
        'pr-logs/directory/pull-job/latest-build.txt': '12',
        ...build('pr-logs/pull/5/pull-job/11'),
        ...build('pr-logs/pull/6/pull-job/12'),
      },
    });
    const { c, log } = collector();
    await c.collect(cfg('gs://kjb/pr-logs/:\n  contact: a\n  prefix: "pr:"\n  pr: true\n'));
    expect(paths()).toEqual(['gs://kjb/pr-logs/pull/5/pull-job/11', 'gs://kjb/pr-logs/pull/6/pull-job/12']);
    expect(Object.fromEntries(c.stats.problems)).toEqual({ empty_pointer: 1, invalid_pointer: 1 });
    expect(log.lines.map((l) => l.message)).toContain('gs://kjb/pr-logs/directory/pull-job/13.txt: empty_pointer: empty pointer');
  });
});

describe('JUnit', () => {
  it('fetches junit*.xml directly under artifacts/, strips system-out/err, compressed; case-sensitive names', async () => {
    await setup({
      kjb: build('logs/j/1', {
        junit: {
          'junit_01.xml': '<testsuite><testcase name="a"/><system-out>huge log</system-out></testsuite>',
          'junit_runner.xml': '<testsuite/>',
          'JUNIT_02.xml': '<x/>',
          'junit_03.xml.gz': '<x/>',
          'nested/junit_04.xml': '<x/>',
          'build-log.txt': 'log',
        },
      }),
    });
    const { c } = collector();
    await c.collect(LOGS);
    expect(store.junitFiles('gs://kjb/logs/j/1')).toEqual([
      { path: 'gs://kjb/logs/j/1/artifacts/junit_01.xml', xml: '<testsuite><testcase name="a"/></testsuite>' },
      { path: 'gs://kjb/logs/j/1/artifacts/junit_runner.xml', xml: '<testsuite/>' },
    ]);
    expect(store.countMissingJunit()).toBe(0);
  });

  it('counts and skips bad input and finishes every other build', async () => {
    await setup({
      kjb: {
        ...build('logs/j/1', { s: '{"timestamp": ' }),
        ...build('logs/j/2', { f: '{}' }),
        ...build('logs/j/3', { s: '[1, 2]' }),
        'logs/j/4/started.json': new Uint8Array([0x7b, 0xff, 0x7d]),
        ...build('logs/j/5', { junit: { 'junit_bad.xml': '', 'junit_ok.xml': '<testsuite/>' } }),
        'logs/j/5/artifacts/junit_latin.xml': new Uint8Array([0x3c, 0x61, 0xe9, 0x3e]),
        ...build('logs/j/6', { junit: { 'junit_big.xml': `<testsuite>${'x'.repeat(5000)}</testsuite>` } }),
      },
    });
    const { c, log } = collector({ maxJunitBytes: 4096 });
    await c.collect(LOGS);
    expect(Object.fromEntries(c.stats.problems)).toEqual({ invalid_json: 1, empty_document: 1, not_object: 1, non_utf8: 2, too_large: 1 });
    // Builds with one good document are stored; the bad document counts as absent.
    expect(paths()).toEqual(['gs://kjb/logs/j/1', 'gs://kjb/logs/j/2', 'gs://kjb/logs/j/3', 'gs://kjb/logs/j/5', 'gs://kjb/logs/j/6']);
    expect(store.junitFiles('gs://kjb/logs/j/5').map((f) => f.path)).toEqual(['gs://kjb/logs/j/5/artifacts/junit_ok.xml']);
    expect(store.countMissingJunit()).toBe(0);
    for (const l of log.lines) expect(l.message).toMatch(/^gs:\/\/kjb\/logs\/j\/\d\//);
  });
});

describe('faults', () => {
  it('retries 429 and 503 and completes', async () => {
    await setup({ kjb: { ...build('logs/j/1', { junit: { 'junit.xml': '<testsuite/>' } }), ...build('logs/j/2') } });
    server.setFaults({
      rules: [
        { op: 'media', match: /finished\.json$/, times: 2, effect: { kind: 'status', status: 503 } },
        { op: 'list', times: 1, effect: { kind: 'status', status: 429 } },
        { op: 'media', match: /junit/, times: 1, effect: { kind: 'status', status: 429 } },
      ],
    });
    const { c } = collector();
    await c.collect(LOGS);
    expect(paths()).toEqual(['gs://kjb/logs/j/1', 'gs://kjb/logs/j/2']);
    expect(store.buildByPath('gs://kjb/logs/j/1')?.finished).not.toBeNull();
    expect(store.junitFiles('gs://kjb/logs/j/1')).toHaveLength(1);
    expect(c.stats.errors).toBe(0);
  });

  it('a hanging read times out; the build is not stored half-read and is collected on the next pass', async () => {
    await setup({ kjb: { ...build('logs/j/1'), ...build('logs/j/2') } });
    server.setFaults({ rules: [{ op: 'media', match: /j\/2\/finished\.json$/, effect: { kind: 'hang' } }] });
    const t0 = Date.now();
    const { c } = collector({}, 200);
    await c.collect(LOGS);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(paths()).toEqual(['gs://kjb/logs/j/1']);
    expect(c.stats.problems.get('read_failed')).toBe(1);
    server.setFaults({});
    await collector({}, 200).c.collect(LOGS);
    expect(paths()).toEqual(['gs://kjb/logs/j/1', 'gs://kjb/logs/j/2']);
    expect(store.buildByPath('gs://kjb/logs/j/2')?.finished).not.toBeNull();
  });

  it('a truncated JUnit body is retried; a JUnit read that keeps failing leaves the build queued', async () => {
    await setup({ kjb: { ...build('logs/j/1', { junit: { 'junit.xml': '<testsuite><testcase name="x"/></testsuite>' } }) } });
    server.setFaults({ rules: [{ op: 'media', match: /junit/, times: 1, effect: { kind: 'truncate', mode: 'short', fraction: 0.5 } }] });
    await collector().c.collect(LOGS);
    expect(store.junitFiles('gs://kjb/logs/j/1')[0].xml).toBe('<testsuite><testcase name="x"/></testsuite>');
    store.insertBuild('gs://kjb/logs/j/1', { timestamp: 1 }, { timestamp: 2 }); // changed: queued again
    server.setFaults({ rules: [{ op: 'media', match: /junit/, effect: { kind: 'status', status: 503 } }] });
    await collector().c.fetchMissingJunit();
    expect(store.countMissingJunit()).toBe(1);
  });
});

describe('incremental runs and single builds', () => {
  it('a second run fetches only what is new', async () => {
    await setup({ kjb: { ...build('logs/j/1', { junit: { 'junit.xml': '<testsuite/>' } }), ...build('logs/j/2', { junit: { 'junit.xml': '<testsuite/>' } }) } });
    await collector().c.collect(LOGS);
    for (const [k, v] of Object.entries(build('logs/j/3', { junit: { 'junit.xml': '<testsuite/>' } }))) await server.putObject('kjb', k, v);
    server.resetRequests();
    const { c } = collector();
    await c.collect(LOGS);
    expect(c.stats).toMatchObject({ buildsRead: 1, buildsStored: 1, junitBuilds: 1 });
    expect(server.countRequests({ op: 'media' })).toBe(3); // started, finished, one junit
  });

  it('collectBuild stores one build with its JUnit (the notification path)', async () => {
    await setup({ kjb: build('logs/j/7', { f: null, junit: { 'junit.xml': '<testsuite/>' } }) });
    const { c } = collector();
    expect(await c.collectBuild('gs://kjb/logs/j/7')).toBe('stored');
    await server.putObject('kjb', 'logs/j/7/finished.json', finished());
    await server.putObject('kjb', 'logs/j/7/artifacts/junit_2.xml', '<testsuite><testcase name="late"/></testsuite>');
    expect(await c.collectBuild('gs://kjb/logs/j/7')).toBe('stored');
    expect(store.junitFiles('gs://kjb/logs/j/7')).toHaveLength(2);
    expect(await c.collectBuild('gs://kjb/logs/j/7')).toBe('unchanged');
    expect(await c.collectBuild('gs://kjb/logs/j/8')).toBe('absent');
  });
});
