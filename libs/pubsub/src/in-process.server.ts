import type { DeliveredMessage } from './pubsub.context';
import { MessageServer, isAcked } from './message-server.base';
import { PubSubConfigError, deadLetterTopicOf } from './pubsub-names.util';
import type { MessageServerOptions, RetryPolicy, SubscriptionBinding } from './pubsub.types';
import type { InProcessBus } from './in-process.bus';

export type InProcessServerOptions = MessageServerOptions & {
  bus: InProcessBus;
  /**
   * Create the bindings' subscriptions (and dead-letter topics) on the bus
   * when missing, with this retry policy. Default: exponential 10 s … 600 s.
   * `false`: a missing subscription fails the boot.
   */
  provision?: false | { retry?: RetryPolicy };
};

type Settlement = 'ack' | 'nack';

/**
 * The in-process twin of PubSubServer: same options, same `@EventPattern`
 * dispatch, same ack/nack and poison rules, with messages from an InProcessBus.
 */
export class InProcessServer extends MessageServer {
  private readonly bus: InProcessBus;
  private readonly detachers: Array<() => void> = [];
  private giveUp: () => void = () => undefined;
  /** Resolves 'nack' when close() stops waiting, so the bus redelivers what is still running. */
  private readonly givenUp = new Promise<Settlement>((resolve) => {
    this.giveUp = () => resolve('nack');
  });
  private listening = false;
  private closed?: Promise<void>;

  constructor(private readonly options: InProcessServerOptions) {
    super(options);
    this.bus = options.bus;
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected start(): Promise<void> {
    this.assertHandlers();
    const provision = this.options.provision ?? {};
    for (const binding of this.bindings) {
      if (!this.bus.hasSubscription(binding.subscription)) {
        if (provision === false) {
          throw new PubSubConfigError(`subscription "${binding.subscription}" does not exist on the in-process bus; create it (option provision) first`);
        }
        this.bus.provision({ subscriptions: [binding], maxDeliveryAttempts: this.maxDeliveryAttempts, retry: provision.retry });
      }
    }
    try {
      for (const binding of this.bindings) {
        this.detachers.push(
          this.bus.attach(binding.subscription, {
            maxInFlight: this.maxMessages,
            deliver: (message) => this.deliver(binding, message),
          }),
        );
      }
    } catch (err) {
      for (const detach of this.detachers.splice(0)) detach();
      throw err;
    }
    this.listening = true;
    return Promise.resolve();
  }

  /** Stops taking messages, waits up to closeTimeoutMs for handlers, nacks the rest. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    if (!this.listening) return;
    this.closing = true;
    this._status$.next('closing');
    for (const detach of this.detachers.splice(0)) detach();
    if (!(await this.waitForInFlight(this.closeTimeoutMs))) {
      this.logger.warn(`closed with ${this.inFlightCount()} handler(s) still running; their messages were nacked`);
      this.abandoned = true;
      this.giveUp();
    }
    this.listening = false;
    this._status$.next('closed');
  }

  protected deadLetter(binding: SubscriptionBinding, message: DeliveredMessage, reason: string): Promise<unknown> {
    return this.bus.publish(deadLetterTopicOf(binding.topic), message.data, this.deadLetterAttributes(binding, message, reason));
  }

  private deliver(binding: SubscriptionBinding, message: DeliveredMessage): Promise<Settlement> {
    if (this.closing) {
      this.count(binding, 'nacked');
      return Promise.resolve('nack');
    }
    const work = this.handle(binding, message).then((outcome): Settlement => (isAcked(outcome) ? 'ack' : 'nack'));
    this.track(work.then(() => undefined));
    return Promise.race([work, this.givenUp]);
  }
}
