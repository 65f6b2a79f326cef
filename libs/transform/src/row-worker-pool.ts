import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BucketsConfig } from '@kettle/model';
import { runRowTask, type RowTask, type RowTaskResult } from './row-task';

const WORKER_SCRIPT = join(__dirname, 'row-worker.js');

/**
 * Runs row tasks on worker threads, a small batch per message to amortise
 * the postMessage cost. Without a compiled worker script (tests run from
 * TypeScript sources) or with threads = 0 the tasks run in this thread.
 */
export class RowWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { tasks: RowTask[]; resolve: (r: RowTaskResult[]) => void; reject: (e: unknown) => void }[] = [];
  private readonly busy = new Map<Worker, { resolve: (r: RowTaskResult[]) => void; reject: (e: unknown) => void }>();

  constructor(
    private readonly buckets: BucketsConfig,
    threads: number,
  ) {
    if (threads <= 0 || !existsSync(WORKER_SCRIPT)) return;
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER_SCRIPT, { workerData: { buckets } });
      w.on('message', (results: RowTaskResult[]) => this.done(w, results));
      w.on('error', (e) => {
        this.busy.get(w)?.reject(e);
        this.busy.delete(w);
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  run(tasks: RowTask[]): Promise<RowTaskResult[]> {
    if (this.workers.length === 0) return Promise.resolve(tasks.map((t) => runRowTask(t, this.buckets)));
    return new Promise((resolve, reject) => {
      const w = this.idle.pop();
      if (w) this.dispatch(w, tasks, resolve, reject);
      else this.waiting.push({ tasks, resolve, reject });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(w: Worker, tasks: RowTask[], resolve: (r: RowTaskResult[]) => void, reject: (e: unknown) => void): void {
    this.busy.set(w, { resolve, reject });
    w.postMessage(tasks);
  }

  private done(w: Worker, results: RowTaskResult[]): void {
    const job = this.busy.get(w);
    this.busy.delete(w);
    job?.resolve(results);
    const next = this.waiting.shift();
    if (next) this.dispatch(w, next.tasks, next.resolve, next.reject);
    else this.idle.push(w);
  }
}
