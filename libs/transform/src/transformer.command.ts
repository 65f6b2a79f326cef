import { Command } from 'commander';
import type { PubSub } from '@google-cloud/pubsub';
import { KettleStore, loadBucketsConfig, parseBuildMessage } from '@kettle/model';
import { PubSubClient, PubSubServer } from '@kettle/pubsub';
import { bootstrapService, createLogger, createServiceRegistry, options, registerWatchdogMetrics, required, topicOptions, Watchdog, withDeadline, type ServiceHandle } from '@kettle/service';
import { BuildHandler } from './build-handler';
import { TransformerMetrics } from './transformer-metrics';
import { TransformerModule } from './transformer.module';

type Flags = {
  project?: string;
  db: string;
  buckets: string;
  port: number;
  buildsTopic: string;
  buildsSubscription: string;
  rowsTopic: string;
  createTopics?: boolean;
  maxInFlight: number;
  stallSeconds: number;
  logFormat?: 'json' | 'text';
};

/** `kettle serve transformer` / `node dist/apps/transformer/main.js`. */
export function transformerCommand(name = 'transformer'): Command {
  return new Command(name)
    .description('Consume kettle-builds, build each row from the store, publish it on kettle-rows (ack after the publish is accepted).')
    .addOption(options.project())
    .addOption(options.db())
    .addOption(options.buckets())
    .addOption(options.port(8082))
    .addOption(topicOptions.buildsTopic())
    .addOption(topicOptions.buildsSubscription())
    .addOption(topicOptions.rowsTopic())
    .addOption(options.createTopics())
    .addOption(options.maxInFlight(64))
    .addOption(options.stallSeconds())
    .addOption(options.logFormat().default('json'))
    .action(async (flags: Flags) => {
      await startTransformer(flags);
    });
}

export async function startTransformer(flags: Flags): Promise<ServiceHandle> {
  const projectId = required(flags.project, '--project', 'GOOGLE_CLOUD_PROJECT');
  const log = createLogger({ format: flags.logFormat ?? 'json', component: 'transformer' });
  const buckets = await loadBucketsConfig(flags.buckets);
  const store = KettleStore.open(flags.db);
  const registry = createServiceRegistry('transformer');
  const watchdog = new Watchdog(flags.stallSeconds * 1000);
  registerWatchdogMetrics(registry, watchdog);
  const client = new PubSubClient({ projectId, batching: { maxMessages: 100, maxMilliseconds: 10 } });
  const handler = new BuildHandler(store, () => buckets, async (msg) => void (await client.publishEvent(flags.rowsTopic, msg)), new TransformerMetrics(registry), log);
  const server = new PubSubServer({
    projectId,
    subscriptions: [{ subscription: flags.buildsSubscription, topic: flags.buildsTopic }],
    validators: { [flags.buildsTopic]: parseBuildMessage },
    flowControl: { maxMessages: flags.maxInFlight },
    registry,
    provision: flags.createTopics ? { topics: [flags.rowsTopic] } : false,
  });
  return bootstrapService({
    name: 'transformer',
    module: TransformerModule.forRoot({ buildsTopic: flags.buildsTopic, handler, watchdog }),
    strategy: server,
    port: flags.port,
    registry,
    watchdog,
    log,
    readiness: [
      { name: 'sqlite', check: () => Promise.resolve(void store.db.prepare('select 1').get()) },
      { name: 'pubsub', check: () => withDeadline('pubsub', 5000, async () => void (await server.unwrap<PubSub>().topic(flags.rowsTopic).getMetadata())) },
    ],
    stop: async () => {
      await client.close();
      store.close();
    },
  });
}
