import type { BigQuery } from '@google-cloud/bigquery';
import type { BucketsConfig, KettleStore } from '@kettle/model';
import type { Logger } from '@kettle/service';
import type { LoaderMetrics } from './loader-metrics';
import { emittedTableOf, type RowSink } from './row-sink';
import { loadTable } from './table-load';
import { tableLabel, type TableTarget } from './table-target';

/** A table with a window of N days is rebuilt once its oldest row is older than this many windows. */
export const ROTATE_AFTER_WINDOWS = 1.9;

/**
 * Keeps windowed tables (`day:1`, `week:7`) to their window: when a table's
 * oldest build is older than 1.9 × N days, one WRITE_TRUNCATE load job
 * replaces it with the builds of the last N days and its emitted-table is
 * reset to exactly those. Streaming into that table waits meanwhile, so rows
 * that arrive during the rebuild go in right after it.
 */
export class TableRotator {
  constructor(
    private readonly bq: BigQuery,
    private readonly store: KettleStore,
    private readonly buckets: () => BucketsConfig,
    private readonly sink: RowSink,
    private readonly log: Logger,
    private readonly metrics: LoaderMetrics,
    private readonly opts: { threads: number; pollMs?: number; now?: () => number } = { threads: 1 },
  ) {}

  isDue(target: TableTarget): boolean {
    if (target.days <= 0) return false;
    const oldest = this.store.oldestEmitted(emittedTableOf(target));
    const now = this.opts.now?.() ?? Date.now() / 1000;
    return oldest !== null && oldest < now - ROTATE_AFTER_WINDOWS * target.days * 86400;
  }

  /** Rebuilds every due table; returns the labels of those rebuilt. */
  async rotateDue(): Promise<string[]> {
    const done: string[] = [];
    for (const target of this.sink.targets) {
      if (!this.isDue(target)) continue;
      const label = tableLabel(target);
      try {
        const r = await this.sink.pauseWhile(target, () =>
          loadTable(this.bq, this.store, this.buckets(), target, { replace: true, threads: this.opts.threads, pollMs: this.opts.pollMs, now: this.opts.now?.() }, this.log),
        );
        this.metrics.rotations.inc({ table: label, outcome: 'ok' });
        this.log.info(`${label}: rebuilt with the last ${target.days} days: ${r.rows} rows`, { table: label });
        done.push(label);
      } catch (e) {
        this.metrics.rotations.inc({ table: label, outcome: 'failed' });
        this.log.error(`${label}: rebuild failed; streaming goes on and the rebuild is retried`, { table: label, error: e });
      }
    }
    return done;
  }
}
