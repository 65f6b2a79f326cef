/**
 * Freshness of the deployed pipeline: how long from a build's finished.json
 * landing in GCS to its row in BigQuery, with the three services as separate
 * processes over the Pub/Sub emulator, tools/gcs-server and tools/bigquery-server:
 *
 *   npx tsx tools/bench/freshness-bench.ts [--rate 1.3] [--seconds 120] [--burst-seconds 20] [--restart-seconds 20]
 *
 * 1. backfill: a generated bucket tree, collected by the collector's first re-list;
 * 2. steady: builds finish at --rate per second (1.3/s = 10x Kubernetes CI's
 *    ~11,000 builds/day), each followed by its GCS notification; latency
 *    finished.json -> row in `all` (polled with tabledata.list), p50/p99;
 * 3. burst: builds written as fast as 8 writers go for --burst-seconds; the
 *    pipeline's sustained rate (rows/s into BigQuery) and latency;
 * 4. restart: SIGTERM all three services, start them again while builds keep
 *    finishing at --rate; time from the restart to the first fresh row.
 * Goals (issue 7): p99 < 30 s at 10x load, restart to streaming < 10 s.
 */
import { PubSub } from '@google-cloud/pubsub';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startBigQueryServer, type BigQueryServer } from '@kettle/bigquery-server';
import { startGcsServer, type GcsServer } from '@kettle/gcs-server';
import { KettleStore } from '@kettle/model';
import { provisionTopology } from '@kettle/pubsub';
import { BUCKETS_YAML, generateTree, junitSize, junitXml, Random } from '@kettle/sample-data';
import { startPubSubEmulator, type RunningEmulator } from '../pubsub-emulator/pubsub-emulator';

const ROOT = resolve(__dirname, '../..');
const SERVICES = ['collector', 'transformer', 'loader'] as const;
type Service = (typeof SERVICES)[number];
const BUCKET = 'kubernetes-jenkins';
const DATASET = { project: 'kettle-bench', dataset: 'build' };
const TABLES = 'all:0 day:1 week:7';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1.3' },
    seconds: { type: 'string', default: '120' },
    'burst-seconds': { type: 'string', default: '20' },
    'restart-seconds': { type: 'string', default: '20' },
  },
});
const RATE = Number(args.rate);
const STEADY_S = Number(args.seconds);
const BURST_S = Number(args['burst-seconds']);
const RESTART_S = Number(args['restart-seconds']);

type Env = { dir: string; root: string; gcs: GcsServer; bq: BigQueryServer; pubsub: PubSub; project: string; names: Record<'gcs' | 'gcsSub' | 'builds' | 'buildsSub' | 'rows' | 'rowsSub', string> };
/** Builds written and not yet seen in BigQuery: path -> when finished.json was written (ms). */
const pending = new Map<string, number>();
/** Seen: path -> [written ms, seen ms]. */
const seen = new Map<string, [number, number]>();
const rng = new Random(42);
let nextId = 1_800_000_000_000_000_000n;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const secs = (ms: number) => (ms / 1000).toFixed(2);

