import { Registry } from 'prom-client';
import { InProcessBus } from './in-process.bus';
import { InProcessClient } from './in-process.client';
import { InProcessServer } from './in-process.server';
import type { DeliveredMessage } from './pubsub.context';
import { listen, sleep } from './testing/transport-harness';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('InProcessBus', () => {
  test('whenIdle waits for a whole cascade: work a handler publishes before acking counts', async () => {
    const bus = new InProcessBus({
      subscriptions: [
        { subscription: 'kettle-transformer', topic: 'kettle-builds' },
        { subscription: 'kettle-loader', topic: 'kettle-rows' },
      ],
      retry: 'immediate',
    });
    const rows: unknown[] = [];
    const transformer = new InProcessServer({ bus, subscriptions: [{ subscription: 'kettle-transformer', topic: 'kettle-builds' }], registry: new Registry() });
    const loader = new InProcessServer({ bus, subscriptions: [{ subscription: 'kettle-loader', topic: 'kettle-rows' }], registry: new Registry() });
    const client = new InProcessClient(bus);
    transformer.addHandler(
      'kettle-builds',
      async (data: { path: string }) => {
        await sleep(20);
        await client.publishEvent('kettle-rows', { path: data.path, row: {} });
      },
      true,
    );
    loader.addHandler(
      'kettle-rows',
      async (data: unknown) => {
        await sleep(20);
        rows.push(data);
      },
      true,
    );
    await listen(transformer);
    await listen(loader);

    for (let i = 0; i < 5; i++) await client.publishEvent('kettle-builds', { path: `gs://b/logs/j/${i}` });
    expect(bus.isIdle()).toBe(false);
    await bus.whenIdle({ timeoutMs: 5_000 });
    expect(rows).toHaveLength(5);
    await transformer.close();
    await loader.close();
  });

  test('whenIdle names what is stuck when it times out', async () => {
    const bus = new InProcessBus({ subscriptions: [{ subscription: 'kettle-loader', topic: 'kettle-rows' }] });
    await bus.publish('kettle-rows', json({}));
    await expect(bus.whenIdle({ timeoutMs: 50 })).rejects.toThrow(
      'in-process bus not idle after 50 ms: [{"subscription":"kettle-loader","queued":1,"inFlight":0,"waitingForRetry":0,"consumer":false}]',
    );
    expect(bus.deadLetters('kettle-rows')).toEqual([]);
  });

  test('publishing to a missing topic fails; a topic without subscriptions drops the message', async () => {
    const bus = new InProcessBus();
    await expect(bus.publish('kettle-rows', json({}))).rejects.toThrow('NOT_FOUND: topic "kettle-rows" does not exist');
    bus.createTopic('kettle-rows');
    await expect(bus.publish('kettle-rows', json({}))).resolves.toBe('1');
    expect(bus.isIdle()).toBe(true);
  });

  test('bounded concurrency, exponential redelivery backoff, dead letter after maxDeliveryAttempts', async () => {
    const bus = new InProcessBus({
      subscriptions: [{ subscription: 'sub-a', topic: 'topic-a' }],
      retry: { minimumBackoffSeconds: 0.02, maximumBackoffSeconds: 0.05 },
    });
    let inFlight = 0;
    let maxSeen = 0;
    const deliveries: Array<{ id: string; attempt: number; at: number }> = [];
    const start = Date.now();
    bus.attach('sub-a', {
      maxInFlight: 2,
      async deliver(message: DeliveredMessage) {
        inFlight++;
        maxSeen = Math.max(maxSeen, inFlight);
        deliveries.push({ id: message.id, attempt: message.deliveryAttempt, at: Date.now() - start });
        await sleep(5);
        inFlight--;
        return message.id === '1' ? 'nack' : 'ack';
      },
    });
    for (let i = 0; i < 6; i++) await bus.publish('topic-a', json({ i }));
    await bus.whenIdle({ timeoutMs: 5_000 });

    expect(maxSeen).toBe(2);
    const failing = deliveries.filter((d) => d.id === '1');
    expect(failing.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5]);
    const gaps = failing.slice(1).map((d, i) => d.at - failing[i].at);
    // 20, 40, 50 (capped), 50 ms of backoff plus the 5 ms handler.
    expect(gaps[0]).toBeGreaterThanOrEqual(20);
    expect(gaps[1]).toBeGreaterThanOrEqual(40);
    expect(gaps[3]).toBeLessThan(200);
    expect(bus.deadLetters('topic-a').map((m) => m.attributes)).toEqual([
      { CloudPubSubDeadLetterSourceDeliveryCount: '5', CloudPubSubDeadLetterSourceSubscription: 'sub-a' },
    ]);
  });

  test('without a dead-letter policy a message is retried forever and deliveryAttempt is 0, as in Pub/Sub', async () => {
    const bus = new InProcessBus();
    bus.createTopic('topic-b');
    bus.createSubscription('sub-b', 'topic-b', { maxDeliveryAttempts: 5, retry: 'immediate' });
    const attempts: number[] = [];
    const detach = bus.attach('sub-b', {
      maxInFlight: 1,
      deliver: (message) => {
        attempts.push(message.deliveryAttempt);
        return Promise.resolve(attempts.length < 8 ? 'nack' : 'ack');
      },
    });
    await bus.publish('topic-b', json({}));
    await bus.whenIdle({ timeoutMs: 2_000 });
    expect(attempts).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    detach();
  });

  test('close() cancels pending retries so nothing keeps the process alive', async () => {
    const bus = new InProcessBus({ subscriptions: [{ subscription: 'sub-c', topic: 'topic-c' }] }); // 10 s backoff
    bus.attach('sub-c', { maxInFlight: 1, deliver: () => Promise.resolve('nack') });
    await bus.publish('topic-c', json({}));
    await sleep(20);
    expect(bus.backlog()).toEqual([{ subscription: 'sub-c', queued: 0, inFlight: 0, waitingForRetry: 1, consumer: true }]);
    const idle = bus.whenIdle();
    bus.close();
    await idle;
  });
});
