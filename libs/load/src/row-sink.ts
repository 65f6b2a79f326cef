import { emittedTableForBigQuery, type KettleStore, type RowMessage } from '@kettle/model';
import { Batcher, type BatcherOptions } from './batcher';
import type { InsertResult, PreparedRow, RejectedRow } from './row-inserter';
import { tableLabel, type TableTarget } from './table-target';

/** What happened to one row message; `rejected` goes to the dead-letter topic. */
export type RowOutcome =
  | { status: 'inserted'; tables: string[] }
  | { status: 'already-loaded' }
  | { status: 'rejected'; reason: string; message: string; table: string }
  /** Transient: the message is nacked and redelivered. */
  | { status: 'retry'; message: string };

export const DEFAULT_BATCH: BatcherOptions = { maxItems: 500, maxBytes: 4 * 1024 * 1024, maxDelayMs: 1000 };

type Item = { msg: RowMessage; prepared: PreparedRow };

/** Where rows go: BigQuery streaming inserts (RowInserter) or local NDJSON files. */
export type TableWriter = { insert(target: TableTarget, rows: readonly PreparedRow[]): Promise<InsertResult> };

/**
 * The loader's streaming path: batches rows by count, bytes and time, inserts
 * each into every table that does not have it yet, and records it emitted per
 * table in SQLite only after BigQuery confirmed it. A redelivered row already
 * recorded for every table is answered without an insert; a row BigQuery
 * rejects is never recorded. While a table is rebuilt (rotation), inserts into
 * it wait and then go on, so nothing falls in the gap.
 */
export class RowSink {
  private readonly batcher: Batcher<Item, RowOutcome>;
  private readonly paused = new Map<string, Promise<void>>();
  /** Paths whose insert is under way in some batch: a second copy waits for it, then finds it emitted. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: KettleStore,
    private readonly inserter: TableWriter,
    readonly targets: readonly TableTarget[],
    batch: BatcherOptions = DEFAULT_BATCH,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    for (const t of targets) store.ensureEmittedTable(emittedTableOf(t));
    this.batcher = new Batcher(batch, (items) => this.flush(items));
  }

  handle(msg: RowMessage): Promise<RowOutcome> {
    const text = JSON.stringify(msg.row);
    return this.batcher.add({ msg, prepared: { insertId: msg.path, json: msg.row, bytes: Buffer.byteLength(text) } }, text.length);
  }

  /** Holds inserts into one table until `work` finishes (table rebuild). */
  async pauseWhile<T>(target: TableTarget, work: () => Promise<T>): Promise<T> {
    const key = tableLabel(target);
    while (this.paused.has(key)) await this.paused.get(key);
    let release!: () => void;
    this.paused.set(key, new Promise<void>((r) => (release = r)));
    try {
      return await work();
    } finally {
      this.paused.delete(key);
      release();
    }
  }

  get pending(): number {
    return this.batcher.size;
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  /**
   * Each path is inserted once however often it arrives: copies within a
   * batch share the first one's outcome, and a copy whose path another batch
   * is inserting waits for that batch (then finds it recorded emitted).
   * BigQuery's insertId de-duplication is best effort; we do not rely on it.
   */
  private async flush(items: Item[]): Promise<RowOutcome[]> {
    const first = new Map<string, number>();
    items.forEach((it, i) => {
      if (!first.has(it.msg.path)) first.set(it.msg.path, i);
    });
    const unique = [...first.values()].map((i) => items[i]);
    const earlier = unique.map((it) => this.inFlight.get(it.msg.path)).filter((p): p is Promise<unknown> => p !== undefined);
    const run = Promise.allSettled(earlier).then(() => this.flushUnique(unique));
    for (const it of unique) this.inFlight.set(it.msg.path, run);
    try {
      const outcomes = await run;
      const byPath = new Map(unique.map((it, i) => [it.msg.path, outcomes[i]]));
      return items.map((it, i): RowOutcome => {
        const o = byPath.get(it.msg.path)!;
        // A later copy in the same batch was not inserted by itself.
        return first.get(it.msg.path) === i || o.status !== 'inserted' ? o : { status: 'already-loaded' };
      });
    } finally {
      for (const it of unique) if (this.inFlight.get(it.msg.path) === run) this.inFlight.delete(it.msg.path);
    }
  }

  private async flushUnique(items: Item[]): Promise<RowOutcome[]> {
    // The collector commits a build before the transformer publishes its row,
    // so a build missing here is a store out of sync: retry that row alone.
    const ids = items.map((it) => this.store.buildByPath(it.msg.path)?.id ?? -1);
    const rejected = new Map<number, RejectedRow & { table: string }>();
    const insertedInto = items.map(() => [] as string[]);
    for (const target of this.targets) {
      const label = tableLabel(target);
      while (this.paused.has(label)) await this.paused.get(label);
      const table = emittedTableOf(target);
      const have = this.store.emittedIds(table, ids);
      const minFinished = target.days > 0 ? this.now() - target.days * 86400 : -Infinity;
      const todo = items
        .map((it, i) => ({ it, i }))
        .filter(({ it, i }) => ids[i] >= 0 && !have.has(ids[i]) && !rejected.has(i) && (it.msg.row.finished ?? -Infinity) >= minFinished);
      if (todo.length === 0) continue;
      const result = await this.inserter.insert(target, todo.map(({ it }) => it.prepared));
      const ok = new Set(result.inserted);
      const bad = new Map(result.rejected.map((r) => [r.insertId, r]));
      const done: number[] = [];
      for (const { it, i } of todo) {
        if (ok.has(it.msg.path)) {
          done.push(ids[i]);
          insertedInto[i].push(label);
        } else {
          const r = bad.get(it.msg.path);
          rejected.set(i, { insertId: it.msg.path, reason: r?.reason ?? 'unknown', message: r?.message ?? 'not confirmed by BigQuery', table: label });
        }
      }
      this.store.recordEmitted(table, done);
    }
    return items.map((it, i): RowOutcome => {
      if (ids[i] < 0) return { status: 'retry', message: `${it.msg.path}: build not in the store ${this.store.db.name}` };
      const r = rejected.get(i);
      if (r) return { status: 'rejected', reason: r.reason, message: r.message, table: r.table };
      return insertedInto[i].length > 0 ? { status: 'inserted', tables: insertedInto[i] } : { status: 'already-loaded' };
    });
  }
}

export const emittedTableOf = (t: TableTarget): string => emittedTableForBigQuery(`${t.project}_${t.dataset}`, t.table);
