import { inflateSync } from 'node:zlib';
import type { BucketsConfig, JunitFile, StoredBuild } from '@kettle/model';
import { ndjsonLine } from './ndjson.util';
import { buildRow, type RowProblem } from './row-builder';

/** One build to turn into a row: what the store holds, JUnit still compressed. */
export type RowTask = { seq: number; build: StoredBuild; junit: { path: string; data: Uint8Array }[] };
export type RowTaskResult = { seq: number; line: string | null; problems: RowProblem[]; junitFiles: number; xmlBytes: number; error?: string };

/**
 * Inflates a build's JUnit, builds its row and serialises it: the CPU work of
 * make-json, run in worker threads so both cores parse XML.
 */
export function runRowTask(task: RowTask, buckets: BucketsConfig): RowTaskResult {
  try {
    let xmlBytes = 0;
    const files: JunitFile[] = [];
    for (const f of task.junit) {
      const xml = inflateSync(f.data).toString('utf8');
      xmlBytes += xml.length;
      if (xml.length > 0) files.push({ path: f.path, xml });
    }
    const r = buildRow(task.build, files, buckets);
    return { seq: task.seq, line: r.row ? ndjsonLine(r.row) : null, problems: r.problems, junitFiles: r.junitFiles, xmlBytes };
  } catch (e) {
    return { seq: task.seq, line: null, problems: [], junitFiles: 0, xmlBytes: 0, error: e instanceof Error ? e.message : String(e) };
  }
}
