/**
 * `kill -9` of each service while builds stream in, then a restart: no
 * shutdown hook runs, messages it held are unacknowledged, a batch may be
 * half inserted. After the restart every build must still be in every table
 * exactly once (BigQuery's insertId de-duplication is off in the local
 * server, so a double insert would show as a duplicate row).
 */
import { BuildStream } from './support/build-stream';
import { buildPath } from './support/builds.util';
import { describeWithEmulator } from './support/emulator.util';
import { expectExactlyOnce } from './support/exactly-once';
import { type Pipeline, rowPath } from './support/pipeline';
import { runningPipeline } from './support/running-pipeline';
import type { ServiceName } from './support/service-process';
import { waitFor } from './support/wait.util';

describeWithEmulator('a service killed with SIGKILL mid-stream, then restarted', () => {
  let p: Pipeline;

  runningPipeline({ label: 'crash', tree: { jobsPerBucket: 2, buildsPerJob: 5 } }, (started) => (p = started), { settled: true });

  const crashMidStream = async (name: ServiceName) => {
    const streamStart = new Date(Date.now() - 1000);
    const stream = new BuildStream(p, `ci-e2e-crash-${name}`, 50).start();
    // Mid-stream: some of this stream's rows are in, more are on their way.
    await waitFor('the stream to reach BigQuery', () => {
      const have = new Set(p.rows('all').map(rowPath));
      return stream.written.filter((b) => have.has(buildPath(b))).length >= 5;
    }, { timeoutMs: 30_000, describe: () => p.tails() });
    const before = p.service(name).pid;
    await p.kill9(name);
    // What it held comes back (see redeliverSince: the emulator alone can take minutes).
    const redelivering = p.keepRedelivering(name, streamStart);
    // Builds keep finishing while it is down; their notifications wait in Pub/Sub.
    const downSince = stream.written.length;
    await waitFor('builds written while it is down', () => stream.written.length >= downSince + 10, { timeoutMs: 10_000 });
    const restarted = await p.startService(name);
    expect(restarted.pid).not.toBe(before);
    await waitFor('builds written after the restart', () => stream.written.length >= downSince + 20, { timeoutMs: 10_000 });
    const written = await stream.stop();

    try {
      await expectExactlyOnce(p, { timeoutMs: 180_000 });
    } finally {
      await redelivering.stop();
    }
    // Once the seeks stopped, still exactly once.
    await expectExactlyOnce(p, { timeoutMs: 60_000 });
    expect(written.length).toBeGreaterThanOrEqual(25);
    // The new process did the catching up (the builds written while it was down
    // can only have gone through it), and is healthy. The collector's re-list at
    // start and its notifications both publish, so count what it published.
    const m = await restarted.metrics();
    const work: Record<ServiceName, number> = {
      collector: m.sum('kettle_collector_builds_published_total'),
      transformer: m.sum('kettle_transformer_rows_built_total'),
      loader: m.sum('kettle_loader_rows_inserted_total'),
    };
    expect(work[name]).toBeGreaterThanOrEqual(10);
    expect(await restarted.status('/healthz')).toBe(200);
  };

  // BigQuery de-duplication off: any second insert of a row is a bug here.
  it.each<ServiceName>(['collector', 'transformer'])('%s: nothing lost, nothing duplicated', (name) => crashMidStream(name), 300_000);

  it('loader: nothing lost, nothing duplicated beyond what BigQuery’s insertId de-duplication absorbs', async () => {
    // A loader killed after BigQuery stored a batch but before it recorded the
    // batch emitted inserts it again on redelivery, with the same insertIds.
    // Kettle relies on BigQuery's best-effort insertId de-duplication (at least
    // a minute) there, so this test runs with it on.
    await p.restartBigQuery({ dedupeWindowMs: 60_000 });
    await crashMidStream('loader');
  }, 300_000);
});
