import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import type { PubSub } from '@google-cloud/pubsub';
import { parseRowMessage } from '@kettle/model';
import { PubSubClient, PubSubServer, deadLetterTopicOf } from '@kettle/pubsub';
import { bootstrapService, openServiceBasics, options, positiveInt, required, serviceCommand, topicOptions, withDeadline, type ServiceFlags, type ServiceHandle } from '@kettle/service';
import { createBigQuery } from './bigquery-client';
import { ensureTable } from './bq-tables';
import { LoaderMetrics } from './loader-metrics';
import { LoaderModule } from './loader.module';
import { RowHandler } from './row-handler';
import { RowInserter } from './row-inserter';
import { RowSink } from './row-sink';
import { parseDataset, parseTables } from './table-target';
import { TableRotator } from './table-rotator';

type Flags = ServiceFlags & {
  rowsTopic: string;
  rowsSubscription: string;
  dataset?: string;
  tables: string | string[];
  bigqueryEndpoint?: string;
  rotateSeconds: number;
};

/** `kettle serve loader` / `node dist/apps/loader/main.js` (the old stream.py). */
export function loaderCommand(name = 'loader'): Command {
  return serviceCommand(
    name,
    'Consume kettle-rows and stream each row into every configured BigQuery table; rebuild windowed tables when they age.',
    { port: 8083, maxInFlight: 1000 },
    [
      topicOptions.rowsTopic(),
      topicOptions.rowsSubscription(),
      options.dataset(),
      options.tables('all:0'),
      options.bigqueryEndpoint(),
      new Option('--rotate-seconds <n>', 'how often windowed tables are checked for a rebuild').env('KETTLE_ROTATE_SECONDS').default(3600).argParser(positiveInt('--rotate-seconds')),
    ],
  )
    .action(async (flags: Flags) => {
      await startLoader(flags);
    });
}

export async function startLoader(flags: Flags): Promise<ServiceHandle> {
  const projectId = required(flags.project, '--project', 'GOOGLE_CLOUD_PROJECT');
  const dataset = parseDataset(required(flags.dataset, '--dataset', 'KETTLE_DATASET'), 'KETTLE_DATASET/--dataset');
  const targets = parseTables(flags.tables, dataset, 'KETTLE_TABLES/--tables');
  const { log, buckets, store, registry, watchdog, sqliteReady } = await openServiceBasics('loader', flags);
  const metrics = new LoaderMetrics(registry);
  const bq = createBigQuery({ projectId: dataset.project, endpoint: flags.bigqueryEndpoint });
  // A table whose schema lacks our fields stops the loader here, named, not at the first insert.
  for (const t of targets) await ensureTable(bq, t);
  const sink = new RowSink(store, new RowInserter(bq, metrics), targets);
  watchdog.watch('batch', () => sink.pending);
  const client = new PubSubClient({ projectId });
  const deadTopic = deadLetterTopicOf(flags.rowsTopic);
  const handler = new RowHandler([sink], async (msg, reason) => void (await client.publishEvent(deadTopic, { ...msg, reason })), log);
  const rotator = new TableRotator(bq, store, () => buckets, sink, log, metrics, { threads: Math.max(1, availableParallelism() - 1) });
  let rotation: NodeJS.Timeout | undefined;
  let rotating: Promise<unknown> = Promise.resolve();
  const server = new PubSubServer({
    projectId,
    subscriptions: [{ subscription: flags.rowsSubscription, topic: flags.rowsTopic }],
    validators: { [flags.rowsTopic]: parseRowMessage },
    // Batches fill only with enough messages in flight.
    flowControl: { maxMessages: flags.maxInFlight, maxBytes: 64 << 20 },
    registry,
    provision: flags.createTopics ? {} : false,
  });
  return bootstrapService({
    name: 'loader',
    module: LoaderModule.forRoot({ rowsTopic: flags.rowsTopic, handler, watchdog }),
    strategy: server,
    port: flags.port,
    registry,
    watchdog,
    log,
    readiness: [
      sqliteReady,
      { name: 'bigquery', check: () => withDeadline('bigquery', 5000, async () => void (await bq.dataset(dataset.dataset, { projectId: dataset.project }).getMetadata())) },
      { name: 'pubsub', check: () => withDeadline('pubsub', 5000, async () => void (await server.unwrap<PubSub>().topic(flags.rowsTopic).getMetadata())) },
    ],
    start: () => {
      const tick = () => {
        rotating = rotator.rotateDue().catch((e: unknown) => log.error('rotation check failed', { error: e }));
      };
      tick();
      rotation = setInterval(tick, flags.rotateSeconds * 1000);
    },
    stop: async () => {
      clearInterval(rotation);
      await rotating;
      await sink.drain();
      await client.close();
      store.close();
    },
  });
}
