import { inflateSync } from 'node:zlib';
import type { Statement } from 'better-sqlite3';
import { folderRange, type BucketsConfig, type KettleStore, type StoredBuild } from '@kettle/model';
import { ndjsonLine } from './ndjson.util';
import { buildRow, type JunitBytes, type RowProblem } from './row-builder';

export type RawJunit = { path: string; data: Uint8Array };

/**
 * One build to turn into a row. `junit` is what the store holds (zlib); when
 * it is absent, the worker reads it through its own read-only connection, so
 * the main thread never touches the blobs (they are most of the bytes).
 */
export type RowTask = { seq: number; build: StoredBuild; junit?: RawJunit[] };
/** The outcome of one task; its NDJSON line, if any, is in the batch's bytes. */
export type RowTaskResult = { seq: number; row: boolean; problems: RowProblem[]; junitFiles: number; xmlBytes: number; error?: string };
/**
 * A batch's outcomes in task order, and its rows' NDJSON lines as one UTF-8
 * block, to write as is: `length` bytes at the start of the output slot the
 * batch was given, or, when they did not fit (or there was none), `ndjson`.
 */
export type RowBatchResult = { results: RowTaskResult[]; length: number; ndjson?: Uint8Array };

/**
 * Inflates the builds' JUnit, builds their rows and serialises them: the CPU
 * work of make-json, run in worker threads so both cores parse XML. Each
 * line is copied out as bytes as soon as it is made (a row's text is a tree
 * of thousands of pieces, garbage the moment it is flat), into `slot`, memory
 * shared with the main thread and reused, so the bytes cross threads without
 * a copy and without a fresh buffer per batch for the main thread's GC.
 */
export function runRowBatch(tasks: readonly RowTask[], buckets: BucketsConfig, store?: KettleStore, slot?: Uint8Array): RowBatchResult {
  const results: RowTaskResult[] = [];
  const out = new LineSink(slot);
  for (const task of tasks) {
    const { result, line } = runRowTask(task, buckets, store);
    results.push(result);
    if (line !== null) out.add(line);
  }
  return out.own === undefined ? { results, length: out.length } : { results, length: out.length, ndjson: out.own.subarray(0, out.length) };
}

/** Lines written as bytes into the slot, then into a buffer of its own once they outgrow it. */
class LineSink {
  length = 0;
  /** Unpooled (never Node's shared pool), so it can be transferred. */
  own: Buffer | undefined;
  private target: Buffer;

  constructor(slot: Uint8Array | undefined) {
    this.target = slot === undefined ? (this.own = Buffer.allocUnsafeSlow(1 << 20)) : Buffer.from(slot.buffer, slot.byteOffset, slot.length);
  }

  add(line: string): void {
    // The lines are ASCII (ensure_ascii): Latin-1 bytes are their UTF-8, written by a plain copy.
    if (this.length + line.length > this.target.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.target.length, this.length + line.length));
      this.target.copy(grown, 0, 0, this.length);
      this.target = this.own = grown;
    }
    this.length += this.target.write(line, this.length, 'latin1');
  }
}

function runRowTask(task: RowTask, buckets: BucketsConfig, store?: KettleStore): { result: RowTaskResult; line: string | null } {
  const seq = task.seq;
  try {
    const raw = task.junit ?? (store ? junitOf(store, task.build.path) : []);
    let xmlBytes = 0;
    const files: JunitBytes[] = [];
    for (const f of raw) {
      const utf8 = inflate(f.data);
      xmlBytes += utf8.length;
      if (utf8.length > 0) files.push({ path: f.path, utf8 });
    }
    const r = buildRow(task.build, files, buckets);
    const line = r.row ? ndjsonLine(r.row) : null;
    return { result: { seq, row: line !== null, problems: r.problems, junitFiles: r.junitFiles, xmlBytes }, line };
  } catch (e) {
    return { result: { seq, row: false, problems: [], junitFiles: 0, xmlBytes: 0, error: e instanceof Error ? e.message : String(e) }, line: null };
  }
}

const statements = new WeakMap<KettleStore, Statement>();

/**
 * `KettleStore.junitFilesRaw` with its statement prepared once per store:
 * preparing it for every build cost as much as reading the blobs.
 */
function junitOf(store: KettleStore, buildPath: string): RawJunit[] {
  let stmt = statements.get(store);
  if (stmt === undefined) {
    stmt = store.db.prepare('select path, data from file where path >= ? and path < ? order by path');
    statements.set(store, stmt);
  }
  return stmt.all(...folderRange(buildPath.endsWith('/') ? buildPath : buildPath + '/')) as RawJunit[];
}

/**
 * zlib's sync inflate grows its output 16 KiB at a time and concatenates the
 * pieces; an output buffer sized for the usual ratio (JUnit compresses ~8x)
 * mostly holds the whole file, which is then returned without a copy, and
 * wastes little memory (every buffer lives until the next GC).
 */
function inflate(data: Uint8Array): Buffer {
  const guess = Math.min(Math.max(data.length * 12, 16 * 1024), 8 * 1024 * 1024);
  return inflateSync(data, { chunkSize: guess });
}
