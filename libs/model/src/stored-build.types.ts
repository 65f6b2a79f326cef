import type { FinishedJson, StartedJson } from './build-json.types';

/** A build as the store holds it. */
export type StoredBuild = {
  /** Integer rowid, the key of the emitted-tables. */
  id: number;
  /** `gs://bucket/.../<build>` without a trailing slash. */
  path: string;
  started: StartedJson | null;
  finished: FinishedJson | null;
  /** finished.json timestamp (epoch seconds), null while unfinished. */
  finishedTime: number | null;
};

/** One JUnit file of a build, decompressed. */
export type JunitFile = { path: string; xml: string };
