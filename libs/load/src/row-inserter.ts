import type { BigQuery } from '@google-cloud/bigquery';
import { backoffMs, sleep, withDeadline, type BackoffOptions } from '@kettle/service';
import { classifyFailure, failureReason } from './bigquery-errors.util';
import type { LoaderMetrics } from './loader-metrics';
import { tableLabel, type TableTarget } from './table-target';

/** A row ready to send: our insertId (the build path) and its JSON object. */
export type PreparedRow = { insertId: string; json: Record<string, unknown>; bytes: number };
export type RejectedRow = { insertId: string; reason: string; message: string };
export type InsertResult = { inserted: string[]; rejected: RejectedRow[] };

export type InserterOptions = {
  /** Deadline per request; the client's own timeout is not honoured. */
  deadlineMs: number;
  retry: BackoffOptions;
  /** BigQuery rejects requests over 10 MB; stay well under. */
  maxRequestBytes: number;
  maxRequestRows: number;
};

export const DEFAULT_INSERTER_OPTIONS: InserterOptions = {
  deadlineMs: 30_000,
  retry: { attempts: 8, baseMs: 500, maxMs: 30_000 },
  maxRequestBytes: 5 * 1024 * 1024,
  maxRequestRows: 500,
};

type PartialFailure = { name: 'PartialFailureError'; errors: { row: { insertId?: string }; errors: { reason?: string; message?: string }[] }[] };
const isPartialFailure = (e: unknown): e is PartialFailure =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'PartialFailureError';

/**
 * Streaming inserts (`tabledata.insertAll`) that never lose or duplicate a row
 * silently: rows go raw with our insertId and the client's partial retries off
 * (it would re-send with new random ids); valid rows of a request are kept
 * (`skipInvalidRows`) and each rejected row comes back with BigQuery's reason;
 * a request that is too large is split; 429/5xx/timeouts are retried with
 * backoff and then thrown, so the caller's message is redelivered.
 */
export class RowInserter {
  constructor(
    private readonly bq: BigQuery,
    private readonly metrics: LoaderMetrics,
    private readonly opts: InserterOptions = DEFAULT_INSERTER_OPTIONS,
  ) {}

  async insert(target: TableTarget, rows: readonly PreparedRow[]): Promise<InsertResult> {
    const result: InsertResult = { inserted: [], rejected: [] };
    for (const chunk of this.chunks(rows)) await this.insertChunk(target, chunk, result);
    return result;
  }

  private *chunks(rows: readonly PreparedRow[]): Generator<PreparedRow[]> {
    let chunk: PreparedRow[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (chunk.length > 0 && (chunk.length >= this.opts.maxRequestRows || bytes + r.bytes > this.opts.maxRequestBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(r);
      bytes += r.bytes;
    }
    if (chunk.length > 0) yield chunk;
  }

  private async insertChunk(target: TableTarget, rows: PreparedRow[], result: InsertResult): Promise<void> {
    const label = tableLabel(target);
    const table = this.bq.dataset(target.dataset, { projectId: target.project }).table(target.table);
    const bytes = rows.reduce((n, r) => n + r.bytes, 0);
    for (let attempt = 0; ; attempt++) {
      const stop = this.metrics.insertSeconds.startTimer({ table: label });
      try {
        await withDeadline(`insert ${rows.length} rows into ${label}`, this.opts.deadlineMs, () =>
          table.insert(
            rows.map((r) => ({ insertId: r.insertId, json: r.json })),
            { raw: true, partialRetries: 0, skipInvalidRows: true, ignoreUnknownValues: false },
          ),
        );
        stop();
        this.accept(target, rows, result, bytes);
        return;
      } catch (err) {
        stop();
        if (isPartialFailure(err)) {
          const rejected = new Map<string, RejectedRow>();
          const stopped: PreparedRow[] = [];
          const byId = new Map(rows.map((r) => [r.insertId, r]));
          for (const f of err.errors) {
            const id = f.row.insertId ?? '';
            const reason = f.errors[0]?.reason ?? 'invalid';
            // 'stopped' rows were valid but not inserted because of another row.
            if (reason === 'stopped' && byId.has(id)) stopped.push(byId.get(id)!);
            else rejected.set(id, { insertId: id, reason, message: f.errors.map((e) => e.message ?? '').join('; ') });
          }
          for (const r of rejected.values()) {
            this.metrics.insertErrors.inc({ table: label, reason: r.reason });
            result.rejected.push(r);
          }
          const ok = rows.filter((r) => !rejected.has(r.insertId) && !stopped.includes(r));
          this.accept(target, ok, result, bytes);
          if (stopped.length > 0) await this.insertChunk(target, stopped, result);
          return;
        }
        const kind = classifyFailure(err);
        if (kind === 'too-large') {
          this.metrics.insertErrors.inc({ table: label, reason: 'tooLarge' });
          if (rows.length === 1) {
            result.rejected.push({ insertId: rows[0].insertId, reason: 'tooLarge', message: `row of ${rows[0].bytes} bytes is over BigQuery's request limit` });
            return;
          }
          const half = Math.ceil(rows.length / 2);
          await this.insertChunk(target, rows.slice(0, half), result);
          await this.insertChunk(target, rows.slice(half), result);
          return;
        }
        this.metrics.insertErrors.inc({ table: label, reason: failureReason(err) });
        if (kind === 'fatal' || attempt + 1 >= this.opts.retry.attempts) throw err;
        this.metrics.retries.inc({ table: label });
        await sleep(backoffMs(attempt, this.opts.retry));
      }
    }
  }

  private accept(target: TableTarget, rows: PreparedRow[], result: InsertResult, requestBytes: number): void {
    const label = tableLabel(target);
    this.metrics.batchRows.observe(rows.length);
    this.metrics.batchBytes.observe(requestBytes);
    this.metrics.rowsInserted.inc({ table: label }, rows.length);
    if (rows.length > 0) this.metrics.lastInsert.set({ table: label }, Date.now() / 1000);
    for (const r of rows) {
      result.inserted.push(r.insertId);
      const finished = r.json.finished;
      if (typeof finished === 'number') this.metrics.sawFinished(label, finished);
    }
  }
}
