import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { KettleStore, type BucketsConfig } from '@kettle/model';
import { runRowBatch, type RowBatchResult, type RowTask, type RowTaskResult } from './row-task';

const WORKER_SCRIPT = join(__dirname, 'row-worker.js');
/** Output slots: more than the batches in flight, so one is free whenever a batch is sent. */
const SLOTS = 8;
/**
 * A batch's lines are ~250 KB on average, over 512 KB in ~6 % of batches (a
 * 1-2 MB JUnit file makes a row of up to ~640 KB) and over 1 MB in ~0.02 %.
 * Those come back in a buffer of their own, which this thread frees only when
 * V8 collects its old generation: with 512 KB slots that garbage reached
 * 30-67 MB and the peak RSS crept with the run's length (301 MB at 200,000
 * builds, 307-310 MB at 1M). With 1 MB slots: 231-237 MB at 200,000 and
 * 243-244 MB at 1M, flat (tools/bench/make-json-bench.ts).
 */
const SLOT_BYTES = 1 << 20;
/**
 * Worker heap limits. By default V8 lets a worker's young generation grow to
 * 32 MB of semi-spaces, and the process passed 300 MB RSS on the benchmark;
 * capped, it stays under (measured: -20 to -40 MB) at no speed difference the
 * noisy 2-core machine could show. The old generation is not capped: a huge
 * JUnit file (hundreds of MB) must still parse, and V8 aborts the whole
 * process, not just the worker, when an allocation cannot fit under a cap.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** A batch's outcomes and its NDJSON bytes; `release` once the bytes are written (they may be a shared slot). */
export type RowBatch = { results: RowTaskResult[]; bytes: Uint8Array; release: () => void };

type Job = { tasks: RowTask[]; slot?: number; resolve: (r: RowBatch) => void };
/** Dead workers replaced over a run; past that (a worker that cannot even start), the rest runs here. */
const MAX_RESTARTS = 8;

/**
 * Runs row tasks on worker threads, a small batch per message to amortise
 * the postMessage cost. Without a compiled worker script (tests run from
 * TypeScript sources) or with threads = 0 the tasks run in this thread.
 *
 * Given the path of a file store, each worker opens it read-only and reads
 * the JUnit itself (`readsJunit`); otherwise the tasks must carry it. The
 * workers write the NDJSON into shared slots, which the caller writes out
 * and then releases.
 */
export class RowWorkerPool {
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly waiting: Job[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly slots: SharedArrayBuffer[] = [];
  private readonly free: number[] = [];
  private closing = false;
  private restarts = 0;
  /** This thread's own connection, opened only to redo a dead worker's batch. */
  private store: KettleStore | undefined;
  /** Whether the workers read the JUnit from the store themselves. */
  readonly readsJunit: boolean;

  constructor(
    private readonly buckets: BucketsConfig,
    threads: number,
    private readonly dbPath?: string,
    /** Told when a worker dies (its batch is redone here). */
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.readsJunit = dbPath !== undefined && threads > 0 && existsSync(WORKER_SCRIPT);
    if (threads <= 0 || !existsSync(WORKER_SCRIPT)) return;
    for (let i = 0; i < SLOTS; i++) {
      this.slots.push(new SharedArrayBuffer(SLOT_BYTES));
      this.free.push(i);
    }
    for (let i = 0; i < threads; i++) this.start();
  }

  get threads(): number {
    return this.workers.size;
  }

  run(tasks: RowTask[]): Promise<RowBatch> {
    if (this.workers.size === 0) return Promise.resolve(this.runHere(tasks));
    return new Promise((resolve) => {
      const job: Job = { tasks, resolve };
      const w = this.idle.pop();
      if (w) this.dispatch(w, job);
      else this.waiting.push(job);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.workers].map((w) => w.terminate()));
    this.store?.close();
  }

  private start(): void {
    const w = new Worker(WORKER_SCRIPT, { workerData: { buckets: this.buckets, dbPath: this.dbPath, slots: this.slots }, resourceLimits: RESOURCE_LIMITS });
    let error: Error | undefined;
    w.on('message', (result: RowBatchResult) => this.done(w, result));
    w.on('error', (e) => (error = e));
    // Every way out (an uncaught error, a crash, process.exit) ends here.
    w.on('exit', (code) => {
      if (!this.closing) this.fail(w, error ?? new Error(`exited with code ${code}`));
    });
    this.workers.add(w);
    this.next(w);
  }

  private dispatch(w: Worker, job: Job): void {
    job.slot = this.free.pop(); // none free: the worker returns its own buffer
    this.busy.set(w, job);
    w.postMessage({ tasks: job.tasks, slot: job.slot });
  }

  private next(w: Worker): void {
    const job = this.waiting.shift();
    if (job) this.dispatch(w, job);
    else this.idle.push(w);
  }

  private done(w: Worker, result: RowBatchResult): void {
    const job = this.busy.get(w);
    this.busy.delete(w);
    if (job) job.resolve(this.batch(job.slot, result));
    this.next(w);
  }

  private batch(slot: number | undefined, result: RowBatchResult): RowBatch {
    if (slot === undefined || result.ndjson !== undefined) {
      if (slot !== undefined) this.free.push(slot);
      return { results: result.results, bytes: result.ndjson ?? new Uint8Array(0), release: () => {} };
    }
    let released = false;
    const release = () => {
      if (!released) this.free.push(slot);
      released = true;
    };
    return { results: result.results, bytes: new Uint8Array(this.slots[slot], 0, result.length), release };
  }

  /**
   * A worker died (a bug, a native crash): its batch is run again here and a
   * new worker takes its place, so one bad build never stops the run (each
   * task still reports its own error).
   */
  private fail(w: Worker, e: Error): void {
    this.workers.delete(w);
    const idle = this.idle.indexOf(w);
    if (idle >= 0) this.idle.splice(idle, 1);
    const job = this.busy.get(w);
    this.busy.delete(w);
    this.warn(`row worker died (${e.message}); ${job ? 'its batch is redone on the main thread' : 'it had no batch'}`);
    if (job) {
      if (job.slot !== undefined) this.free.push(job.slot);
      job.resolve(this.runHere(job.tasks));
    }
    if (!this.closing && this.restarts++ < MAX_RESTARTS) this.start();
    if (this.workers.size === 0) for (const waiting of this.waiting.splice(0)) waiting.resolve(this.runHere(waiting.tasks));
  }

  private runHere(tasks: RowTask[]): RowBatch {
    if (this.dbPath !== undefined && this.readsJunit) this.store ??= KettleStore.open(this.dbPath, { readonly: true });
    const r = runRowBatch(tasks, this.buckets, this.store);
    return { results: r.results, bytes: r.ndjson ?? new Uint8Array(0), release: () => {} };
  }
}
