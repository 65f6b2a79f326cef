import { PubSub, type Topic } from '@google-cloud/pubsub';
import { EventClient } from './event-client.base';
import { PubSubConfigError } from './pubsub-names.util';
import type { EncodedMessage } from './pubsub-record.util';
import type { PubSubClientOptions } from './pubsub.types';

/**
 * Publishes events to Pub/Sub topics: `emit(topic, data)` batches through the
 * client's publisher; the Observable emits the message id and completes once
 * Pub/Sub has accepted the message, so a caller may ack its own input after.
 */
export class PubSubClient extends EventClient {
  private pubsub?: PubSub;
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly options: PubSubClientOptions) {
    super();
    if (!options.projectId) throw new PubSubConfigError('projectId: a GCP project id is required');
  }

  connect(): Promise<PubSub> {
    if (!this.pubsub) {
      this.pubsub = new PubSub({ projectId: this.options.projectId, apiEndpoint: this.options.apiEndpoint });
      this._status$.next('connected');
    }
    return Promise.resolve(this.pubsub);
  }

  /** Sends what is still batched, then closes the connection. */
  async close(): Promise<void> {
    const pubsub = this.pubsub;
    if (!pubsub) return;
    this.pubsub = undefined;
    const topics = [...this.topics.values()];
    this.topics.clear();
    await Promise.all(topics.map((t) => t.flush()));
    await pubsub.close();
    this._status$.next('closed');
  }

  unwrap<T>(): T {
    if (!this.pubsub) throw new Error('PubSubClient is not connected; call connect() or emit() first');
    return this.pubsub as T;
  }

  protected async publishEncoded(name: string, message: EncodedMessage): Promise<string> {
    const pubsub = await this.connect();
    let topic = this.topics.get(name);
    if (!topic) {
      topic = pubsub.topic(name, { batching: this.options.batching });
      this.topics.set(name, topic);
    }
    return topic.publishMessage(message);
  }
}
