/**
 * Throughput and latency of the Pub/Sub transport against the emulator,
 * compared with the raw @google-cloud/pubsub client doing the same work:
 *
 *   npx tsx tools/bench/pubsub-bench.ts [--messages 10000] [--size 1024] [--reps 2]
 *
 * Each run publishes N ~1 KB JSON messages (PubSubClient / raw Topic) while a
 * consumer (PubSubServer with a no-op handler / raw Subscription) with 1,000
 * messages in flight acks them; it prints msgs/s (first publish to last
 * handled) and p50/p99 publish→handle latency, for 1 and 2 streaming pulls.
 * Starts its own emulator (tools/pubsub-emulator) and stops it at the end.
 */
import { PubSub, type Message } from '@google-cloud/pubsub';
import { Registry } from 'prom-client';
import { PubSubClient, PubSubServer, provisionTopology } from '@kettle/pubsub';
import { startPubSubEmulator } from '../pubsub-emulator/pubsub-emulator';

type Target = { projectId: string; apiEndpoint: string };
type Kind = 'raw client' | 'transport';
type Result = { kind: Kind; streams: number; rate: number; publishRate: number; p50: number; p99: number; duplicates: number };

const MAX_IN_FLIGHT = 1000;
const BATCHING = { maxMessages: 100, maxMilliseconds: 10 };

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const MESSAGES = flag('--messages', 10_000);
const SIZE = flag('--size', 1024);
const REPS = flag('--reps', 2);

function payload(i: number): { path: string; sentAt: number; pad: string } {
  const base = { path: `gs://kettle-bench/logs/job/${i}`, sentAt: performance.now(), pad: '' };
  base.pad = 'x'.repeat(Math.max(0, SIZE - JSON.stringify(base).length));
  return base;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Collects handle times until every message was seen once. */
class Tally {
  readonly latencies: number[] = [];
  private readonly seen = new Set<string>();
  duplicates = 0;
  firstPublish = 0;
  allPublished = 0;
  lastHandled = 0;
  private finish!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  record(data: { path: string; sentAt: number }): void {
    const now = performance.now();
    if (this.seen.has(data.path)) {
      this.duplicates++;
      return;
    }
    this.seen.add(data.path);
    this.latencies.push(now - data.sentAt);
    this.lastHandled = now;
    if (this.seen.size === MESSAGES) this.finish();
  }

  result(kind: Kind, streams: number): Result {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const seconds = (this.lastHandled - this.firstPublish) / 1000;
    const publishSeconds = (this.allPublished - this.firstPublish) / 1000;
    return { kind, streams, rate: MESSAGES / seconds, publishRate: MESSAGES / publishSeconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), duplicates: this.duplicates };
  }
}

