import { InvalidArgumentError, Option, type Command } from 'commander';
import { PubSub } from '@google-cloud/pubsub';
import { createGcsReader, gcsOptionsFromEnv } from '@kettle/gcs';
import { loadBucketsConfig, type BucketsConfig } from '@kettle/model';
import { assertPubSubName, PubSubClient, PubSubServer } from '@kettle/pubsub';
import { bootstrapService, openServiceBasics, options, positiveInt, required, serviceCommand, topicOptions, withDeadline, type ServiceFlags, type ServiceHandle } from '@kettle/service';
import { Collector, DEFAULT_COLLECT_OPTIONS } from './collector';
import { CollectorMetrics } from './collector-metrics';
import { CollectorModule } from './collector.module';
import { NotificationHandler } from './notification-handler';
import { Relister } from './relister';

type Flags = ServiceFlags & {
  gcsRoot?: string;
  poll?: PollTarget;
  relistSeconds: number;
  buildsTopic: string;
  threads: number;
  buildlimit?: number;
};

export type PollTarget = { project: string; topic: string; subscription: string };

/** `project/topic/subscription`, as the old stream.py --poll took it. */
export function parsePoll(raw: string): PollTarget {
  const parts = raw.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new InvalidArgumentError(`KETTLE_POLL/--poll must be PROJECT/TOPIC/SUBSCRIPTION, got "${raw}"`);
  }
  return { project: parts[0], topic: parts[1], subscription: parts[2] };
}

/** `kettle serve collector` / `node dist/apps/collector/main.js`. */
export function collectorCommand(name = 'collector'): Command {
  return serviceCommand(
    name,
    'Collect builds from GCS into the store: stream GCS change notifications and re-list every bucket on a timer; publish each new finished build on kettle-builds.',
    { port: 8081, maxInFlight: 32 },
    [
      options.gcsRoot(),
      new Option('--poll <project/topic/subscription>', 'GCS change notifications to stream (none: re-list only)').env('KETTLE_POLL').argParser(parsePoll),
      new Option('--relist-seconds <n>', 'seconds between full re-lists').env('KETTLE_RELIST_SECONDS').default(3600).argParser(positiveInt('KETTLE_RELIST_SECONDS/--relist-seconds')),
      topicOptions.buildsTopic(),
      new Option('--threads <n>', 'concurrent GCS requests').env('KETTLE_THREADS').default(DEFAULT_COLLECT_OPTIONS.threads).argParser(positiveInt('--threads')),
      new Option('--buildlimit <n>', 'walk at most the N newest builds of each job').env('KETTLE_BUILD_LIMIT').argParser(positiveInt('KETTLE_BUILD_LIMIT/--buildlimit')),
    ],
  )
    .action(async (flags: Flags) => {
      await startCollector(flags);
    });
}

export async function startCollector(flags: Flags): Promise<ServiceHandle> {
  const projectId = required(flags.project, '--project', 'GOOGLE_CLOUD_PROJECT');
  const basics = await openServiceBasics('collector', flags);
  const { log, store, registry, watchdog } = basics;
  let buckets: BucketsConfig = basics.buckets;
  const loadBuckets = async () => (buckets = await loadBucketsConfig(flags.buckets));
  const metrics = new CollectorMetrics(registry);
  const gcs = createGcsReader({
    ...gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: process.env.STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS: process.env.GOOGLE_APPLICATION_CREDENTIALS }),
    root: flags.gcsRoot,
    registry,
  });
  const collectOptions = { ...DEFAULT_COLLECT_OPTIONS, threads: flags.threads, buildLimit: flags.buildlimit, junit: true };
  const client = new PubSubClient({ projectId, batching: { maxMessages: 100, maxMilliseconds: 10 } });
  const publish = async (msg: { path: string }) => void (await client.publishEvent(flags.buildsTopic, msg));
  const relister = new Relister(
    () => new Collector(gcs, store, log, { ...collectOptions, queuePublish: true }, undefined, metrics),
    store,
    loadBuckets,
    publish,
    metrics,
    log,
    { intervalSeconds: flags.relistSeconds },
    () => watchdog.progress(),
  );
  watchdog.watch('relist', () => (relister.running ? 1 : 0));
  const notifications = new NotificationHandler(new Collector(gcs, store, log, collectOptions, undefined, metrics), () => buckets, publish, metrics, log);
  const server = flags.poll
    ? new PubSubServer({
        projectId: flags.poll.project,
        subscriptions: [{ subscription: flags.poll.subscription, topic: flags.poll.topic }],
        flowControl: { maxMessages: flags.maxInFlight },
        registry,
        provision: flags.createTopics ? {} : false,
      })
    : undefined;
  if (flags.createTopics) {
    // Publishing needs the builds topic; its subscription is the transformer's to create.
    await ensureTopic(new PubSub({ projectId }), flags.buildsTopic);
  }
  return bootstrapService({
    name: 'collector',
    module: CollectorModule.forRoot(flags.poll ? { notificationTopic: flags.poll.topic, handler: notifications, watchdog } : null),
    strategy: server,
    port: flags.port,
    registry,
    watchdog,
    log,
    readiness: [
      basics.sqliteReady,
      ...(server ? [{ name: 'pubsub', check: () => withDeadline('pubsub', 5000, async () => void (await server.unwrap<PubSub>().topic(flags.buildsTopic).getMetadata())) }] : []),
    ],
    // Streaming is up before the first re-list starts: a restart never waits for a walk.
    start: () => relister.start(),
    stop: async () => {
      await relister.stop();
      await client.close();
      store.close();
    },
  });
}

/** Creates a topic unless it exists (ALREADY_EXISTS from a concurrent start is fine). */
async function ensureTopic(pubsub: PubSub, name: string): Promise<void> {
  assertPubSubName('topic', name, 'KETTLE_BUILDS_TOPIC/--builds-topic');
  const [exists] = await pubsub.topic(name).exists();
  if (exists) return;
  await pubsub.createTopic(name).catch((e: { code?: number }) => {
    if (e.code !== 6) throw e; // 6 = ALREADY_EXISTS
  });
}
