import type { RowMessage } from '@kettle/model';
import type { Logger } from '@kettle/service';
import type { RowSink } from './row-sink';

export type DeadLetterPublisher = (msg: RowMessage, reason: string) => Promise<void>;
export type RowHandlerOutcome = 'inserted' | 'already-loaded' | 'dead-lettered';

/**
 * The loader's work for one `kettle-rows` message: the row goes through every
 * sink (BigQuery, and/or NDJSON files) and the promise resolves only when it
 * is durable in all of them, so the message is acked after. A row BigQuery
 * rejects is published to the dead-letter topic with the reason (never
 * recorded emitted) and then acked: retrying it would fail the same way. A
 * transient failure rejects, so Pub/Sub redelivers.
 */
export class RowHandler {
  constructor(
    private readonly sinks: readonly RowSink[],
    private readonly deadLetter: DeadLetterPublisher,
    private readonly log: Logger,
  ) {}

  async handle(msg: RowMessage): Promise<RowHandlerOutcome> {
    const outcomes = await Promise.all(this.sinks.map((s) => s.handle(msg)));
    const retry = outcomes.find((o) => o.status === 'retry');
    if (retry?.status === 'retry') throw new Error(retry.message);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    if (rejected?.status === 'rejected') {
      const reason = `${rejected.table}: ${rejected.reason}: ${rejected.message}`;
      this.log.error(`${msg.path}: row rejected by BigQuery, dead-lettered: ${reason}`, { path: msg.path, reason: rejected.reason });
      await this.deadLetter(msg, reason);
      return 'dead-lettered';
    }
    return outcomes.some((o) => o.status === 'inserted') ? 'inserted' : 'already-loaded';
  }
}
