/**
 * One deterministic test per bug the end-to-end runs found in the services
 * (elsewhere in e2e/ they show only now and then, depending on timing). The
 * comment above each names the cause and where it was.
 */
import { join } from 'node:path';
import { BUCKET, buildPath, finishedObject, newBuild, notificationFor } from './support/builds.util';
import { describeWithEmulator } from './support/emulator.util';
import { expectExactlyOnce } from './support/exactly-once';
import { DATASET, Pipeline } from './support/pipeline';
import { runningPipeline } from './support/running-pipeline';
import type { MetricSamples } from './support/metrics.util';
import { ServiceProcess } from './support/service-process';
import { waitFor } from './support/wait.util';

const ALL = `${DATASET.project}:${DATASET.dataset}.all`;

describeWithEmulator('regressions found end to end', () => {
  let p: Pipeline;

  runningPipeline({ label: 'regress' }, (started) => (p = started));

  // collector.command.ts provisioned the builds topic with an empty subscription plan, which provisionTopology rejects.
  it('the collector boots with KETTLE_CREATE_TOPICS=1 and creates its topic and subscription', async () => {
    // Topics and subscription of its own, all missing: it must create them.
    const fresh = `${p.names.gcsTopic}-fresh`;
    const env = {
      ...p.serviceEnv('collector'),
      KETTLE_CREATE_TOPICS: '1',
      KETTLE_BUILDS_TOPIC: `${fresh}-builds`,
      KETTLE_POLL: `${process.env.GOOGLE_CLOUD_PROJECT}/${fresh}/${fresh}-collector`,
    };
    const collector = await ServiceProcess.start('collector', env, join(p.dir, 'logs'));
    // Not stop(): SIGTERM during its first re-list hangs (next test); nothing else reads its subscription.
    await collector.kill9();
    const [builds] = await p.pubsub.topic(`${fresh}-builds`).exists();
    const [subscription] = await p.pubsub.subscription(`${fresh}-collector`).exists();
    expect({ builds, subscription }).toEqual({ builds: true, subscription: true });
  }, 60_000);

  // notification-handler.ts increments builds_stored (bucket label = buckets.yaml key) after
  // collect-stats.ts already did (bucket label = bucket name): two series, twice the count.
  it('a build stored from a notification is counted once in kettle_collector_builds_stored_total', async () => {
    const before = await p.service('collector').metrics();
    const b = newBuild('ci-e2e-regress-count');
    await p.writeBuild(b);
    await expectExactlyOnce(p, { timeoutMs: 30_000, scope: `/${b.job}/` });
    const after = await p.service('collector').metrics();
    const stored = (m: MetricSamples) => m.sum('kettle_collector_notifications_total', { outcome: 'stored' });
    expect(stored(after) - stored(before)).toBe(1);
    expect(after.sum('kettle_collector_builds_stored_total') - before.sum('kettle_collector_builds_stored_total')).toBe(1);
  }, 60_000);

  // row-sink.ts sent every copy of a path in a batch, leaning on BigQuery's best-effort insertId de-duplication.
  it('a build notified twice at once is inserted once, not twice in one request', async () => {
    const loaderBefore = await p.service('loader').metrics();
    const dedupedBefore = p.bq.stats().rowsDeduplicated;
    const b = newBuild('ci-e2e-regress-twice');
    await p.writeBuild(b, { notify: 'none' });
    const n = await notificationFor(p.gcs, BUCKET, finishedObject(b));
    await Promise.all([p.notify(n), p.notify(n)]);
    await expectExactlyOnce(p, { timeoutMs: 30_000, scope: `/${b.job}/` });
    // Both copies went through the loader (the collector publishes a build each time it is notified).
    const acked = async () => (await p.service('loader').metrics()).sum('kettle_pubsub_messages_total', { subscription: p.names.rowsSubscription, outcome: 'acked' });
    const ackedBefore = loaderBefore.sum('kettle_pubsub_messages_total', { subscription: p.names.rowsSubscription, outcome: 'acked' });
    await waitFor('both row messages handled', async () => (await acked()) - ackedBefore >= 2, { timeoutMs: 10_000 });

    // BigQuery's insertId de-duplication is best effort; Kettle must not lean on it.
    expect(p.bq.stats().rowsDeduplicated - dedupedBefore).toBe(0);
    const after = await p.service('loader').metrics();
    expect(after.sum('kettle_loader_rows_inserted_total', { table: ALL }) - loaderBefore.sum('kettle_loader_rows_inserted_total', { table: ALL })).toBe(1);
  }, 60_000);

  // Batches flush concurrently: row-sink.ts checked emitted-ids before an earlier batch recorded them.
  it('a row delivered again while its first insert is still in flight is inserted once', async () => {
    const b = newBuild('ci-e2e-regress-inflight');
    // The first insert into `all` takes 4 s (a slow BigQuery); the loader's batches close after 1 s.
    p.bq.setFaults({ rules: [{ method: 'POST', path: /\/tables\/all\/insertAll$/, times: 1, fault: { kind: 'latency', ms: 4000 } }] });
    const injected = p.bq.stats().faultsInjected;
    const n = await p.writeBuild(b);
    await waitFor('the slow insert to be in flight', () => p.bq.stats().faultsInjected > injected, { timeoutMs: 10_000 });
    // The same build again, as a re-list, a second notification or a redelivery brings it.
    await p.notify(n!);
    try {
      await expectExactlyOnce(p, { timeoutMs: 30_000, scope: `/${b.job}/` });
    } finally {
      p.bq.setFaults({});
    }
    expect(p.rows('all').filter((r) => r.path === buildPath(b))).toHaveLength(1);
  }, 60_000);

  // relister.ts run(): stop() during a cycle finds no wake-up set yet; the loop then sleeps the
  // whole re-list interval (an hour by default) before it sees the abort, so shutdown hangs.
  it('the collector stops promptly on SIGTERM while a re-list is running', async () => {
    // Every listing takes 2 s, so the re-list at start is still walking when SIGTERM comes.
    p.gcs.setFaults({ rules: [{ op: 'list', effect: { kind: 'delay', ms: 2000 } }] });
    try {
      await p.service('collector').stop();
      const since = p.gcs.requests.length;
      const collector = await p.startService('collector');
      await waitFor('the re-list to be listing', () => p.gcs.requests.slice(since).some((r) => r.op === 'list'), { timeoutMs: 10_000 });
      // The transport gives in-flight handlers 10 s; a re-list has nothing to wait for.
      expect(await collector.stop(12_000)).toEqual({ forced: false, ms: expect.any(Number) });
    } finally {
      p.gcs.setFaults({});
    }
  }, 60_000);

  // collect-stats.ts kept the maximum per Collector (one per re-list, one for notifications) for one shared gauge.
  it('the collector’s freshness gauge never goes backwards', async () => {
    await p.service('collector').stop(5_000);
    const collector = await p.startService('collector', { KETTLE_RELIST_SECONDS: '2' });
    const gauge = async () => (await collector.metrics()).value('kettle_collector_newest_finished_timestamp_seconds') ?? 0;
    const fresh = newBuild('ci-e2e-regress-fresh');
    await p.writeBuild(fresh);
    await expectExactlyOnce(p, { timeoutMs: 30_000, scope: `/${fresh.job}/` });
    await waitFor('the gauge to show the fresh build', async () => (await gauge()) === fresh.finished, { timeoutMs: 10_000 });
    // An older build, found by the next re-list (no notification): stored after the fresh one.
    const older = newBuild('ci-e2e-regress-older', { finished: fresh.finished - 3600 });
    await p.writeBuild(older, { notify: 'none' });
    await expectExactlyOnce(p, { timeoutMs: 30_000, scope: `/${older.job}/` });

    expect(await gauge()).toBe(fresh.finished);
  }, 60_000);
});
