import { emittedTableForDays, type BucketsConfig, type KettleStore } from '@kettle/model';
import type { Logger } from '@kettle/service';
import type { NdjsonOutput } from './ndjson-output';
import type { RowTask } from './row-task';
import { RowWorkerPool, type RowBatch } from './row-worker-pool';

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

/** Builds per worker message: ~2 MB of XML, a few ms of work, so messaging costs little. */
const BATCH = 8;
/** Batches queued or running per worker: enough to keep both busy past a slow batch, few enough to keep memory flat. */
const IN_FLIGHT_PER_THREAD = 3;

/**
 * make_json.py: the rows of the builds not yet emitted to a window, as NDJSON,
 * oldest first. JUnit is read and parsed on worker threads (each reads the
 * blobs through its own read-only connection when the store is a file);
 * results are written in order, with a bounded number of builds in flight so
 * memory stays flat. The builds are recorded emitted, under a new
 * generation, only after the output is complete and flushed.
 */
export async function makeJson(store: KettleStore, buckets: BucketsConfig, out: NdjsonOutput, opts: MakeJsonOptions, log: Logger): Promise<MakeJsonResult> {
  const now = opts.now ?? Date.now() / 1000;
  const scratch = opts.paths !== undefined && opts.paths.length > 0;
  const table = scratch ? SCRATCH_EMITTED_TABLE : (opts.table ?? emittedTableForDays(opts.days));
  if (opts.resetEmitted || scratch) store.resetEmitted(table);
  const builds = scratch ? store.buildsByPaths(opts.paths ?? [], table) : store.buildsToEmit(table, opts.days ? now - opts.days * DAY : 0);

  const pool = new RowWorkerPool(buckets, opts.threads, store.db.memory ? undefined : store.db.name, (m) => log.warn(m));
  const result: MakeJsonResult = { rows: 0, skipped: 0, xmlBytes: 0, junitFiles: 0, startedAt: Date.now(), table, gen: null, problems: new Map(), ids: [] };
  // Only what logging and recording need is kept here: the builds themselves
  // go to the workers, and the less survives each scavenge, the smaller V8
  // keeps this thread's young generation (RSS).
  const inFlight: { sent: { id: number; path: string }[]; done: Promise<RowBatch> }[] = [];
  const maxInFlight = Math.max(2, pool.threads * IN_FLIGHT_PER_THREAD);
  let seq = 0;
  let batch: RowTask[] = [];

  const send = () => {
    inFlight.push({ sent: batch.map(({ build }) => ({ id: build.id, path: build.path })), done: pool.run(batch) });
    batch = [];
  };
  const settleOldest = async () => {
    const { sent, done } = inFlight.shift()!;
    const { results, bytes, release } = await done;
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      const build = sent[i];
      result.xmlBytes += r.xmlBytes;
      result.junitFiles += r.junitFiles;
      for (const p of r.problems) {
        result.problems.set(p.kind, (result.problems.get(p.kind) ?? 0) + 1);
        log.warn(`${p.file ?? build.path}: ${p.kind}: ${p.detail}`, { path: build.path });
      }
      if (!r.row) {
        result.skipped++;
        log.warn(`${build.path}: skipped, no row: ${r.error ?? r.problems.map((p) => p.detail).join('; ')}`, { path: build.path });
        continue;
      }
      result.rows++;
      result.ids.push(build.id);
    }
    // The bytes may be a slot the workers reuse: released once the output is done with them.
    if (bytes.length > 0) await out.write(bytes, release);
    else release();
    opts.onProgress?.(result);
  };

  try {
    for (const build of builds) {
      batch.push(pool.readsJunit ? { seq: seq++, build } : { seq: seq++, build, junit: store.junitFilesRaw(build.path) });
      if (batch.length >= BATCH) {
        send();
        if (inFlight.length >= maxInFlight) await settleOldest();
      }
    }
    if (batch.length > 0) send();
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
