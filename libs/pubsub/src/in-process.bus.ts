import {
  DEAD_LETTER_DELIVERY_COUNT_ATTRIBUTE,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  DEFAULT_RETRY_POLICY,
} from './pubsub.constants';
import type { DeliveredMessage } from './pubsub.context';
import { PubSubConfigError, deadLetterSubscriptionOf, deadLetterTopicOf } from './pubsub-names.util';
import { assertTopologyPlan, type ProvisionResult } from './pubsub-provision.util';
import type { RetryPolicy, TopologyPlan } from './pubsub.types';

/** A message as published to the bus. */
export type BusMessage = {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime: Date;
};

/** Per subscription, as Pub/Sub's dead-letter and retry policies. */
export type BusSubscriptionPolicy = {
  /** Absent: retried forever, `deliveryAttempt` is 0 (as in Pub/Sub). */
  deadLetterTopic?: string;
  maxDeliveryAttempts: number;
  retry: RetryPolicy;
};

/** A server attached to a subscription. */
export type BusConsumer = {
  maxInFlight: number;
  /** Resolves how the delivery ended; a rejection counts as a nack. */
  deliver(message: DeliveredMessage): Promise<'ack' | 'nack'>;
};

export type BusBacklog = { subscription: string; queued: number; inFlight: number; waitingForRetry: number; consumer: boolean };

type Queued = { message: BusMessage; attempts: number };

class BusSubscription {
  readonly queue: Queued[] = [];
  inFlight = 0;
  waitingForRetry = 0;
  consumer?: BusConsumer;
  pumpScheduled = false;

  constructor(
    readonly name: string,
    readonly topic: string,
    readonly policy: BusSubscriptionPolicy,
    /** A dead-letter retention subscription: its messages are not pending work. */
    readonly retainOnly: boolean,
  ) {}

  /** Work still to do here: retained dead letters count only once someone consumes them. */
  outstanding(): number {
    if (this.retainOnly && !this.consumer) return 0;
    return this.queue.length + this.inFlight + this.waitingForRetry;
  }
}

/**
 * An in-memory Pub/Sub for `kettle run` (all services in one process) and fast
 * tests, with Pub/Sub's semantics: topics fan out to subscriptions, a message
 * is redelivered until acked, after `maxDeliveryAttempts` nacks it moves to the
 * dead-letter topic (kept, inspectable), consumers get at most `maxInFlight`
 * messages at once. Nothing survives the process: this is not durable.
 */
export class InProcessBus {
  private readonly topics = new Map<string, Set<BusSubscription>>();
  private readonly subscriptions = new Map<string, BusSubscription>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;

  constructor(topology?: TopologyPlan) {
    if (topology) this.provision(topology);
  }

  /** Creates what `plan` names, as provisionTopology does on Pub/Sub. */
  provision(plan: TopologyPlan): ProvisionResult {
    assertTopologyPlan(plan);
    const result: ProvisionResult = { created: [], existing: [], warnings: [] };
    const note = (what: string, created: boolean): void => {
      (created ? result.created : result.existing).push(what);
    };
    const retry = plan.retry ?? DEFAULT_RETRY_POLICY;
    const maxDeliveryAttempts = plan.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS;
    const subscribed = new Set(plan.subscriptions.map((b) => b.topic));
    for (const topic of new Set([...(plan.topics ?? []), ...subscribed])) note(`topic ${topic}`, this.createTopic(topic));
    for (const topic of subscribed) {
      const dead = deadLetterTopicOf(topic);
      note(`topic ${dead}`, this.createTopic(dead));
      const retained = deadLetterSubscriptionOf(topic);
      note(`subscription ${retained}`, this.createSubscription(retained, dead, { maxDeliveryAttempts, retry }, true));
    }
    for (const { subscription, topic } of plan.subscriptions) {
      const policy = { deadLetterTopic: deadLetterTopicOf(topic), maxDeliveryAttempts, retry };
      note(`subscription ${subscription}`, this.createSubscription(subscription, topic, policy));
    }
    return result;
  }

  /** True when created, false when it existed. */
  createTopic(name: string): boolean {
    if (this.topics.has(name)) return false;
    this.topics.set(name, new Set());
    return true;
  }

  /** True when created, false when it existed (on the same topic). */
  createSubscription(name: string, topic: string, policy: BusSubscriptionPolicy, retainOnly = false): boolean {
    const existing = this.subscriptions.get(name);
    if (existing) {
      if (existing.topic !== topic) throw new PubSubConfigError(`subscription "${name}" exists but reads ${existing.topic}, not ${topic}`);
      return false;
    }
    const subscribers = this.topics.get(topic);
    if (!subscribers) throw new PubSubConfigError(`topic "${topic}" does not exist (subscription "${name}")`);
    if (policy.deadLetterTopic && !this.topics.has(policy.deadLetterTopic)) {
      throw new PubSubConfigError(`dead-letter topic "${policy.deadLetterTopic}" does not exist (subscription "${name}")`);
    }
    const subscription = new BusSubscription(name, topic, policy, retainOnly);
    this.subscriptions.set(name, subscription);
    subscribers.add(subscription);
    return true;
  }

  hasSubscription(name: string): boolean {
    return this.subscriptions.has(name);
  }

