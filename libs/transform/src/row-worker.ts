// Worker-thread entry of the row pool (compiled to dist/ next to row-worker-pool).
import { parentPort, workerData } from 'node:worker_threads';
import { KettleStore, type BucketsConfig } from '@kettle/model';
import { runRowBatch, type RowTask } from './row-task';

const { buckets, dbPath, slots } = workerData as { buckets: BucketsConfig; dbPath?: string; slots: SharedArrayBuffer[] };
const views = slots.map((s) => new Uint8Array(s));
// Its own read-only connection: the JUnit blobs are read here, in parallel,
// instead of on the main thread and copied over in every message.
const store = dbPath === undefined ? undefined : KettleStore.open(dbPath, { readonly: true });
parentPort?.on('message', ({ tasks, slot }: { tasks: RowTask[]; slot?: number }) => {
  const result = runRowBatch(tasks, buckets, store, slot === undefined ? undefined : views[slot]);
  // Lines that outgrew the slot are in a buffer of their own: moved, not copied.
  parentPort?.postMessage(result, result.ndjson ? [result.ndjson.buffer as ArrayBuffer] : []);
});
