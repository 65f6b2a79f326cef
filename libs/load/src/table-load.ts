import type { BigQuery } from '@google-cloud/bigquery';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BucketsConfig, KettleStore } from '@kettle/model';
import type { Logger } from '@kettle/service';
import { makeJson, openNdjsonOutput } from '@kettle/transform';
import { ensureTable } from './bq-tables';
import { runLoadJob, type LoadJobResult } from './load-job';
import { emittedTableOf } from './row-sink';
import { tableLabel, type TableTarget } from './table-target';

export type TableLoadOptions = {
  /** Truncate the table and reload every build of the window (old update.py --replace). */
  replace: boolean;
  threads: number;
  maxBadRecords?: number;
  now?: number;
  pollMs?: number;
};

export type TableLoadResult = { rows: number; job: LoadJobResult | null };

/**
 * One load job of the rows a table does not have yet (or, with `replace`, of
 * every build in its window), built with the transformer's row code into a
 * gzip NDJSON file. The builds are recorded emitted for that table only after
 * the job succeeded.
 */
export async function loadTable(
  bq: BigQuery,
  store: KettleStore,
  buckets: BucketsConfig,
  target: TableTarget,
  opts: TableLoadOptions,
  log: Logger,
): Promise<TableLoadResult> {
  const table = emittedTableOf(target);
  await ensureTable(bq, target);
  const dir = mkdtempSync(join(tmpdir(), 'kettle-load-'));
  const file = join(dir, `${target.table}.json.gz`);
  // With replace, rows come from a scratch emitted-table so the real one is
  // untouched until the job has succeeded.
  const scratch = opts.replace ? `${table}_rebuild` : table;
  try {
    if (opts.replace) store.resetEmitted(scratch);
    const made = await makeJson(
      store,
      buckets,
      openNdjsonOutput(file),
      { table: scratch, days: target.days || undefined, threads: opts.threads, record: false, now: opts.now },
      log,
    );
    if (made.rows === 0 && !opts.replace) {
      log.info(`${tableLabel(target)}: no new rows to load`);
      return { rows: 0, job: null };
    }
    const job = await runLoadJob(bq, target, file, {
      writeDisposition: opts.replace ? 'WRITE_TRUNCATE' : 'WRITE_APPEND',
      maxBadRecords: opts.maxBadRecords ?? 1000,
      pollMs: opts.pollMs,
    });
    for (const e of job.errors) log.warn(`${tableLabel(target)}: load job ${job.jobId}: ${e}`);
    store.transaction(() => {
      if (opts.replace) store.resetEmitted(table);
      store.recordEmitted(table, made.ids);
      if (opts.replace) store.resetEmitted(scratch);
    });
    return { rows: made.rows, job };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