  /** Fans the message out to the topic's subscriptions; a topic without any drops it, as Pub/Sub does. */
  publish(topic: string, data: Buffer, attributes: Readonly<Record<string, string>> = {}): Promise<string> {
    const subscribers = this.topics.get(topic);
    if (!subscribers) return Promise.reject(new Error(`NOT_FOUND: topic "${topic}" does not exist on the in-process bus`));
    const message: BusMessage = { id: String(this.nextId++), data, attributes: { ...attributes }, publishTime: new Date() };
    for (const subscription of subscribers) {
      subscription.queue.push({ message, attempts: 0 });
      this.schedulePump(subscription);
    }
    return Promise.resolve(message.id);
  }

  /** Starts delivering the subscription's messages to `consumer`; returns a detach function. */
  attach(subscription: string, consumer: BusConsumer): () => void {
    const sub = this.subscriptions.get(subscription);
    if (!sub) throw new PubSubConfigError(`subscription "${subscription}" does not exist on the in-process bus`);
    if (sub.consumer) throw new PubSubConfigError(`subscription "${subscription}" already has a consumer`);
    sub.consumer = consumer;
    this.schedulePump(sub);
    return () => {
      if (sub.consumer === consumer) sub.consumer = undefined;
      this.checkIdle();
    };
  }

  /** Messages waiting in a subscription (not in flight), oldest first. */
  retained(subscription: string): BusMessage[] {
    return (this.subscriptions.get(subscription)?.queue ?? []).map((q) => q.message);
  }

  /** What was dead-lettered from subscriptions on `topic` (kept on `<topic>-dead`). */
  deadLetters(topic: string): BusMessage[] {
    return this.retained(deadLetterSubscriptionOf(topic));
  }

  /** Subscriptions that still have work: queued, in flight or waiting to be retried. */
  backlog(): BusBacklog[] {
    return [...this.subscriptions.values()]
      .filter((s) => s.outstanding() > 0)
      .map((s) => ({ subscription: s.name, queued: s.queue.length, inFlight: s.inFlight, waitingForRetry: s.waitingForRetry, consumer: !!s.consumer }));
  }

  isIdle(): boolean {
    for (const s of this.subscriptions.values()) if (s.outstanding() > 0) return false;
    return true;
  }

  /**
   * Resolves once no message is queued, in flight or waiting for a retry
   * (dead letters do not count). Work a handler publishes before it acks is
   * included, so this waits for whole cascades (collector → transformer → loader).
   */
  whenIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.add(waiter);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.idleWaiters.delete(waiter);
          reject(new Error(`in-process bus not idle after ${options.timeoutMs} ms: ${JSON.stringify(this.backlog())}`));
        }, options.timeoutMs);
      }
    });
  }

  /** Same as whenIdle(): wait until every queued message has been handled. */
  drain(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.whenIdle(options);
  }

  /** Cancels pending retries (their messages are dropped); for shutdown. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions.values()) s.waitingForRetry = 0;
    this.checkIdle();
  }

  private schedulePump(sub: BusSubscription): void {
    // Deliver from a fresh task: a handler that publishes never re-enters delivery.
    if (sub.pumpScheduled) return;
    sub.pumpScheduled = true;
    setImmediate(() => {
      sub.pumpScheduled = false;
      this.pump(sub);
    });
  }

  private pump(sub: BusSubscription): void {
    let consumer = sub.consumer;
    while (consumer && sub.inFlight < consumer.maxInFlight) {
      const item = sub.queue.shift();
      if (!item) break;
      item.attempts++;
      sub.inFlight++;
      const delivered: DeliveredMessage = {
        ...item.message,
        deliveryAttempt: sub.policy.deadLetterTopic ? item.attempts : 0,
      };
      consumer
        .deliver(delivered)
        .catch(() => 'nack' as const)
        .then((result) => this.settle(sub, item, result), () => undefined);
      consumer = sub.consumer;
    }
    this.checkIdle();
  }

  private settle(sub: BusSubscription, item: Queued, result: 'ack' | 'nack'): void {
    sub.inFlight--;
    if (result === 'nack') {
      const { deadLetterTopic, maxDeliveryAttempts } = sub.policy;
      if (deadLetterTopic && item.attempts >= maxDeliveryAttempts) {
        this.forwardToDeadLetter(sub, deadLetterTopic, item);
      } else {
        this.retryLater(sub, item);
      }
    }
    this.schedulePump(sub);
    this.checkIdle();
  }

  private forwardToDeadLetter(sub: BusSubscription, deadLetterTopic: string, item: Queued): void {
    const attributes = {
      ...item.message.attributes,
      [DEAD_LETTER_DELIVERY_COUNT_ATTRIBUTE]: String(item.attempts),
      CloudPubSubDeadLetterSourceSubscription: sub.name,
    };
    // The topic was checked when the subscription was created; topics are never deleted.
    void this.publish(deadLetterTopic, item.message.data, attributes);
  }

  private retryLater(sub: BusSubscription, item: Queued): void {
    const retry = sub.policy.retry;
    const delayMs =
      retry === 'immediate'
        ? 0
        : Math.min(retry.maximumBackoffSeconds, retry.minimumBackoffSeconds * 2 ** (item.attempts - 1)) * 1000;
    sub.waitingForRetry++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      sub.waitingForRetry--;
      sub.queue.push(item);
      this.schedulePump(sub);
    }, delayMs);
    this.timers.add(timer);
  }

  private checkIdle(): void {
    if (this.idleWaiters.size === 0 || !this.isIdle()) return;
    const waiters = [...this.idleWaiters];
    this.idleWaiters.clear();
    for (const waiter of waiters) waiter();
  }
}
