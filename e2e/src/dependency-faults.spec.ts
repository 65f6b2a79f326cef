/**
 * GCS and BigQuery misbehaving under a running pipeline: 503s, a read that
 * never answers, 500s, 429s, a request over BigQuery's size limit and a row
 * BigQuery rejects. After each, every build is in every table exactly once
 * (the rejected one in none, dead-lettered instead), and /metrics says what
 * happened.
 */
import { buildPath, finishedObject, newBuild, type NewBuild } from './support/builds.util';
import { describeWithEmulator } from './support/emulator.util';
import { expectExactlyOnce } from './support/exactly-once';
import type { MetricSamples } from './support/metrics.util';
import { DATASET, Pipeline } from './support/pipeline';
import { runningPipeline } from './support/running-pipeline';
import { waitFor } from './support/wait.util';

const ALL = `${DATASET.project}:${DATASET.dataset}.all`;

describeWithEmulator('GCS and BigQuery faults under a running pipeline', () => {
  let p: Pipeline;

  runningPipeline({ label: 'deps', tree: { jobsPerBucket: 2, buildsPerJob: 4 } }, (started) => (p = started), { settled: true });

  afterEach(() => {
    p.gcs.setFaults({});
    p.bq.setFaults({});
  });

  const metrics = (): Promise<[MetricSamples, MetricSamples]> => Promise.all([p.service('collector').metrics(), p.service('loader').metrics()]);
  const writeAll = (builds: NewBuild[]) => Promise.all(builds.map((b) => p.writeBuild(b)));
  const inTable = (b: NewBuild) => p.rows('all').some((r) => r.path === buildPath(b));

  it('GCS 503s on finished.json beyond the client’s retries: redelivered, then collected once', async () => {
    const [before] = await metrics();
    const b = newBuild('ci-e2e-gcs-503');
    // Four attempts per delivery (libs/gcs retries): the first delivery fails, the second gets through.
    p.gcs.setFaults({ rules: [{ op: 'media', match: new RegExp(`${b.id}/finished\\.json$`), times: 6, effect: { kind: 'status', status: 503 } }] });
    await writeAll([b, newBuild('ci-e2e-gcs-503'), newBuild('ci-e2e-gcs-503')]);
    await expectExactlyOnce(p, { timeoutMs: 60_000 });

    expect(p.gcs.requests.filter((r) => r.name.endsWith(finishedObject(b)) && r.result === 503)).toHaveLength(6);
    const [after] = await metrics();
    expect(after.sum('kettle_gcs_retries_total') - before.sum('kettle_gcs_retries_total')).toBeGreaterThanOrEqual(5);
    // The notification whose read failed was nacked and came back.
    const nacked = (m: MetricSamples) => m.sum('kettle_pubsub_messages_total', { subscription: p.names.gcsSubscription, outcome: 'nacked' });
    expect(nacked(after) - nacked(before)).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('a GCS read that never answers: other builds flow meanwhile, the hung one arrives after the read deadline', async () => {
    const hung = newBuild('ci-e2e-gcs-hang');
    p.gcs.setFaults({ rules: [{ op: 'media', match: new RegExp(`${hung.id}/finished\\.json$`), times: 1, effect: { kind: 'hang' } }] });
    const started = Date.now();
    await p.writeBuild(hung);
    await waitFor('the hung read to start', () => p.gcs.requests.some((r) => r.name.endsWith(finishedObject(hung)) && r.result === 'hang'), { timeoutMs: 10_000 });
    // A hung GCS call must not freeze Kettle: later builds reach BigQuery first.
    const later = [newBuild('ci-e2e-gcs-hang'), newBuild('ci-e2e-gcs-hang')];
    await writeAll(later);
    await waitFor('later builds in BigQuery', () => later.every(inTable), { timeoutMs: 10_000, describe: () => p.tails() });
    expect(inTable(hung)).toBe(false);
    await expectExactlyOnce(p, { timeoutMs: 60_000 });
    // The read deadline (15 s), not a redelivery after minutes, freed it.
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 90_000);

  it.each([
    { status: 500, reason: 'internalError' },
    { status: 429, reason: 'rateLimitExceeded' },
  ])('BigQuery answers $status to inserts: retried, every row once', async ({ status, reason }) => {
    const [, before] = await metrics();
    const answered = () => p.bq.stats().byStatus[String(status)] ?? 0;
    const answeredBefore = answered();
    p.bq.setFaults({ rules: [{ method: 'POST', path: /\/insertAll$/, times: 3, fault: { kind: 'status', status } }] });
    await writeAll(Array.from({ length: 5 }, () => newBuild(`ci-e2e-bq-${status}`)));
    await expectExactlyOnce(p, { timeoutMs: 60_000 });

    expect(answered() - answeredBefore).toBe(3);
    const [, after] = await metrics();
    expect(after.sum('kettle_loader_insert_errors_total', { reason }) - before.sum('kettle_loader_insert_errors_total', { reason })).toBe(3);
    expect(after.sum('kettle_loader_retries_total') - before.sum('kettle_loader_retries_total')).toBe(3);
  }, 90_000);

  it('an insert request over BigQuery’s size limit is split, every row once', async () => {
    // A server whose limit fits one of these rows (~6 KB) but not two: every
    // batch of several rows is "too large" and must be split down.
    await p.restartBigQuery({ maxRequestBytes: 9_000 });
    const [, before] = await metrics();
    const builds = Array.from({ length: 12 }, () => newBuild('ci-e2e-bq-large', { tests: 3, failures: 1, failureBytes: 6_000 }));
    await writeAll(builds);
    await expectExactlyOnce(p, { timeoutMs: 60_000 });

    expect(p.bq.stats().byStatus['400']).toBeGreaterThanOrEqual(1);
    const [, after] = await metrics();
    const tooLarge = (m: MetricSamples) => m.sum('kettle_loader_insert_errors_total', { reason: 'tooLarge' });
    expect(tooLarge(after) - tooLarge(before)).toBeGreaterThanOrEqual(1);
    expect(builds.every(inTable)).toBe(true);
    await p.restartBigQuery({});
  }, 90_000);

  it('a row BigQuery rejects: counted, dead-lettered with its reason, in no table; the others go in', async () => {
    const [, before] = await metrics();
    const bad = newBuild('ci-e2e-bq-reject');
    p.bq.setFaults({ rejectRows: [{ match: (row) => row.path === buildPath(bad), message: 'e2e: poison row' }] });
    const good = [newBuild('ci-e2e-bq-reject'), newBuild('ci-e2e-bq-reject')];
    await writeAll([good[0], bad, good[1]]);
    // Not expected in any table: the exactly-once check fails if it shows up in one.
    p.expected.delete(buildPath(bad));

    const dead = await p.deadLetters(p.names.rowsTopic, (got) => got.some((d) => d.data.includes(bad.id)));
    const letter = dead.find((d) => d.data.includes(bad.id));
    expect(letter).toBeDefined();
    const body = JSON.parse(letter!.data) as { path: string; row: { path: string; number: string }; reason: string };
    expect(body).toMatchObject({ path: buildPath(bad), row: { path: buildPath(bad), number: bad.id } });
    expect(body.reason).toContain('e2e: poison row');

    await expectExactlyOnce(p, { timeoutMs: 60_000 });
    const [, after] = await metrics();
    expect(after.sum('kettle_loader_insert_errors_total', { table: ALL, reason: 'invalid' }) - before.sum('kettle_loader_insert_errors_total', { table: ALL, reason: 'invalid' })).toBe(1);
    expect(good.every(inTable)).toBe(true);
  }, 90_000);
});
