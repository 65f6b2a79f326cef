import { emittedTableForDays, type BucketsConfig, type KettleStore } from '@kettle/model';
import type { Logger } from '@kettle/service';
import type { NdjsonOutput } from './ndjson-output';
import type { RowTask, RowTaskResult } from './row-task';
import { RowWorkerPool } from './row-worker-pool';

export const SCRATCH_EMITTED_TABLE = 'incremental_manual';
const DAY = 86400;

export type MakeJsonOptions = {
  /** Builds finished within N days, into `build_emitted_<N>` (old --days). */
  days?: number;
  resetEmitted?: boolean;
  /** Emit exactly these builds, into a scratch emitted-table reset first. */
  paths?: readonly string[];
  /** Worker threads parsing JUnit (0 = this thread). */
  threads: number;
  /** Emitted-table to use instead of the --days one (the loader's per-table state). */
  table?: string;
  /** Record the builds emitted after writing (false: the caller records them, e.g. after a load job). */
  record?: boolean;
  now?: number;
  onProgress?: (p: MakeJsonProgress) => void;
};

export type MakeJsonProgress = { rows: number; skipped: number; xmlBytes: number; junitFiles: number; startedAt: number };
export type MakeJsonResult = MakeJsonProgress & { table: string; gen: number | null; problems: Map<string, number>; ids: number[] };

const BATCH = 8;

/**
 * make_json.py: the rows of the builds not yet emitted to a window, as NDJSON,
 * oldest first. JUnit is parsed on worker threads; results are written in
 * order, with a bounded number of builds in flight so memory stays flat. The
 * builds are recorded emitted, under a new generation, only after the output
 * is complete and flushed.
 */
export async function makeJson(store: KettleStore, buckets: BucketsConfig, out: NdjsonOutput, opts: MakeJsonOptions, log: Logger): Promise<MakeJsonResult> {
  const now = opts.now ?? Date.now() / 1000;
  const scratch = opts.paths !== undefined && opts.paths.length > 0;
  const table = scratch ? SCRATCH_EMITTED_TABLE : (opts.table ?? emittedTableForDays(opts.days));
  if (opts.resetEmitted || scratch) store.resetEmitted(table);
  const builds = scratch ? store.buildsByPaths(opts.paths ?? [], table) : store.buildsToEmit(table, opts.days ? now - opts.days * DAY : 0);

  const pool = new RowWorkerPool(buckets, opts.threads);
  const result: MakeJsonResult = { rows: 0, skipped: 0, xmlBytes: 0, junitFiles: 0, startedAt: Date.now(), table, gen: null, problems: new Map(), ids: [] };
  const inFlight: Promise<RowTaskResult[]>[] = [];
  const tasks = new Map<number, RowTask>();
  const maxInFlight = Math.max(2, pool.threads * 3);
  let seq = 0;
  let batch: RowTask[] = [];

  const settleOldest = async () => {
    const results = await inFlight.shift()!;
    let text = '';
    for (const r of results) {
      const task = tasks.get(r.seq)!;
      tasks.delete(r.seq);
      result.xmlBytes += r.xmlBytes;
      result.junitFiles += r.junitFiles;
      for (const p of r.problems) {
        result.problems.set(p.kind, (result.problems.get(p.kind) ?? 0) + 1);
        log.warn(`${p.file ?? task.build.path}: ${p.kind}: ${p.detail}`, { path: task.build.path });
      }
      if (r.line === null) {
        result.skipped++;
        log.warn(`${task.build.path}: skipped, no row: ${r.error ?? r.problems.map((p) => p.detail).join('; ')}`, { path: task.build.path });
        continue;
      }
      text += r.line;
      result.rows++;
      result.ids.push(task.build.id);
    }
    if (text) await out.write(text);
    opts.onProgress?.(result);
  };

  try {
    for (const build of builds) {
      const task: RowTask = { seq: seq++, build, junit: store.junitFilesRaw(build.path) };
      tasks.set(task.seq, task);
      batch.push(task);
      if (batch.length >= BATCH) {
        inFlight.push(pool.run(batch));
        batch = [];
        if (inFlight.length >= maxInFlight) await settleOldest();
      }
    }
    if (batch.length > 0) inFlight.push(pool.run(batch));
    while (inFlight.length > 0) await settleOldest();
    await out.close();
  } catch (e) {
    out.abort();
    throw e;
  } finally {
    await pool.close();
  }
  if (result.ids.length > 0 && opts.record !== false) result.gen = store.recordEmitted(table, result.ids);
  return result;
}

/** make_json.py --assert-oldest: whether the oldest build already emitted to the window is older than `days`. */
export function oldestEmittedIsOlderThan(store: KettleStore, windowDays: number | undefined, days: number, now = Date.now() / 1000): boolean {
  const oldest = store.oldestEmitted(emittedTableForDays(windowDays));
  return oldest !== null && oldest < now - days * DAY;
}
