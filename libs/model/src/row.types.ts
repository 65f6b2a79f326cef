/** One BigQuery row per finished build: the `k8s-gubernator:build` schema (DESIGN §5). */
export type RowTest = {
  name: string;
  /** Seconds; left out when the JUnit `time` is unparsable. */
  time?: number;
  failed?: boolean;
  failure_text?: string;
};

export type RowMetadata = { key: string; value: string };

export type BuildRow = {
  path: string;
  job?: string;
  /**
   * The build number as its decimal digits. A string, never a JS number: Prow
   * build ids have 19 digits, past 2^53. BigQuery accepts a string for INTEGER.
   */
  number?: string;
  started?: number;
  finished?: number;
  elapsed?: number;
  passed?: boolean;
  result?: string;
  version?: string;
  repo_commit?: string;
  repos?: string;
  executor?: string;
  tests_run: number;
  tests_failed: number;
  metadata?: RowMetadata[];
  test: RowTest[];
};