/** One service as its own process (what each Deployment runs); resolves once it logged "started". */
function startService(env: Env, name: Service): Promise<ChildProcess> {
  const own: Record<Service, Record<string, string>> = {
    collector: { STORAGE_EMULATOR_HOST: env.gcs.url, KETTLE_POLL: `${env.project}/${env.names.gcs}/${env.names.gcsSub}`, KETTLE_RELIST_SECONDS: '3600' },
    transformer: {},
    loader: { KETTLE_DATASET: `${DATASET.project}:${DATASET.dataset}`, KETTLE_TABLES: TABLES, KETTLE_BIGQUERY_ENDPOINT: env.bq.url },
  };
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps', name, 'main.js')], {
    env: {
      PATH: process.env.PATH,
      GOOGLE_CLOUD_PROJECT: env.project,
      PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST,
      METADATA_SERVER_DETECTION: 'none',
      KETTLE_DB: join(env.dir, 'build.db'),
      KETTLE_BUCKETS: join(env.dir, 'buckets.yaml'),
      PORT: '0',
      KETTLE_BUILDS_TOPIC: env.names.builds,
      KETTLE_BUILDS_SUBSCRIPTION: env.names.buildsSub,
      KETTLE_ROWS_TOPIC: env.names.rows,
      KETTLE_ROWS_SUBSCRIPTION: env.names.rowsSub,
      ...own[name],
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    const lines: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (lines.length < 50) lines.push(line);
      if (line.includes(`"message":"${name} started"`)) resolvePromise(child);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${lines.join('\n')}`)));
  });
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A build as CI writes it (finished.json last), then its GCS notification (JSON_API_V1). */
async function writeBuild(env: Env, job: string): Promise<string> {
  const id = String((nextId += 7919n));
  const dir = `logs/${job}/${id}`;
  const now = Math.floor(Date.now() / 1000);
  await env.gcs.putObject(BUCKET, `${dir}/started.json`, JSON.stringify({ timestamp: now - 600, node: 'bench', repos: { 'k8s.io/kubernetes': 'master' } }));
  for (let f = 1; f <= 2; f++) {
    const xml = junitXml(rng, { bytes: Math.round(junitSize(rng) * 0.2), logBytes: 0, skipRate: 0.85, failRate: 0.03 });
    await env.gcs.putObject(BUCKET, `${dir}/artifacts/junit_0${f}.xml`, xml);
  }
  await env.gcs.putObject(BUCKET, `${dir}/finished.json`, JSON.stringify({ timestamp: now, passed: true, result: 'SUCCESS' }));
  const path = `gs://${BUCKET}/${dir}`;
  pending.set(path, Date.now());
  const object = `${dir}/finished.json`;
  const res = await fetch(`${env.gcs.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(object)}`);
  const resource = (await res.json()) as { generation: string; updated: string };
  await env.pubsub.topic(env.names.gcs).publishMessage({
    data: Buffer.from(JSON.stringify(resource)),
    attributes: {
      eventType: 'OBJECT_FINALIZE',
      bucketId: BUCKET,
      objectId: object,
      objectGeneration: resource.generation,
      eventTime: resource.updated,
      notificationConfig: `projects/_/buckets/${BUCKET}/notificationConfigs/1`,
      payloadFormat: 'JSON_API_V1',
    },
  });
  return path;
}

/** Polls tabledata.list for rows appended since the last poll; records when each pending build showed up. */
function watchRows(env: Env): { stop(): void; count(): number } {
  let index = 0;
  let stopped = false;
  const url = (start: number) =>
    `${env.bq.url}/bigquery/v2/projects/${DATASET.project}/datasets/${DATASET.dataset}/tables/all/data?startIndex=${start}&maxResults=10000&selectedFields=path`;
  void (async () => {
    while (!stopped) {
      const res = await fetch(url(index)).catch(() => undefined);
      if (res?.ok) {
        const body = (await res.json()) as { rows?: { f: { v: string }[] }[] };
        const now = Date.now();
        for (const r of body.rows ?? []) {
          const path = r.f[0].v;
          const written = pending.get(path);
          if (written !== undefined) {
            pending.delete(path);
            seen.set(path, [written, now]);
          }
        }
        index += body.rows?.length ?? 0;
      }
      await sleep(200);
    }
  })();
  return { stop: () => void (stopped = true), count: () => index };
}

/** Writes builds at `rate`/s for `seconds` (or with `writers` unpaced writers); returns the paths written. */
async function writeFor(env: Env, job: string, seconds: number, pace: { rate: number } | { writers: number }): Promise<string[]> {
  const written: string[] = [];
  const end = Date.now() + seconds * 1000;
  if ('rate' in pace) {
    const started = Date.now();
    for (let i = 0; Date.now() < end; i++) {
      written.push(await writeBuild(env, job));
      await sleep(Math.max(0, started + ((i + 1) * 1000) / pace.rate - Date.now()));
    }
  } else {
    await Promise.all(
      Array.from({ length: pace.writers }, async () => {
        while (Date.now() < end) written.push(await writeBuild(env, job));
      }),
    );
  }
  return written;
}

async function waitSeen(paths: string[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (paths.some((p) => !seen.has(p))) {
    if (Date.now() > end) throw new Error(`${paths.filter((p) => !seen.has(p)).length} of ${paths.length} builds not in BigQuery after ${timeoutMs} ms`);
    await sleep(200);
  }
}

function latencies(paths: string[]): { n: number; p50: number; p99: number; max: number } {
  const l = paths.map((p) => seen.get(p)!).map(([w, s]) => s - w);
  return { n: l.length, p50: percentile(l, 50), p99: percentile(l, 99), max: Math.max(...l) };
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['-e', "require('./tools/build.js').ensureBuilt()"], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
  let emulator: RunningEmulator | undefined;
  if (!process.env.PUBSUB_EMULATOR_HOST) {
    emulator = await startPubSubEmulator({ projectId: 'kettle-bench' });
    Object.assign(process.env, emulator.env);
  }
  const project = process.env.GOOGLE_CLOUD_PROJECT ?? 'kettle-bench';
  const dir = mkdtempSync(join(tmpdir(), 'kettle-freshness-'));
  const root = join(dir, 'gcs');
  mkdirSync(join(root, 'istio-prow'), { recursive: true });
  const tree = generateTree({ root, seed: 3, now: Math.floor(Date.now() / 1000), jobsPerBucket: 8, buildsPerJob: 40, junitPerBuild: 1.8, sizeScale: 0.2, logRate: 0.1, badInputs: false });
  writeFileSync(join(dir, 'buckets.yaml'), BUCKETS_YAML);
  // GCS and BigQuery round trips of a few tens of ms, as from a GKE pod.
  const gcs = await startGcsServer({ root, faults: { latencyMs: 20 } });
  const bq = await startBigQueryServer({ faults: { latencyMs: 50 } });
  const u = `bench-${Date.now().toString(36)}`;
  const names = { gcs: `${u}-gcs-changes`, gcsSub: `${u}-collector`, builds: `${u}-builds`, buildsSub: `${u}-transformer`, rows: `${u}-rows`, rowsSub: `${u}-loader` };
  const pubsub = new PubSub({ projectId: project });
  // Production settings (ack deadline 60 s, redelivery backoff 10-600 s, dead letters after 5).
  await provisionTopology(pubsub, { subscriptions: [{ subscription: names.gcsSub, topic: names.gcs }, { subscription: names.buildsSub, topic: names.builds }, { subscription: names.rowsSub, topic: names.rows }] });
  KettleStore.open(join(dir, 'build.db')).close();
  const env: Env = { dir, root, gcs, bq, pubsub, project, names };
  const children = new Map<Service, ChildProcess>();
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const report: Record<string, unknown> = { rate: RATE, steadySeconds: STEADY_S, burstSeconds: BURST_S, treeFinished: tree.finished };

  try {
    let t = Date.now();
    for (const [s, c] of await Promise.all(SERVICES.map(async (s) => [s, await startService(env, s)] as const))) children.set(s, c);
    report.startSeconds = secs(Date.now() - t);
    const rows = watchRows(env);
    while (rows.count() < tree.finished) {
      if (Date.now() - t > 300_000) throw new Error(`backfill: ${rows.count()} of ${tree.finished} rows after 5 minutes`);
      await sleep(200);
    }
    report.backfill = { builds: tree.finished, seconds: secs(Date.now() - t) };
    console.log(`backfill: ${tree.finished} builds in ${secs(Date.now() - t)} s`);

    const steady = await writeFor(env, 'ci-bench-steady', STEADY_S, { rate: RATE });
    await waitSeen(steady, 120_000);
    const s = latencies(steady);
    report.steady = { builds: s.n, rate: (s.n / STEADY_S).toFixed(2), p50: secs(s.p50), p99: secs(s.p99), max: secs(s.max) };
    console.log(`steady ${RATE}/s: ${s.n} builds, latency p50 ${secs(s.p50)} s, p99 ${secs(s.p99)} s, max ${secs(s.max)} s`);

    t = Date.now();
    const burst = await writeFor(env, 'ci-bench-burst', BURST_S, { writers: 8 });
    const wroteFor = Date.now() - t;
    await waitSeen(burst, 300_000);
    const lastSeen = Math.max(...burst.map((p) => seen.get(p)![1]));
    const b = latencies(burst);
    report.burst = { builds: b.n, writeRate: (b.n / (wroteFor / 1000)).toFixed(1), sustainedRate: (b.n / ((lastSeen - t) / 1000)).toFixed(1), p50: secs(b.p50), p99: secs(b.p99) };
    console.log(`burst: wrote ${b.n} builds at ${(b.n / (wroteFor / 1000)).toFixed(1)}/s; into BigQuery at ${(b.n / ((lastSeen - t) / 1000)).toFixed(1)}/s sustained; latency p50 ${secs(b.p50)} s, p99 ${secs(b.p99)} s`);

    // Builds keep finishing while all three services restart (a rollout).
    const writing = writeFor(env, 'ci-bench-restart', RESTART_S, { rate: RATE });
    await sleep(2000);
    const stopAt = Date.now();
    await Promise.all([...children.values()].map(stopService));
    const spawnAt = Date.now();
    for (const [s2, c] of await Promise.all(SERVICES.map(async (s2) => [s2, await startService(env, s2)] as const))) children.set(s2, c);
    const readyAt = Date.now();
    const restartWritten = await writing;
    await waitSeen(restartWritten, 180_000);
    // Fresh: finished.json written after the new processes were launched.
    const firstFresh = Math.min(...restartWritten.map((p) => seen.get(p)!).filter(([w]) => w >= spawnAt).map(([, seenAt]) => seenAt));
    const r = latencies(restartWritten);
    report.restart = { stopSeconds: secs(spawnAt - stopAt), startToReadySeconds: secs(readyAt - spawnAt), startToFirstFreshRowSeconds: secs(firstFresh - spawnAt), p99DuringRestart: secs(r.p99) };
    console.log(`restart: stop ${secs(spawnAt - stopAt)} s, start to ready ${secs(readyAt - spawnAt)} s, start to first fresh row ${secs(firstFresh - spawnAt)} s; latency during restart p99 ${secs(r.p99)} s`);
    rows.stop();
    console.log(JSON.stringify(report));
  } finally {
    await Promise.all([...children.values()].map(stopService));
    await pubsub.close();
    await gcs.close();
    await bq.close();
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
