import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { assertPubSubName } from './pubsub-names.util';
import { emitNow, encodeEvent, type EncodedMessage } from './pubsub-record.util';
import type { TransportStatus } from './pubsub.types';

export const SEND_UNSUPPORTED =
  'the Pub/Sub transport does not support request/response (send); use emit() and a topic for the reply';

/**
 * What PubSubClient and InProcessClient share: `emit(topic, data)` publishes
 * JSON with attributes and completes with the message id once the message is
 * accepted; `send` is refused.
 */
export abstract class EventClient extends ClientProxy<Record<never, never>, TransportStatus> {
  /** `pattern` is the topic name; `data` is JSON-encoded (wrap it in PubSubRecord to add attributes). */
  override emit<TResult = string, TInput = unknown>(pattern: string, data: TInput): Observable<TResult> {
    return emitNow(() => this.dispatchEvent<TResult>({ pattern, data }));
  }

  /** emit() as a promise of the message id (without the Observable, for hot paths). */
  publishEvent(topic: string, data: unknown): Promise<string> {
    return this.dispatchEvent<string>({ pattern: topic, data });
  }

  override send<TResult = never, TInput = unknown>(_pattern: unknown, _data: TInput): Observable<TResult> {
    return throwError(() => new Error(SEND_UNSUPPORTED));
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error(SEND_UNSUPPORTED), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T = string>(packet: ReadPacket): Promise<T> {
    const topic = this.normalizePattern(packet.pattern as string);
    assertPubSubName('topic', topic, 'emit() pattern');
    const messageId = await this.publishEncoded(topic, encodeEvent(packet.data));
    return messageId as T;
  }

  /** Resolves with the message id once the broker has accepted the message. */
  protected abstract publishEncoded(topic: string, message: EncodedMessage): Promise<string>;
}
