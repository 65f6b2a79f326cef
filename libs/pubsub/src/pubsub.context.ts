import { BaseRpcContext } from '@nestjs/microservices';

/**
 * One delivery of a message. The Pub/Sub client's `Message` has this shape
 * (and is what PubSubServer passes); the in-process bus builds plain objects.
 */
export type DeliveredMessage = {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  /** 1 on first delivery; 0 when the subscription has no dead-letter policy (as in Pub/Sub). */
  readonly deliveryAttempt: number;
  readonly publishTime: Date;
};

type PubSubContextArgs = [message: DeliveredMessage, pattern: string, subscription: string];

/**
 * The context of an `@EventPattern` handler (`@Ctx() ctx: PubSubContext`).
 * The handler does not ack: the transport acks when the handler's promise or
 * Observable completes and nacks when it fails.
 */
export class PubSubContext extends BaseRpcContext<PubSubContextArgs> {
  /** The raw message (for PubSubServer, the @google-cloud/pubsub `Message`). */
  getMessage(): DeliveredMessage {
    return this.args[0];
  }

  /** The pattern the message was dispatched to (by default its topic's id). */
  getPattern(): string {
    return this.args[1];
  }

  getSubscription(): string {
    return this.args[2];
  }

  getAttributes(): Readonly<Record<string, string>> {
    return this.args[0].attributes;
  }

  getDeliveryAttempt(): number {
    return this.args[0].deliveryAttempt;
  }

  getMessageId(): string {
    return this.args[0].id;
  }
}
