/**
 * Pub/Sub as it really behaves: notifications delivered twice and out of
 * order, events that do not matter, poison messages, and a notification that
 * never came (the re-list must find that build). Every finished build still
 * ends up in every table exactly once.
 */
import { BUCKET, buildPath, finishedObject, newBuild, notificationFor, type Notification } from './support/builds.util';
import { describeWithEmulator } from './support/emulator.util';
import { expectExactlyOnce } from './support/exactly-once';
import type { MetricSamples } from './support/metrics.util';
import type { Pipeline } from './support/pipeline';
import { runningPipeline } from './support/running-pipeline';
import { waitFor } from './support/wait.util';

describeWithEmulator('duplicated, out-of-order, poison and missing messages', () => {
  let p: Pipeline;

  runningPipeline({ label: 'msgs', tree: { jobsPerBucket: 2, buildsPerJob: 3 } }, (started) => (p = started), { settled: true });

  const delta = (before: MetricSamples, after: MetricSamples, name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);

  it('duplicated and out-of-order notifications, and events that do not matter: every build once', async () => {
    const before = await p.service('collector').metrics();
    const builds = Array.from({ length: 8 }, (_, i) => newBuild('ci-e2e-dup', { tests: 2, failures: i % 2 }));
    for (const b of builds) await p.writeBuild(b, { notify: 'none' });
    const finalize = await Promise.all(builds.map((b) => notificationFor(p.gcs, BUCKET, finishedObject(b))));
    const other = (n: Notification, eventType: string): Notification => ({ data: n.data, attributes: { ...n.attributes, eventType } });
    const foreign: Notification = { data: finalize[0].data, attributes: { ...finalize[0].attributes, bucketId: 'not-a-configured-bucket' } };
    // Newest first, each twice, with metadata updates and deletes of finished.json around them.
    const sequence = [
      ...[...finalize].reverse(),
      other(finalize[3], 'OBJECT_METADATA_UPDATE'),
      other(finalize[5], 'OBJECT_DELETE'),
      foreign,
      ...finalize.filter((_, i) => i % 2 === 0),
      other(finalize[1], 'OBJECT_ARCHIVE'),
      ...finalize.filter((_, i) => i % 2 === 1).reverse(),
    ];
    await Promise.all(sequence.map((n) => p.notify(n)));

    await expectExactlyOnce(p, { timeoutMs: 60_000 });
    const after = await p.service('collector').metrics();
    const read = delta(before, after, 'kettle_collector_notifications_total', { outcome: 'stored' }) + delta(before, after, 'kettle_collector_notifications_total', { outcome: 'unchanged' });
    expect(read).toBe(16);
    expect(delta(before, after, 'kettle_collector_notifications_total', { outcome: 'stored' })).toBeGreaterThanOrEqual(8);
    expect(delta(before, after, 'kettle_collector_notifications_total', { outcome: 'ignored' })).toBe(3);
    expect(delta(before, after, 'kettle_collector_notifications_total', { outcome: 'outside_buckets' })).toBe(1);
  }, 90_000);

  it('a poison message on the builds topic is dead-lettered and counted as invalid; the pipeline goes on', async () => {
    const before = await p.service('transformer').metrics();
    await p.publishRaw(p.names.buildsTopic, Buffer.from('{"path": "gs://kubernetes-jenkins/logs/x/1"'), { path: 'e2e-poison-json' });
    await p.publishRaw(p.names.buildsTopic, Buffer.from(JSON.stringify({ path: 42 })), { path: 'e2e-poison-contract' });

    const dead = await p.deadLetters(p.names.buildsTopic, (got) => ['e2e-poison-json', 'e2e-poison-contract'].every((x) => got.some((d) => d.attributes.path === x)));
    for (const x of ['e2e-poison-json', 'e2e-poison-contract']) {
      const letter = dead.find((d) => d.attributes.path === x);
      expect({ x, reason: letter?.attributes.kettleDeadLetterReason }).toEqual({ x, reason: expect.any(String) });
      expect(letter!.attributes.kettleDeadLetterSubscription).toBe(p.names.buildsSubscription);
    }
    const after = await p.service('transformer').metrics();
    expect(delta(before, after, 'kettle_pubsub_messages_total', { subscription: p.names.buildsSubscription, outcome: 'invalid' })).toBe(2);
    expect(delta(before, after, 'kettle_pubsub_messages_total', { subscription: p.names.buildsSubscription, outcome: 'nacked' })).toBe(0);

    const b = newBuild('ci-e2e-poison');
    await p.writeBuild(b);
    await expectExactlyOnce(p, { timeoutMs: 60_000 });
    expect(p.rows('all').some((r) => r.path === buildPath(b))).toBe(true);
  }, 90_000);

  it('a build whose notification never came is collected by the next re-list', async () => {
    await p.service('collector').stop();
    const collector = await p.startService('collector', { KETTLE_RELIST_SECONDS: '2' });
    await waitFor('the re-list at start', async () => ((await collector.metrics()).value('kettle_collector_last_relist_timestamp_seconds') ?? 0) > 0, { timeoutMs: 20_000 });
    const lost = newBuild('ci-e2e-relist');
    await p.writeBuild(lost, { notify: 'none' });

    await expectExactlyOnce(p, { timeoutMs: 30_000 });
    const m = await collector.metrics();
    expect(m.sum('kettle_collector_notifications_total')).toBe(0);
    expect(m.sum('kettle_collector_builds_stored_total')).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
