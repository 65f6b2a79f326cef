import type { Command } from 'commander';
import type { PubSub } from '@google-cloud/pubsub';
import { parseBuildMessage } from '@kettle/model';
import { PubSubClient, PubSubServer } from '@kettle/pubsub';
import { bootstrapService, openServiceBasics, required, serviceCommand, topicOptions, withDeadline, type ServiceFlags, type ServiceHandle } from '@kettle/service';
import { BuildHandler } from './build-handler';
import { TransformerMetrics } from './transformer-metrics';
import { TransformerModule } from './transformer.module';

type Flags = ServiceFlags & { buildsTopic: string; buildsSubscription: string; rowsTopic: string };

/** `kettle serve transformer` / `node dist/apps/transformer/main.js`. */
export function transformerCommand(name = 'transformer'): Command {
  return serviceCommand(
    name,
    'Consume kettle-builds, build each row from the store, publish it on kettle-rows (ack after the publish is accepted).',
    { port: 8082, maxInFlight: 64 },
    [topicOptions.buildsTopic(), topicOptions.buildsSubscription(), topicOptions.rowsTopic()],
  )
    .action(async (flags: Flags) => {
      await startTransformer(flags);
    });
}

export async function startTransformer(flags: Flags): Promise<ServiceHandle> {
  const projectId = required(flags.project, '--project', 'GOOGLE_CLOUD_PROJECT');
  const { log, buckets, store, registry, watchdog, sqliteReady } = await openServiceBasics('transformer', flags);
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
      sqliteReady,
      { name: 'pubsub', check: () => withDeadline('pubsub', 5000, async () => void (await server.unwrap<PubSub>().topic(flags.rowsTopic).getMetadata())) },
    ],
    stop: async () => {
      await client.close();
      store.close();
    },
  });
}
