import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import {
  DEAD_LETTER_MESSAGE_ID_ATTRIBUTE,
  DEAD_LETTER_REASON_ATTRIBUTE,
  DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  DEFAULT_MAX_MESSAGES,
} from './pubsub.constants';
import { PubSubContext, type DeliveredMessage } from './pubsub.context';
import { PubSubMetrics } from './pubsub-metrics.util';
import { PubSubConfigError, assertBindings, assertPositiveInteger, patternOf } from './pubsub-names.util';
import type {
  ContractValidator,
  DeliveryOutcome,
  MessageServerOptions,
  Parsed,
  SubscriptionBinding,
  TransportStatus,
} from './pubsub.types';

export type MessageServerEvents = { error: (err: unknown) => void };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Pub/Sub caps attribute values at 1024 bytes. */
const MAX_ATTRIBUTE_BYTES = 1024;

/** Ack for these outcomes, nack for the others. */
export function isAcked(outcome: DeliveryOutcome): boolean {
  return outcome === 'acked' || outcome === 'invalid';
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) {
    try {
      return JSON.stringify(err);
    } catch {
      return '[an error that cannot be shown]';
    }
  }
  return String(err);
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= maxBytes ? text : `${bytes.subarray(0, maxBytes - 3).toString('utf8').replace(/\uFFFD$/, '')}...`;
}

/**
 * The delivery semantics shared by PubSubServer and InProcessServer: decode
 * JSON, check the topic's contract, call the `@EventPattern` handler, and
 * decide ack or nack from how the handler's promise or Observable ends.
 * Subclasses move messages and settle them.
 */
export abstract class MessageServer extends Server<MessageServerEvents, TransportStatus> implements CustomTransportStrategy {
  protected override readonly logger = new Logger(this.constructor.name);
  protected readonly bindings: readonly SubscriptionBinding[];
  protected readonly metrics: PubSubMetrics;
  protected readonly closeTimeoutMs: number;
  protected readonly maxDeliveryAttempts: number;
  protected readonly maxMessages: number;
  private readonly validators: Readonly<Record<string, ContractValidator>>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errorListeners: Array<(err: unknown) => void> = [];
  /** Set while closing: new deliveries are nacked without being handled. */
  protected closing = false;
  /** Set once close() stopped waiting: in-flight messages were nacked, late outcomes count as nacks. */
  protected abandoned = false;

  constructor(options: MessageServerOptions) {
    super();
    assertBindings(options.subscriptions);
    assertPositiveInteger(options.closeTimeoutMs, 'closeTimeoutMs');
    assertPositiveInteger(options.maxDeliveryAttempts, 'maxDeliveryAttempts');
    assertPositiveInteger(options.flowControl?.maxMessages, 'flowControl.maxMessages');
    assertPositiveInteger(options.flowControl?.maxBytes, 'flowControl.maxBytes');
    this.bindings = options.subscriptions.map((b) => ({ ...b }));
    this.validators = { ...options.validators };
    this.metrics = new PubSubMetrics(options.registry);
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.maxDeliveryAttempts = options.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS;
    this.maxMessages = options.flowControl?.maxMessages ?? DEFAULT_MAX_MESSAGES;
  }

  /** Called by NestJS (`app.listen()`); an error here fails the boot. */
  override listen(callback: (err?: unknown) => void): void {
    // From a promise chain, so a synchronous throw in start() fails the boot too.
    void Promise.resolve()
      .then(() => this.start())
      .then(
        () => {
          this._status$.next('connected');
          callback();
        },
        (err: unknown) => callback(err),
      );
  }

  abstract override close(): Promise<void>;

  protected abstract start(): Promise<void>;

  /** Publishes an invalid message to its topic's dead-letter topic. */
  protected abstract deadLetter(binding: SubscriptionBinding, message: DeliveredMessage, reason: string): Promise<unknown>;

