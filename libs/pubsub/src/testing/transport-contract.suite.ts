/**
 * The delivery contract both transports must keep (issue 3), written once.
 * `transportContractSuite(makeHarness)` is called from one spec per transport.
 */
import type { INestMicroservice } from '@nestjs/common';
import { parseBuildMessage, type BuildMessage } from '@kettle/model';
import { Registry } from 'prom-client';
import { Observable } from 'rxjs';
import { DEAD_LETTER_DELIVERY_COUNT_ATTRIBUTE, DEAD_LETTER_REASON_ATTRIBUTE } from '../pubsub.constants';
import type { MessageServer } from '../message-server.base';
import type { DeliveryOutcome, SubscriptionBinding } from '../pubsub.types';
import { sleep, startMicroservice, waitFor, type EventHandler, type ServerOptions, type TransportHarness } from './transport-harness';

const buildPath = (job: string, n: number): string => `gs://kettle-test-bucket/logs/${job}/${n}`;

export function transportContractSuite(makeHarness: () => TransportHarness): void {
  jest.setTimeout(30_000);
  let harness: TransportHarness;
  const apps: INestMicroservice[] = [];
  const cleanups: Array<() => void> = [];

  beforeAll(() => {
    harness = makeHarness();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await harness.close();
  });

  async function serve(binding: SubscriptionBinding, handle: EventHandler, options: ServerOptions = {}): Promise<{ app: INestMicroservice; server: MessageServer }> {
    const server = harness.server(binding, { validators: { [binding.topic]: parseBuildMessage }, registry: new Registry(), ...options });
    const app = await startMicroservice(server, binding.topic, handle);
    apps.push(app);
    return { app, server };
  }

  const count = (server: MessageServer, binding: SubscriptionBinding, outcome: DeliveryOutcome): Promise<number> =>
    server.getMetrics().count(binding.subscription, outcome);

  test('acks only after the handler resolves: a message whose handler is still running when its server stops comes back', async () => {
    const binding = await harness.topology('ack');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(release);
    const seen: Array<{ path: string; attempt: number; attributes: Readonly<Record<string, string>>; pattern: string; subscription: string }> = [];
    const first = await serve(
      binding,
      async (data, ctx) => {
        seen.push({
          path: (data as BuildMessage).path,
          attempt: ctx.getDeliveryAttempt(),
          attributes: ctx.getAttributes(),
          pattern: ctx.getPattern(),
          subscription: ctx.getSubscription(),
        });
        await gate; // never resolves while this server runs
      },
      { closeTimeoutMs: 1_200 },
    );

    const path = buildPath('ack', 1);
    const messageId = await harness.client().publishEvent(binding.topic, { path });
    expect(typeof messageId).toBe('string');
    await waitFor(() => seen.length === 1, 'the handler to run');
    expect(seen[0]).toEqual({ path, attempt: 1, pattern: binding.topic, subscription: binding.subscription, attributes: { path } });
    await sleep(200);
    expect(await count(first.server, binding, 'acked')).toBe(0);
    await first.app.close();

    const attempts: number[] = [];
    const second = await serve(binding, (_data, ctx) => void attempts.push(ctx.getDeliveryAttempt()));
    await waitFor(async () => (await count(second.server, binding, 'acked')) === 1, 'the redelivery to be acked');
    expect(attempts).toEqual([2]);
    await second.app.close();

    const again: unknown[] = [];
    await serve(binding, (data) => void again.push(data));
    await sleep(1_000);
    expect(again).toEqual([]);
  });

  test('a handler error is redelivered, then dead-lettered after 5 attempts', async () => {
    const binding = await harness.topology('fail');
    const attempts: number[] = [];
    const { server } = await serve(binding, (_data, ctx) => {
      attempts.push(ctx.getDeliveryAttempt());
      throw new Error('handler failure');
    });
    const path = buildPath('fail', 1);
    await harness.client().publishEvent(binding.topic, { path });

    await waitFor(() => harness.deadLetters(binding.topic).length === 1, 'the dead letter', 20_000);
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    const [dead] = harness.deadLetters(binding.topic);
    expect(JSON.parse(dead.data)).toEqual({ path });
    expect(dead.attributes).toMatchObject({ path, [DEAD_LETTER_DELIVERY_COUNT_ATTRIBUTE]: '5' });
    expect(await count(server, binding, 'nacked')).toBe(4);
    expect(await count(server, binding, 'dead_lettered')).toBe(1);
  });

  test('an Observable that errors nacks; one that completes acks', async () => {
    const binding = await harness.topology('observable');
    let failures = 0;
    const { server } = await serve(binding, () =>
      new Observable<number>((subscriber) => {
        const timer = setTimeout(() => {
          if (failures++ === 0) subscriber.error(new Error('late failure'));
          else subscriber.complete();
        }, 50);
        return () => clearTimeout(timer);
      }),
    );
    await harness.client().publishEvent(binding.topic, { path: buildPath('observable', 1) });
    await waitFor(async () => (await count(server, binding, 'acked')) === 1, 'the ack after a retry');
    expect(await count(server, binding, 'nacked')).toBe(1);
  });

  test('invalid data goes to the dead-letter topic at once, without reaching the handler', async () => {
    const binding = await harness.topology('invalid');
    const handled: unknown[] = [];
    const { server } = await serve(binding, (data) => void handled.push(data));
    await harness.publishRaw(binding.topic, Buffer.from('{"path": "gs://b/'), { path: 'truncated' });
    await harness.publishRaw(binding.topic, Buffer.from(JSON.stringify({ path: 'not a gs:// path' })));
    await harness.publishRaw(binding.topic, Buffer.from([0xff, 0xfe, 0x7b, 0x7d]));

    await waitFor(() => harness.deadLetters(binding.topic).length === 3, 'three dead letters');
    const reasons = harness.deadLetters(binding.topic).map((d) => d.attributes[DEAD_LETTER_REASON_ATTRIBUTE]).sort();
    expect(reasons).toEqual([
      expect.stringMatching(/^data is not UTF-8 JSON/),
      expect.stringMatching(/^data is not UTF-8 JSON/),
      'path is not a gs:// build path',
    ]);
    expect(harness.deadLetters(binding.topic).find((d) => d.attributes.path === 'truncated')).toBeDefined();
    await sleep(300);
    expect(handled).toEqual([]);
    expect(await count(server, binding, 'invalid')).toBe(3);
    expect(await count(server, binding, 'nacked')).toBe(0);
  });

  test('shutdown with messages in flight loses none: each is handled once or redelivered to the next server', async () => {
    const binding = await harness.topology('shutdown');
    const paths = Array.from({ length: 12 }, (_, i) => buildPath('shutdown', i));
    const slow = new Set(paths.filter((_, i) => i % 2 === 1));
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    cleanups.push(releaseSlow);
    const startedSlow = new Set<string>();
    const doneFirst = new Set<string>();

    const first = await serve(
      binding,
      async (data) => {
        const { path } = data as BuildMessage;
        if (slow.has(path)) {
          startedSlow.add(path);
          await slowGate; // still running when the server closes
        } else {
          await sleep(5);
        }
        doneFirst.add(path);
      },
      { flowControl: { maxMessages: 4 }, closeTimeoutMs: 1_500 },
    );
    const client = harness.client();
    await Promise.all(paths.map((path) => client.publishEvent(binding.topic, { path })));
    await waitFor(() => startedSlow.size === 4, 'four slow handlers filling the flow-control window');
    await sleep(200);
    expect(startedSlow.size).toBe(4); // flow control: never more than maxMessages in flight
    const ackedBeforeClose = new Set(doneFirst);
    await first.app.close();
    expect(doneFirst).toEqual(ackedBeforeClose);

    const doneSecond: string[] = [];
    const second = await serve(binding, (data) => void doneSecond.push((data as BuildMessage).path));
    await waitFor(() => new Set([...ackedBeforeClose, ...doneSecond]).size === paths.length, 'every message handled by one server or the other');
    releaseSlow();
    await sleep(300);

    // Nothing lost, nothing the first server acked came back, nothing dead-lettered.
    expect(new Set([...ackedBeforeClose, ...doneSecond])).toEqual(new Set(paths));
    expect(doneSecond.filter((p) => ackedBeforeClose.has(p))).toEqual([]);
    expect(new Set(doneSecond).size).toBe(doneSecond.length);
    expect(harness.deadLetters(binding.topic)).toEqual([]);
    expect(await count(second.server, binding, 'acked')).toBe(doneSecond.length);
  });

  test('a message delivered twice is applied once by a handler that records what it saw', async () => {
    const binding = await harness.topology('dupes');
    const applied = new Map<string, number>(); // the "durable" effect, keyed like a primary key
    const deliveries: string[] = [];
    const crashAfterEffect = buildPath('dupes', 2);
    let crashed = false;
    await serve(binding, (data) => {
      const { path } = data as BuildMessage;
      deliveries.push(path);
      if (!applied.has(path)) applied.set(path, 1); // an upsert: a second delivery changes nothing
      if (path === crashAfterEffect && !crashed) {
        crashed = true; // effect done, ack lost: Pub/Sub redelivers
        throw new Error('crashed after the effect');
      }
    });
    const client = harness.client();
    const once = buildPath('dupes', 1);
    await client.publishEvent(binding.topic, { path: once });
    await client.publishEvent(binding.topic, { path: once }); // published twice by an at-least-once producer
    await client.publishEvent(binding.topic, { path: crashAfterEffect });

    await waitFor(() => deliveries.length === 4, 'four deliveries');
    await sleep(300);
    expect(deliveries.filter((p) => p === once)).toHaveLength(2);
    expect(deliveries.filter((p) => p === crashAfterEffect)).toHaveLength(2);
    expect([...applied.entries()].sort()).toEqual([
      [once, 1],
      [crashAfterEffect, 1],
    ]);
  });

  test('a binding can name its pattern, so a renamed topic keeps @EventPattern(\'kettle-builds\')', async () => {
    const binding = { ...(await harness.topology('renamed')), pattern: 'kettle-builds' };
    const seen: Array<{ data: unknown; pattern: string }> = [];
    const server = harness.server(binding, { validators: { 'kettle-builds': parseBuildMessage }, registry: new Registry() });
    apps.push(await startMicroservice(server, 'kettle-builds', (data, ctx) => void seen.push({ data, pattern: ctx.getPattern() })));
    await harness.client().publishEvent(binding.topic, { path: buildPath('renamed', 1), extra: 'dropped by the contract' });
    await harness.publishRaw(binding.topic, Buffer.from('{}'));
    await waitFor(() => seen.length === 1 && harness.deadLetters(binding.topic).length === 1, 'one handled, one dead-lettered');
    expect(seen).toEqual([{ data: { path: buildPath('renamed', 1) }, pattern: 'kettle-builds' }]);
  });

  test('boot fails when a subscription has no handler', async () => {
    const binding = await harness.topology('nohandler');
    const server = harness.server(binding, { registry: new Registry() });
    await expect(startMicroservice(server, 'some-other-topic', () => undefined)).rejects.toThrow(
      `no @EventPattern('${binding.topic}') handler for subscription "${binding.subscription}"`,
    );
    await server.close();
  });

  test('emit fails, rather than resolving, when the broker refuses the message', async () => {
    const client = harness.client();
    await expect(client.publishEvent('kettle-no-such-topic', { path: buildPath('x', 1) })).rejects.toThrow(/NOT_FOUND|not found/i);
    await expect(client.publishEvent('ab', {})).rejects.toThrow('emit() pattern: invalid Pub/Sub topic name "ab"');
  });
}
