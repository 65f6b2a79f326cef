import { PubSub } from '@google-cloud/pubsub';
import { Registry } from 'prom-client';
import { describeWithEmulator } from './testing/emulator.testing';
import { PubSubServer } from './pubsub.server';
import { PubSubClient } from './pubsub.client';
import { provisionTopology } from './pubsub-provision.util';
import { startMicroservice, uniqueName, waitFor } from './testing/transport-harness';

describeWithEmulator('Pub/Sub provisioning on the emulator', (target) => {
  let pubsub: PubSub;
  beforeAll(() => {
    pubsub = new PubSub(target);
  });
  afterAll(async () => {
    await pubsub.close();
  });

  test('creates topics, subscriptions with a dead-letter policy and a retained dead-letter subscription; a second run finds them', async () => {
    const topic = uniqueName('prov');
    const subscription = `${topic}-sub`;
    const extra = uniqueName('publish-only');
    const plan = { subscriptions: [{ subscription, topic }], topics: [extra], retry: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 30 } };

    const first = await provisionTopology(pubsub, plan);
    expect(first.created.sort()).toEqual(
      [`topic ${topic}`, `topic ${extra}`, `topic ${topic}-dead`, `subscription ${topic}-dead`, `subscription ${subscription}`].sort(),
    );
    const [metadata] = await pubsub.subscription(subscription).getMetadata();
    expect(metadata.topic).toBe(`projects/${target.projectId}/topics/${topic}`);
    expect(metadata.deadLetterPolicy).toMatchObject({ deadLetterTopic: `projects/${target.projectId}/topics/${topic}-dead`, maxDeliveryAttempts: 5 });
    expect(metadata.retryPolicy).toMatchObject({ minimumBackoff: { seconds: '1' }, maximumBackoff: { seconds: '30' } });
    expect(metadata.ackDeadlineSeconds).toBe(60);
    const [deadSubscription] = await pubsub.subscription(`${topic}-dead`).getMetadata();
    expect(deadSubscription.topic).toBe(`projects/${target.projectId}/topics/${topic}-dead`);

    const second = await provisionTopology(pubsub, plan);
    expect(second.created).toEqual([]);
    expect(second.existing).toHaveLength(5);
    expect(second.warnings).toEqual([]);
  });

  test('a subscription that exists on another topic is an error; one without a dead-letter policy a warning', async () => {
    const topic = uniqueName('prov');
    const [other] = await pubsub.createTopic(uniqueName('other'));
    await other.createSubscription(`${topic}-sub`);
    await expect(provisionTopology(pubsub, { subscriptions: [{ subscription: `${topic}-sub`, topic }] })).rejects.toThrow(
      `subscription "${topic}-sub" exists but reads ${other.name}, not projects/${target.projectId}/topics/${topic}`,
    );
    const [own] = await pubsub.createTopic(uniqueName('plain'));
    const plain = uniqueName('plain-sub');
    await own.createSubscription(plain);
    const result = await provisionTopology(pubsub, { subscriptions: [{ subscription: plain, topic: own.name.split('/').pop()! }] });
    expect(result.warnings).toEqual([`subscription ${plain} exists without a dead-letter policy; failing messages are retried forever`]);
  });

  test('settings are validated before anything is created, naming the setting', async () => {
    const subscriptions = [{ subscription: 'valid-sub', topic: 'valid-topic' }];
    await expect(provisionTopology(pubsub, { subscriptions: [{ subscription: 'ok-sub', topic: 'go' }] })).rejects.toThrow(
      'subscriptions[0].topic: invalid Pub/Sub topic name "go"',
    );
    await expect(provisionTopology(pubsub, { subscriptions, topics: ['9lives'] })).rejects.toThrow('topics[0]: invalid Pub/Sub topic name "9lives": must start with a letter');
    await expect(provisionTopology(pubsub, { subscriptions, maxDeliveryAttempts: 3 })).rejects.toThrow('maxDeliveryAttempts: Pub/Sub allows 5–100, got 3');
    await expect(provisionTopology(pubsub, { subscriptions, ackDeadlineSeconds: 5 })).rejects.toThrow('ackDeadlineSeconds: Pub/Sub allows integers 10–600, got 5');
    await expect(provisionTopology(pubsub, { subscriptions, retry: { minimumBackoffSeconds: 20, maximumBackoffSeconds: 10 } })).rejects.toThrow(
      'retry: backoff must satisfy 0 <= minimumBackoffSeconds <= maximumBackoffSeconds <= 600, got 20..10',
    );
    const [exists] = await pubsub.topic('valid-topic').exists();
    expect(exists).toBe(false);
  });

  test('a server fails to boot on a missing subscription, and creates it when told to provision', async () => {
    const topic = uniqueName('boot');
    const subscriptions = [{ subscription: `${topic}-sub`, topic }];
    const missing = new PubSubServer({ ...target, subscriptions, registry: new Registry() });
    await expect(startMicroservice(missing, topic, () => undefined)).rejects.toThrow(
      `subscription "${topic}-sub" does not exist in project ${target.projectId}; create it (option provision) first`,
    );

    const registry = new Registry();
    const seen: unknown[] = [];
    const server = new PubSubServer({ ...target, subscriptions, registry, provision: { retry: 'immediate', ackDeadlineSeconds: 10 } });
    const app = await startMicroservice(server, topic, (data) => void seen.push(data));
    const client = new PubSubClient({ ...target, batching: { maxMilliseconds: 5 } });
    await client.publishEvent(topic, { hello: 'world' });
    await waitFor(() => seen.length === 1, 'the message');
    await app.close();
    await client.close();

    // Metrics land in the registry passed in, under the documented names.
    const text = await registry.metrics();
    expect(text).toContain(`kettle_pubsub_messages_total{subscription="${topic}-sub",outcome="acked"} 1`);
    expect(text).toContain(`kettle_pubsub_handle_seconds_count{subscription="${topic}-sub",outcome="acked"} 1`);
  });

  test('servers sharing one registry share the metrics', () => {
    const registry = new Registry();
    const a = new PubSubServer({ ...target, subscriptions: [{ subscription: 'sub-one', topic: 'topic-one' }], registry });
    const b = new PubSubServer({ ...target, subscriptions: [{ subscription: 'sub-two', topic: 'topic-two' }], registry });
    expect(a.getMetrics().registry).toBe(b.getMetrics().registry);
    expect(registry.getMetricsAsArray().map((m) => m.name).sort()).toEqual(['kettle_pubsub_handle_seconds', 'kettle_pubsub_messages_total']);
  });

  test('constructor options are validated, naming the option', () => {
    const subscriptions = [{ subscription: 'sub-one', topic: 'topic-one' }];
    expect(() => new PubSubServer({ projectId: '', subscriptions })).toThrow('projectId: a GCP project id is required');
    expect(() => new PubSubServer({ ...target, subscriptions, flowControl: { maxMessages: 0 } })).toThrow('flowControl.maxMessages: must be a positive integer, got 0');
    expect(() => new PubSubServer({ ...target, subscriptions, maxStreams: 1.5 })).toThrow('maxStreams: must be a positive integer, got 1.5');
  });
});
