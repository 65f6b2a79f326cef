import { emittedTableForBigQuery } from '@kettle/model';
import { RowInserter, DEFAULT_INSERTER_OPTIONS } from './row-inserter';
import { RowSink, type RowOutcome } from './row-sink';
import { createTables, loadHarness, metricValue, storedRow, target, type LoadHarness } from './load-test.util';

const NOW = Math.floor(Date.now() / 1000);
const FAST = { ...DEFAULT_INSERTER_OPTIONS, deadlineMs: 2000, retry: { attempts: 5, baseMs: 10, maxMs: 50 } };
let h: LoadHarness;
beforeEach(async () => (h = await loadHarness()));
afterEach(() => h.close());

const sinkFor = (targets = [target('all')], inserter = new RowInserter(h.bq, h.metrics, FAST), batch = { maxItems: 500, maxBytes: 4 << 20, maxDelayMs: 50 }) =>
  new RowSink(h.store, inserter, targets, batch);
const inserts = () => h.server.requests().filter((r) => r.route.includes('insertAll'));
const paths = (table: string) => h.server.rows(`kettle-test:build.${table}`).map((r) => r.path as string);

describe('streaming inserts', () => {
  it('batches by row count (at most 500 a request) and records each row emitted for the table', async () => {
    await createTables(h, target('all'));
    const sink = sinkFor();
    const msgs = Array.from({ length: 1200 }, (_, i) => storedRow(h, i + 1, NOW - i));
    const outcomes = await Promise.all(msgs.map((m) => sink.handle(m)));
    expect(outcomes.every((o) => o.status === 'inserted')).toBe(true);
    expect(paths('all').sort()).toEqual(msgs.map((m) => m.path).sort());
    expect(inserts().length).toBeGreaterThanOrEqual(3);
    expect([...h.store.buildsToEmit(emittedTableForBigQuery('kettle-test_build', 'all'))]).toHaveLength(0);
    expect(await metricValue(h, 'kettle_loader_rows_inserted_total')).toBe(1200);
    expect(await metricValue(h, 'kettle_table_newest_finished_timestamp_seconds', { table: 'kettle-test:build.all' })).toBe(NOW);
  });

  it('batches by bytes', async () => {
    await createTables(h, target('all'));
    const sink = sinkFor([target('all')], undefined, { maxItems: 500, maxBytes: 300_000, maxDelayMs: 50 });
    const big = 'x'.repeat(100_000);
    const msgs = Array.from({ length: 6 }, (_, i) => storedRow(h, i + 1, NOW, { test: [{ name: 't', failed: true, failure_text: big }], tests_run: 1, tests_failed: 1 }));
    await Promise.all(msgs.map((m) => sink.handle(m)));
    expect(inserts().length).toBeGreaterThanOrEqual(3);
    expect(paths('all')).toHaveLength(6);
  });

  it('splits a request BigQuery finds too large (over 10 MB) and loads every row', async () => {
    await createTables(h, target('all'));
    const inserter = new RowInserter(h.bq, h.metrics, { ...FAST, maxRequestBytes: 64 << 20 });
    const sink = sinkFor([target('all')], inserter, { maxItems: 500, maxBytes: 64 << 20, maxDelayMs: 50 });
    const big = 'y'.repeat(1_500_000);
    const msgs = Array.from({ length: 9 }, (_, i) => storedRow(h, i + 1, NOW, { test: [{ name: 't', failed: true, failure_text: big }], tests_run: 1, tests_failed: 1 }));
    const outcomes = await Promise.all(msgs.map((m) => sink.handle(m)));
    expect(outcomes.map((o) => o.status)).toEqual(Array(9).fill('inserted'));
    expect(paths('all')).toHaveLength(9);
    expect(h.server.requests().some((r) => r.route.includes('insertAll') && r.status === 400)).toBe(true);
    expect(await metricValue(h, 'kettle_loader_insert_errors_total', { reason: 'tooLarge' })).toBeGreaterThan(0);
  });

  it('a row BigQuery rejects is reported with its reason and never recorded emitted; the rest of the batch goes in', async () => {
    await createTables(h, target('all'));
    const msgs = Array.from({ length: 5 }, (_, i) => storedRow(h, i + 1, NOW));
    h.server.setFaults({ rejectRows: [{ match: '"path":"gs://kubernetes-jenkins/logs/ci-job/3"', message: 'no such field: bogus' }] });
    const sink = sinkFor();
    const outcomes = await Promise.all(msgs.map((m) => sink.handle(m)));
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: 'invalid', table: 'kettle-test:build.all' });
    expect(outcomes.filter((o) => o.status === 'inserted')).toHaveLength(4);
    expect(paths('all').sort()).toEqual(msgs.filter((_, i) => i !== 2).map((m) => m.path).sort());
    const left = [...h.store.buildsToEmit(emittedTableForBigQuery('kettle-test_build', 'all'))].map((b) => b.path);
    expect(left).toEqual([msgs[2].path]);
    expect(await metricValue(h, 'kettle_loader_insert_errors_total', { reason: 'invalid' })).toBe(1);
  });

  it.each([
    ['429 rateLimitExceeded', { kind: 'status', status: 429 } as const],
    ['500', { kind: 'status', status: 500 } as const],
    ['503', { kind: 'status', status: 503 } as const],
    ['a hung request (our deadline)', { kind: 'hang' } as const],
    ['a reset connection', { kind: 'reset' } as const],
  ])('retries %s and then inserts once', async (_name, fault) => {
    await createTables(h, target('all'));
    h.server.setFaults({ rules: [{ method: 'POST', path: 'insertAll', times: 2, fault }] });
    const inserter = new RowInserter(h.bq, h.metrics, { ...FAST, deadlineMs: 300 });
    const outcome = await sinkFor([target('all')], inserter).handle(storedRow(h, 1, NOW));
    expect(outcome.status).toBe('inserted');
    expect(paths('all')).toEqual(['gs://kubernetes-jenkins/logs/ci-job/1']);
    expect(await metricValue(h, 'kettle_loader_retries_total')).toBe(2);
  });

  it('gives up after its attempts with an error, so the message is redelivered, and records nothing', async () => {
    await createTables(h, target('all'));
    h.server.setFaults({ rules: [{ method: 'POST', path: 'insertAll', fault: { kind: 'status', status: 503 } }] });
    await expect(sinkFor().handle(storedRow(h, 1, NOW))).rejects.toThrow();
    expect([...h.store.buildsToEmit(emittedTableForBigQuery('kettle-test_build', 'all'))]).toHaveLength(1);
  });

  it('a redelivered row already recorded is acknowledged without a second insert', async () => {
    await createTables(h, target('all'));
    const sink = sinkFor();
    const m = storedRow(h, 1, NOW);
    expect((await sink.handle(m)).status).toBe('inserted');
    const again: RowOutcome = await sink.handle(m);
    expect(again.status).toBe('already-loaded');
    expect(paths('all')).toHaveLength(1);
    expect(inserts()).toHaveLength(1);
  });

  it('inserts a path once when the same row is twice in one batch', async () => {
    await createTables(h, target('all'));
    const sink = sinkFor();
    const [x, y] = await Promise.all([sink.handle(storedRow(h, 2, NOW)), sink.handle(storedRow(h, 2, NOW))]);
    expect([x.status, y.status].sort()).toEqual(['already-loaded', 'inserted']);
    expect(paths('all').filter((p) => p.endsWith('/2'))).toHaveLength(1);
    expect(inserts()).toHaveLength(1);
  });

  it('a copy that arrives while its first insert is still in flight waits for it and is not inserted again', async () => {
    await createTables(h, target('all'));
    h.server.setFaults({ rules: [{ method: 'POST', path: 'insertAll', times: 1, fault: { kind: 'latency', ms: 800 } }] });
    const sink = sinkFor([target('all')], undefined, { maxItems: 500, maxBytes: 4 << 20, maxDelayMs: 20 });
    const m = storedRow(h, 1, NOW);
    const first = sink.handle(m);
    await new Promise((r) => setTimeout(r, 200)); // the first batch is in its slow insert
    const second = await sink.handle(m);
    expect((await first).status).toBe('inserted');
    expect(second.status).toBe('already-loaded');
    expect(paths('all')).toHaveLength(1);
  });

  it('keeps emitted state per table: a new table gets every row, the tables that have them get none twice', async () => {
    await createTables(h, target('all'), target('day', 1), target('week', 7));
    const recent = storedRow(h, 1, NOW - 3600);
    const old = storedRow(h, 2, NOW - 3 * 86400);
    await Promise.all([recent, old].map((m) => sinkFor([target('all'), target('day', 1)]).handle(m)));
    expect(paths('all').sort()).toEqual([recent.path, old.path].sort());
    expect(paths('day')).toEqual([recent.path]); // outside the 1-day window
    // The operator changes the windows: day is dropped, week added.
    const sink2 = sinkFor([target('all'), target('week', 7)]);
    await Promise.all([recent, old].map((m) => sink2.handle(m)));
    expect(paths('all')).toHaveLength(2);
    expect(paths('week').sort()).toEqual([recent.path, old.path].sort());
  });

  it('retries alone a row whose build is not in the store', async () => {
    await createTables(h, target('all'));
    const m = storedRow(h, 1, NOW);
    const ghost = { path: 'gs://kubernetes-jenkins/logs/ci-job/999', row: { ...m.row, path: 'gs://kubernetes-jenkins/logs/ci-job/999' } };
    const sink = sinkFor();
    const [a, b] = await Promise.all([sink.handle(m), sink.handle(ghost)]);
    expect(a.status).toBe('inserted');
    expect(b.status).toBe('retry');
  });

  it('holds inserts into a table while it is rebuilt, then goes on', async () => {
    await createTables(h, target('all'));
    const sink = sinkFor();
    let release!: () => void;
    const rebuild = sink.pauseWhile(target('all'), () => new Promise<void>((r) => (release = r)));
    const pending = sink.handle(storedRow(h, 1, NOW));
    await new Promise((r) => setTimeout(r, 200));
    expect(paths('all')).toHaveLength(0);
    release();
    await rebuild;
    expect((await pending).status).toBe('inserted');
    expect(paths('all')).toHaveLength(1);
  });
});
