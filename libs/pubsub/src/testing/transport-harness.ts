/**
 * One interface over both transports, so the same contract suite runs against
 * the Pub/Sub emulator and the in-process bus. Test-only.
 */
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { PubSub, type Subscription } from '@google-cloud/pubsub';
import { InProcessBus } from '../in-process.bus';
import { InProcessClient } from '../in-process.client';
import { InProcessServer } from '../in-process.server';
import type { EventClient } from '../event-client.base';
import { describeError, type MessageServer } from '../message-server.base';
import type { PubSubContext } from '../pubsub.context';
import { PubSubClient } from '../pubsub.client';
import { deadLetterSubscriptionOf } from '../pubsub-names.util';
import { provisionTopology } from '../pubsub-provision.util';
import { PubSubServer } from '../pubsub.server';
import type { MessageServerOptions, SubscriptionBinding } from '../pubsub.types';

export type ServerOptions = Omit<MessageServerOptions, 'subscriptions'>;
export type DeadLetter = { data: string; attributes: Record<string, string> };

export type TransportHarness = {
  readonly name: string;
  /** A fresh topic, its subscription (5 attempts, immediate redelivery) and dead-letter topic. */
  topology(prefix: string): Promise<SubscriptionBinding>;
  server(binding: SubscriptionBinding, options?: ServerOptions): MessageServer;
  client(): EventClient;
  /** Publishes bytes as they are, bypassing the client's JSON encoding. */
  publishRaw(topic: string, data: Buffer, attributes?: Record<string, string>): Promise<unknown>;
  /** What reached `<topic>-dead` so far. */
  deadLetters(topic: string): DeadLetter[];
  close(): Promise<void>;
};

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export type EventHandler = (data: unknown, ctx: PubSubContext) => unknown;

/** Boots a NestJS microservice on `strategy` with one `@EventPattern(topic)` controller. */
export async function startMicroservice(strategy: MessageServer, topic: string, handle: EventHandler): Promise<INestMicroservice> {
  @Controller()
  class TestEventsController {
    @EventPattern(topic)
    onEvent(@Payload() data: unknown, @Ctx() ctx: PubSubContext): unknown {
      return handle(data, ctx);
    }
  }
  const moduleRef = await Test.createTestingModule({ controllers: [TestEventsController] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy, logger: false });
  await app.listen();
  return app;
}

/** Polls `predicate` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** server.listen() as a promise (NestJS does this in app.listen()). */
export function listen(server: MessageServer): Promise<void> {
  return new Promise((resolve, reject) =>
    server.listen((err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(describeError(err))) : resolve())),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function emulatorHarness(target: { apiEndpoint: string; projectId: string }): TransportHarness {
  const pubsub = new PubSub(target);
  const deadSubscriptions: Subscription[] = [];
  const dead = new Map<string, DeadLetter[]>();
  const clients: PubSubClient[] = [];
  return {
    name: 'Pub/Sub emulator',
    async topology(prefix) {
      const topic = uniqueName(prefix);
      const binding = { topic, subscription: `${topic}-sub` };
      await provisionTopology(pubsub, { subscriptions: [binding], retry: 'immediate', ackDeadlineSeconds: 10 });
      const received: DeadLetter[] = [];
      dead.set(topic, received);
      const deadSubscription = pubsub.subscription(deadLetterSubscriptionOf(topic));
      deadSubscription.on('message', (m: { data: Buffer; attributes: Record<string, string>; ack(): void }) => {
        received.push({ data: m.data.toString('utf8'), attributes: { ...m.attributes } });
        m.ack();
      });
      deadSubscriptions.push(deadSubscription);
      return binding;
    },
    server: (binding, options = {}) => new PubSubServer({ ...target, ...options, subscriptions: [binding] }),
    client() {
      const client = new PubSubClient(target);
      clients.push(client);
      return client;
    },
    publishRaw: (topic, data, attributes = {}) => pubsub.topic(topic).publishMessage({ data, attributes }),
    deadLetters: (topic) => [...(dead.get(topic) ?? [])],
    async close() {
      await Promise.all(deadSubscriptions.map((s) => s.close()));
      await Promise.all(clients.map((c) => c.close()));
      await pubsub.close();
    },
  };
}

export function inProcessHarness(): TransportHarness {
  const bus = new InProcessBus();
  return {
    name: 'in-process bus',
    topology(prefix) {
      const topic = uniqueName(prefix);
      const binding = { topic, subscription: `${topic}-sub` };
      bus.provision({ subscriptions: [binding], retry: 'immediate' });
      return Promise.resolve(binding);
    },
    server: (binding, options = {}) => new InProcessServer({ bus, ...options, subscriptions: [binding] }),
    client: () => new InProcessClient(bus),
    publishRaw: (topic, data, attributes = {}) => bus.publish(topic, data, attributes),
    deadLetters: (topic) => bus.deadLetters(topic).map((m) => ({ data: m.data.toString('utf8'), attributes: { ...m.attributes } })),
    close() {
      bus.close();
      return Promise.resolve();
    },
  };
}
