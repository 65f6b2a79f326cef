import type { ExactJsonObject } from './exact-json.util';

/** A schema field as the tables API takes it (`type` may use the standard SQL aliases). */
export type FieldSchema = {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: FieldSchema[];
};

export type TimePartitioning = { type: string; field?: string; expirationMs?: string };

/**
 * A stored cell: STRING → string, INTEGER → decimal digits (a string, so 19-digit
 * ids stay exact), FLOAT → number, BOOLEAN → boolean, TIMESTAMP → epoch seconds
 * (number, may be fractional), RECORD → object, REPEATED → array. A field with no
 * value is absent from its row, never null.
 */
export type CellValue = string | number | boolean | CellValue[] | StoredRow;
export type StoredRow = { [field: string]: CellValue };

export type RowError = { reason: string; location: string; debugInfo: string; message: string };

export type RequestFault =
  /** Answer with this status and a BigQuery-shaped error body (reason/message default per status). */
  | { kind: 'status'; status: number; reason?: string; message?: string }
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  | { kind: 'hang' }
  /** Wait this long, then handle the request normally. */
  | { kind: 'latency'; ms: number }
  /** Destroy the connection without reading or handling the request. */
  | { kind: 'reset' }
  /** Handle the request (its effects happen), then destroy the connection: a lost response. */
  | { kind: 'drop-response' };

export type FaultRule = {
  /** HTTP method to match (any when absent). */
  method?: string;
  /**
   * Matched against the URL path without the query string (the client adds
   * `?prettyPrint=false` to everything); a string is a regex source.
   */
  path?: RegExp | string;
  /** Apply to the next N matching requests, then stop matching (every one when absent). */
  times?: number;
  fault: RequestFault;
};

/**
 * Rows to reject with a row-level `invalid` error, in insertAll and load jobs.
 * A regex (or its source as a string) is tested against the row's JSON text as
 * sent; a function gets the parsed row (19-digit integers as bigint).
 */
export type RowMatcher = RegExp | string | ((row: ExactJsonObject, tableId: string) => boolean);
export type RowRejection = { match: RowMatcher; tableId?: string; message?: string };

export type JobTiming = {
  /** A load job stays RUNNING this long after insertion. */
  delayMs?: number;
  /** A load job answers RUNNING to this many jobs.get calls before it is DONE (deterministic polling tests). */
  runningPolls?: number;
};

export type Faults = {
  /** Added before every request. */
  latencyMs?: number;
  rules?: FaultRule[];
  rejectRows?: RowRejection[];
  jobs?: JobTiming;
};

export type ServerOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  faults?: Faults;
  /** Keep state in DIR/bigquery-state.json across restarts (in memory only when absent). */
  dataDir?: string;
  /** insertId de-duplication window; BigQuery documents "at least one minute". Default 60 s. */
  dedupeWindowMs?: number;
  /** Request payload limit of insertAll and other JSON calls; BigQuery's is 10485760 bytes. */
  maxRequestBytes?: number;
};

export type ServerStats = {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faultsInjected: number;
  rowsInserted: number;
  rowsDeduplicated: number;
  rowsRejected: number;
  bytesReceived: number;
};

export type RequestRecord = { method: string; path: string; route: string; status: number; fault?: RequestFault['kind'] };

export type TableInfo = {
  projectId: string;
  datasetId: string;
  tableId: string;
  schema: FieldSchema[];
  timePartitioning?: TimePartitioning;
  numRows: number;
  numBytes: number;
  creationTime: number;
  lastModifiedTime: number;
};

export type JobInfo = {
  projectId: string;
  jobId: string;
  location: string;
  state: 'PENDING' | 'RUNNING' | 'DONE';
  errorResult?: RowError;
  errors?: RowError[];
  outputRows: number;
  badRecords: number;
};

export type BigQueryServer = {
  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  url: string;
  port: number;
  close(): Promise<void>;
  /** Replace every fault (at runtime; takes effect with the next request). */
  setFaults(faults: Faults): void;
  addFaultRule(rule: FaultRule): void;
  /**
   * Table references are `project:dataset.table`, `project.dataset.table` or
   * `dataset.table` (any project).
   */
  datasets(): string[];
  tables(datasetRef: string): string[];
  table(ref: string): TableInfo | undefined;
  rows(ref: string): StoredRow[];
  jobs(): JobInfo[];
  stats(): ServerStats;
  /** Recent requests, oldest first (at least the last 5,000). */
  requests(): RequestRecord[];
  /** Drop all datasets, tables, jobs, faults and counters. */
  reset(): void;
};