async function withTimeout(done: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out`)), 300_000)))]);
  clearTimeout(timer);
}

async function topology(admin: PubSub, name: string): Promise<{ topic: string; subscription: string }> {
  const binding = { topic: name, subscription: `${name}-sub` };
  await provisionTopology(admin, { subscriptions: [binding], retry: 'immediate' });
  return binding;
}

async function runRaw(target: Target, admin: PubSub, streams: number, name: string): Promise<Result> {
  const { topic, subscription } = await topology(admin, name);
  const pubsub = new PubSub(target);
  const tally = new Tally();
  const sub = pubsub.subscription(subscription, { flowControl: { maxMessages: MAX_IN_FLIGHT, allowExcessMessages: false }, streamingOptions: { maxStreams: streams } });
  sub.on('message', (m: Message) => {
    tally.record(JSON.parse(m.data.toString('utf8')) as { path: string; sentAt: number });
    m.ack();
  });
  sub.on('error', (err: unknown) => console.error('raw subscription error', err));
  const publisher = pubsub.topic(topic, { batching: BATCHING });
  tally.firstPublish = performance.now();
  const published: Array<Promise<string>> = [];
  for (let i = 0; i < MESSAGES; i++) published.push(publisher.publishMessage({ json: payload(i) }));
  await Promise.all(published);
  tally.allPublished = performance.now();
  await withTimeout(tally.done, `raw, ${streams} stream(s)`);
  await sub.close();
  await pubsub.close();
  return tally.result('raw client', streams);
}

async function runTransport(target: Target, admin: PubSub, streams: number, name: string): Promise<Result> {
  const binding = await topology(admin, name);
  const tally = new Tally();
  const server = new PubSubServer({ ...target, subscriptions: [binding], flowControl: { maxMessages: MAX_IN_FLIGHT }, maxStreams: streams, registry: new Registry() });
  server.addHandler(binding.topic, (data: { path: string; sentAt: number }) => Promise.resolve(tally.record(data)), true);
  await new Promise<void>((resolve, reject) => server.listen((err?: unknown) => (err ? reject(err instanceof Error ? err : new Error('listen failed')) : resolve())));
  const client = new PubSubClient({ ...target, batching: BATCHING });
  tally.firstPublish = performance.now();
  const published: Array<Promise<string>> = [];
  for (let i = 0; i < MESSAGES; i++) published.push(client.publishEvent(binding.topic, payload(i)));
  await Promise.all(published);
  tally.allPublished = performance.now();
  await withTimeout(tally.done, `transport, ${streams} stream(s)`);
  await server.close();
  await client.close();
  return tally.result('transport', streams);
}

function mean(results: Result[]): Result {
  const avg = (f: (r: Result) => number): number => results.reduce((s, r) => s + f(r), 0) / results.length;
  return { ...results[0], rate: avg((r) => r.rate), publishRate: avg((r) => r.publishRate), p50: avg((r) => r.p50), p99: avg((r) => r.p99), duplicates: avg((r) => r.duplicates) };
}

async function main(): Promise<void> {
  // Clients must not wait on a GCE metadata server that is not there.
  process.env.METADATA_SERVER_DETECTION = 'none';
  const emulator = await startPubSubEmulator({ projectId: 'kettle-bench' });
  const target: Target = { projectId: emulator.projectId, apiEndpoint: emulator.host };
  const admin = new PubSub(target);
  console.log(`Pub/Sub emulator ${emulator.host}; ${MESSAGES} messages of ${SIZE} B, ${MAX_IN_FLIGHT} in flight, mean of ${REPS} run(s)`);
  try {
    await runRaw(target, admin, 1, `bench-warmup-${Date.now()}`); // JIT, channels, emulator warm-up
    const rows: Result[] = [];
    for (const streams of [1, 2]) {
      const raw: Result[] = [];
      const transport: Result[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        // Alternate the order so neither side always runs on a warmer emulator.
        const tag = `${Date.now().toString(36)}-${streams}-${rep}`;
        if (rep % 2 === 0) {
          raw.push(await runRaw(target, admin, streams, `bench-raw-${tag}`));
          transport.push(await runTransport(target, admin, streams, `bench-transport-${tag}`));
        } else {
          transport.push(await runTransport(target, admin, streams, `bench-transport-${tag}`));
          raw.push(await runRaw(target, admin, streams, `bench-raw-${tag}`));
        }
      }
      rows.push(mean(raw), mean(transport));
    }
    console.log('\n| consumer | streams | msgs/s | vs raw | p50 ms | p99 ms | published/s | duplicates |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const raw = rows.find((x) => x.kind === 'raw client' && x.streams === r.streams);
      const vs = r.kind === 'raw client' || !raw ? '' : `${((r.rate / raw.rate - 1) * 100).toFixed(1)}%`;
      console.log(`| ${r.kind} | ${r.streams} | ${r.rate.toFixed(0)} | ${vs} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.publishRate.toFixed(0)} | ${r.duplicates} |`);
    }
  } finally {
    await admin.close();
    await emulator.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
