import { connectable, defer, ReplaySubject, type Observable } from 'rxjs';

/**
 * Data plus explicit attributes for `client.emit(topic, new PubSubRecord(data, attrs))`,
 * in the spirit of NestJS's RmqRecord.
 */
export class PubSubRecord<T = unknown> {
  constructor(
    readonly data: T,
    readonly attributes: Readonly<Record<string, string>> = {},
  ) {}
}

export type EncodedMessage = { data: Buffer; attributes: Record<string, string> };

/**
 * JSON, UTF-8, with the build's GCS path copied to the attribute `path`
 * (DESIGN §3) so subscribers and filters can route without parsing.
 */
export function encodeEvent(payload: unknown): EncodedMessage {
  const record: PubSubRecord<unknown> = payload instanceof PubSubRecord ? (payload as PubSubRecord<unknown>) : new PubSubRecord(payload);
  const { data, attributes } = record;
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError('event data is not JSON-serializable');
  const path = (data as { path?: unknown } | null)?.path;
  const derived: Record<string, string> = typeof path === 'string' ? { path } : {};
  return { data: Buffer.from(json, 'utf8'), attributes: { ...derived, ...attributes } };
}

/**
 * Starts `dispatch` now (an emitted event goes out even if nobody subscribes)
 * and replays its result to late subscribers, so `await lastValueFrom(emit())`
 * never misses the completion. NestJS's own `emit` uses a plain Subject.
 */
export function emitNow<T>(dispatch: () => Promise<T>): Observable<T> {
  const source = connectable(defer(dispatch), { connector: () => new ReplaySubject<T>(), resetOnDisconnect: false });
  source.connect();
  return source;
}
