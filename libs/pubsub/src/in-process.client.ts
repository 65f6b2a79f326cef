import { EventClient } from './event-client.base';
import type { InProcessBus } from './in-process.bus';
import type { EncodedMessage } from './pubsub-record.util';

/** The in-process twin of PubSubClient: `emit(topic, data)` publishes to an InProcessBus. */
export class InProcessClient extends EventClient {
  constructor(private readonly bus: InProcessBus) {
    super();
  }

  connect(): Promise<InProcessBus> {
    this._status$.next('connected');
    return Promise.resolve(this.bus);
  }

  close(): Promise<void> {
    this._status$.next('closed');
    return Promise.resolve();
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publishEncoded(topic: string, message: EncodedMessage): Promise<string> {
    return this.bus.publish(topic, message.data, message.attributes);
  }
}
