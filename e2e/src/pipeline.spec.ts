/**
 * The deployment end to end, over real sockets: collector, transformer and
 * loader as three processes on the Pub/Sub emulator, a bucket mirror behind
 * tools/gcs-server and tools/bigquery-server. A generated Prow-style tree is
 * backfilled by the collector's first re-list while new builds appear and
 * their GCS notifications stream in; every finished build must reach every
 * table exactly once, with the row `kettle make-json` makes for it.
 */
import { buildPath, newBuild, type NewBuild } from './support/builds.util';
import { describeWithEmulator } from './support/emulator.util';
import { expectExactlyOnce } from './support/exactly-once';
import { DATASET, Pipeline, rowPath, SERVICES } from './support/pipeline';
import { runningPipeline } from './support/running-pipeline';
import { makeJsonRows } from './support/rows.util';

const label = (table: string) => `${DATASET.project}:${DATASET.dataset}.${table}`;

describeWithEmulator('Kettle end to end: three services over Pub/Sub', () => {
  let p: Pipeline;
  const fresh: NewBuild[] = [];
  let running: NewBuild;

  runningPipeline({ label: 'happy', tree: { jobsPerBucket: 4, buildsPerJob: 10 } }, (started) => (p = started));

  it('backfills the tree and streams new builds: every finished build in every table exactly once, rows equal make-json', async () => {
    // Builds land while the backfill runs, in waves, with a notification per
    // object as GCS sends them (only finished.json must matter).
    for (let wave = 0; wave < 4; wave++) {
      const builds = Array.from({ length: 6 }, (_, i) => newBuild(`ci-e2e-stream-${i % 3}`, { tests: 2 + i, failures: i % 3 }));
      await Promise.all(builds.map((b) => p.writeBuild(b, { notify: 'all' })));
      fresh.push(...builds);
    }
    running = newBuild('ci-e2e-stream-0');
    await p.writeBuild(running, { notify: 'all', running: true });

    const states = await expectExactlyOnce(p, { timeoutMs: 90_000 });
    const all = states.find((s) => s.table === 'all')!;
    // Counted from the tree itself (every finished.json), not from anything Kettle wrote.
    expect(all.rows).toBe(p.expected.size);
    expect(states.find((s) => s.table === 'day')!.rows).toBeGreaterThanOrEqual(fresh.length);
    expect(states.find((s) => s.table === 'week')!.rows).toBeGreaterThan(states.find((s) => s.table === 'day')!.rows);
    expect(p.rows('all').some((r) => r.path === buildPath(running))).toBe(false);

    // What a user queries for a fresh build, field by field (19-digit number exact).
    const byPath = new Map(p.rows('all').map((r) => [rowPath(r), r]));
    for (const b of fresh) {
      const row = byPath.get(buildPath(b));
      expect(row).toMatchObject({
        path: buildPath(b),
        job: b.job,
        number: b.id,
        finished: b.finished,
        result: b.result,
        tests_run: String(b.tests.length),
        tests_failed: String(b.tests.filter((t) => t.failure !== undefined).length),
      });
      expect((row!.test as { name: string }[]).map((t) => t.name)).toEqual(b.tests.map((t) => `${t.name}`));
    }

    // The reference rows for the same store: every table row equals make-json's row for that build.
    const reference = await makeJsonRows(p);
    expect(new Set(reference.keys())).toEqual(new Set(p.expected.keys()));
    for (const t of p.tables) {
      for (const row of p.rows(t.name)) expect({ table: t.name, row }).toEqual({ table: t.name, row: reference.get(rowPath(row)) });
    }
  }, 150_000);

  it('shows freshness, throughput and health on every service’s ops port', async () => {
    // One more build once the backfill is over: the collector's freshness gauge
    // is process-wide but each Collector (re-list, notifications) keeps its own
    // maximum, so while both store it shows whichever stored last (reported bug).
    const last = newBuild('ci-e2e-stream-last');
    await p.writeBuild(last);
    fresh.push(last);
    await expectExactlyOnce(p, { timeoutMs: 30_000 });
    const newest = Math.max(...fresh.map((b) => b.finished));
    const [collector, transformer, loader] = await Promise.all(SERVICES.map((s) => p.service(s).metrics()));

    // Each finished.json notification read its build: stored, or unchanged when the backfill's walk got there first.
    expect(collector.sum('kettle_collector_notifications_total', { outcome: 'stored' }) + collector.sum('kettle_collector_notifications_total', { outcome: 'unchanged' })).toBe(fresh.length);
    // started.json, JUnit, build-log.txt of each streamed build and of the running one: acknowledged, nothing else.
    const ignored = 3 * (fresh.length - 1) + 3;
    expect(collector.sum('kettle_collector_notifications_total', { outcome: 'ignored' })).toBe(ignored);
    expect(collector.value('kettle_collector_newest_finished_timestamp_seconds')).toBe(last.finished);
    expect(collector.sum('kettle_collector_builds_published_total')).toBeGreaterThanOrEqual(p.expected.size);
    expect(collector.sum('kettle_pubsub_messages_total', { subscription: p.names.gcsSubscription, outcome: 'acked' })).toBe(fresh.length + ignored);

    expect(transformer.sum('kettle_transformer_rows_built_total')).toBeGreaterThanOrEqual(p.expected.size);
    expect(transformer.sum('kettle_pubsub_messages_total', { subscription: p.names.buildsSubscription, outcome: 'acked' })).toBe(
      collector.sum('kettle_collector_builds_published_total'),
    );

    for (const t of p.tables) {
      const rows = p.rows(t.name);
      const newestInTable = Math.max(...rows.map((r) => Number(r.finished)));
      // The freshness gauge is the newest finished time that reached the table.
      expect(loader.value('kettle_table_newest_finished_timestamp_seconds', { table: label(t.name) })).toBe(newestInTable);
      expect(newestInTable).toBeGreaterThanOrEqual(newest);
      expect(loader.value('kettle_loader_last_insert_timestamp_seconds', { table: label(t.name) })).toBeGreaterThanOrEqual(p.startedAt);
      // At least the rows the table holds; more when a build published twice (re-list and
      // notification) went out twice in one request (regressions.spec.ts).
      expect(loader.value('kettle_loader_rows_inserted_total', { table: label(t.name) })).toBeGreaterThanOrEqual(rows.length);
    }
    expect(loader.sum('kettle_pubsub_messages_total', { subscription: p.names.rowsSubscription, outcome: 'acked' })).toBe(
      transformer.sum('kettle_transformer_rows_built_total'),
    );
    for (const s of SERVICES) {
      expect({ service: s, healthz: await p.service(s).status('/healthz'), readyz: await p.service(s).status('/readyz') }).toEqual({ service: s, healthz: 200, readyz: 200 });
    }
  }, 60_000);
});
