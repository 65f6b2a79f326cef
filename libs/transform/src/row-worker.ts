// Worker-thread entry of the row pool (compiled to dist/ next to row-worker-pool).
import { parentPort, workerData } from 'node:worker_threads';
import type { BucketsConfig } from '@kettle/model';
import { runRowTask, type RowTask } from './row-task';

const buckets = (workerData as { buckets: BucketsConfig }).buckets;
parentPort?.on('message', (tasks: RowTask[]) => {
  parentPort?.postMessage(tasks.map((t) => runRowTask(t, buckets)));
});