  override on<EventKey extends keyof MessageServerEvents = keyof MessageServerEvents, EventCallback extends MessageServerEvents[EventKey] = MessageServerEvents[EventKey]>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    if (event === 'error') this.errorListeners.push(callback);
  }

  /** The transport's counters (the registry passed in the options, or a private one). */
  getMetrics(): PubSubMetrics {
    return this.metrics;
  }

  protected emitError(err: unknown): void {
    this.logger.error(describeError(err));
    for (const listener of this.errorListeners) listener(err);
  }

  /** Boot fails when a subscription's topic has no handler, rather than nacking every message. */
  protected assertHandlers(): void {
    const missing = this.bindings.filter((b) => !this.getHandlerByPattern(patternOf(b)));
    if (missing.length > 0) {
      throw new PubSubConfigError(
        missing.map((b) => `no @EventPattern('${patternOf(b)}') handler for subscription "${b.subscription}"`).join('; '),
      );
    }
  }

  /**
   * Runs one delivery and returns its outcome; never rejects. Ack when
   * `isAcked(outcome)`, else nack.
   */
  protected async handle(binding: SubscriptionBinding, message: DeliveredMessage): Promise<DeliveryOutcome> {
    const started = performance.now();
    const decoded = this.decode(patternOf(binding), message.data);
    let outcome = decoded.ok ? await this.invoke(binding, message, decoded.value) : await this.rejectInvalid(binding, message, decoded.reason);
    if (this.abandoned) outcome = 'nacked';
    this.metrics.record(binding.subscription, outcome, (performance.now() - started) / 1000);
    return outcome;
  }

  /** Counts an outcome decided without running the handler (e.g. nacked while closing). */
  protected count(binding: SubscriptionBinding, outcome: DeliveryOutcome): void {
    this.metrics.record(binding.subscription, outcome);
  }

  protected track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Waits up to `timeoutMs` for tracked work; true when all of it finished. */
  protected async waitForInFlight(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = (async () => {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      return true;
    })();
    try {
      return await Promise.race([done, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  protected inFlightCount(): number {
    return this.inFlight.size;
  }

  protected deadLetterAttributes(binding: SubscriptionBinding, message: DeliveredMessage, reason: string): Record<string, string> {
    return {
      ...message.attributes,
      [DEAD_LETTER_REASON_ATTRIBUTE]: truncateUtf8(reason, MAX_ATTRIBUTE_BYTES),
      [DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE]: binding.subscription,
      [DEAD_LETTER_MESSAGE_ID_ATTRIBUTE]: message.id,
    };
  }

  private decode(pattern: string, data: Buffer): Parsed<unknown> {
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(data));
    } catch (err) {
      return { ok: false, reason: `data is not UTF-8 JSON: ${describeError(err)}` };
    }
    const validate = this.validators[pattern];
    if (!validate) return { ok: true, value };
    try {
      return validate(value);
    } catch (err) {
      return { ok: false, reason: `contract check threw: ${describeError(err)}` };
    }
  }

  private async invoke(binding: SubscriptionBinding, message: DeliveredMessage, data: unknown): Promise<DeliveryOutcome> {
    const pattern = patternOf(binding);
    const context = new PubSubContext([message, pattern, binding.subscription]);
    try {
      const handler = this.getHandlerByPattern(pattern);
      if (!handler) throw new Error(`no handler for pattern ${pattern}`);
      // NestJS turns a thrown error into an Observable that errors: await it
      // whole, so an error nacks instead of vanishing.
      const result: unknown = await handler(data, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      return 'acked';
    } catch (err) {
      const last = message.deliveryAttempt >= this.maxDeliveryAttempts;
      const text = `${binding.subscription}: handler failed for message ${message.id} (attempt ${message.deliveryAttempt || '?'}): ${describeError(err)}`;
      if (last) this.logger.error(`${text}; attempts exhausted, dead-lettering`);
      else this.logger.warn(`${text}; nacked for redelivery`);
      return last ? 'dead_lettered' : 'nacked';
    }
  }

  private async rejectInvalid(binding: SubscriptionBinding, message: DeliveredMessage, reason: string): Promise<DeliveryOutcome> {
    try {
      await this.deadLetter(binding, message, reason);
      this.logger.warn(`${binding.subscription}: message ${message.id} is invalid (${reason}); dead-lettered`);
      return 'invalid';
    } catch (err) {
      this.logger.error(`${binding.subscription}: could not dead-letter invalid message ${message.id}: ${describeError(err)}; nacked`);
      return 'nacked';
    }
  }
}
