import { Duration, PubSub, type Message, type Subscription, type Topic } from '@google-cloud/pubsub';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_STREAMS } from './pubsub.constants';
import type { DeliveredMessage } from './pubsub.context';
import { MessageServer, describeError, isAcked } from './message-server.base';
import { PubSubConfigError, assertPositiveInteger, deadLetterTopicOf } from './pubsub-names.util';
import { provisionTopology } from './pubsub-provision.util';
import type { PubSubServerOptions, SubscriptionBinding } from './pubsub.types';

/**
 * A NestJS transport over Google Pub/Sub streaming pull:
 *
 *   NestFactory.createMicroservice(AppModule, { strategy: new PubSubServer({
 *     projectId, subscriptions: [{ subscription: 'kettle-transformer', topic: 'kettle-builds' }],
 *     validators: { 'kettle-builds': parseBuildMessage }, registry }) });
 *
 * Messages of a subscription are dispatched to `@EventPattern(<its topic>)`
 * and acked only once the handler's promise/Observable has completed; see
 * README.md for the delivery guarantees and the poison policy.
 */
export class PubSubServer extends MessageServer {
  private pubsub?: PubSub;
  private readonly subscriptions: Subscription[] = [];
  private readonly deadLetterTopics = new Map<string, Topic>();
  private closed?: Promise<void>;

  constructor(private readonly options: PubSubServerOptions) {
    super(options);
    if (!options.projectId) throw new PubSubConfigError('projectId: a GCP project id is required');
    assertPositiveInteger(options.maxStreams, 'maxStreams');
  }

  /** The @google-cloud/pubsub client, once listening. */
  unwrap<T>(): T {
    if (!this.pubsub) throw new Error('PubSubServer is not listening; call listen() (app.listen()) first');
    return this.pubsub as T;
  }

  protected async start(): Promise<void> {
    this.assertHandlers();
    this.pubsub = new PubSub({ projectId: this.options.projectId, apiEndpoint: this.options.apiEndpoint });
    try {
      await this.subscribe(this.pubsub);
    } catch (err) {
      await this.shutDown().catch(() => undefined);
      throw err;
    }
  }

  private async subscribe(pubsub: PubSub): Promise<void> {
    if (this.options.provision) {
      const result = await provisionTopology(pubsub, {
        ...this.options.provision,
        subscriptions: this.bindings,
        maxDeliveryAttempts: this.maxDeliveryAttempts,
      });
      if (result.created.length > 0) this.logger.log(`created ${result.created.join(', ')}`);
      for (const warning of result.warnings) this.logger.warn(warning);
    }
    for (const binding of this.bindings) {
      const subscription = pubsub.subscription(binding.subscription, {
        flowControl: {
          maxMessages: this.maxMessages,
          maxBytes: this.options.flowControl?.maxBytes ?? DEFAULT_MAX_BYTES,
          allowExcessMessages: false,
        },
        streamingOptions: { maxStreams: this.options.maxStreams ?? DEFAULT_MAX_STREAMS },
        // close(): stop pulling, let handlers finish until the timeout, nack the
        // rest, flush acks (the client reserves the last second for the nacks).
        closeOptions: { behavior: 'WAIT', timeout: Duration.from({ milliseconds: this.closeTimeoutMs }) },
      });
      const [exists] = await subscription.exists();
      if (!exists) {
        throw new PubSubConfigError(
          `subscription "${binding.subscription}" does not exist in project ${this.options.projectId}; create it (option provision) first`,
        );
      }
      subscription.on('error', (err: unknown) => {
        this._status$.next('disconnected');
        this.emitError(new Error(`subscription ${binding.subscription}: ${describeError(err)}`));
      });
      subscription.on('message', (message: Message) => this.onMessage(binding, message));
      this.subscriptions.push(subscription);
    }
  }

  /** Stops pulling, waits up to closeTimeoutMs for handlers, nacks the rest, closes. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    const pubsub = this.pubsub;
    if (!pubsub) return;
    this.closing = true;
    this._status$.next('closing');
    await Promise.all(this.subscriptions.map((s) => s.close()));
    // The client nacked whatever was still running; their late acks are no-ops.
    this.abandoned = this.inFlightCount() > 0;
    if (this.abandoned) this.logger.warn(`closed with ${this.inFlightCount()} handler(s) still running; their messages were nacked`);
    await Promise.all([...this.deadLetterTopics.values()].map((t) => t.flush()));
    await pubsub.close();
    this.subscriptions.length = 0;
    this.pubsub = undefined;
    this._status$.next('closed');
  }

  protected async deadLetter(binding: SubscriptionBinding, message: DeliveredMessage, reason: string): Promise<void> {
    const name = deadLetterTopicOf(binding.topic);
    let topic = this.deadLetterTopics.get(name);
    if (!topic) {
      topic = this.unwrap<PubSub>().topic(name);
      this.deadLetterTopics.set(name, topic);
    }
    // Awaited: the original is acked only once Pub/Sub holds the dead letter.
    await topic.publishMessage({ data: message.data, attributes: this.deadLetterAttributes(binding, message, reason) });
  }

  private onMessage(binding: SubscriptionBinding, message: Message): void {
    if (this.closing) {
      // Delivered from the client's buffer after close() began: hand it back.
      message.nack();
      this.count(binding, 'nacked');
      return;
    }
    this.track(
      this.handle(binding, message).then((outcome) => {
        if (isAcked(outcome)) message.ack();
        else message.nack();
      }),
    );
  }
}
