import {
  bucketForPath,
  isJsonObject,
  timestampOf,
  type BucketsConfig,
  type BuildRow,
  type FinishedJson,
  type JsonValue,
  type JunitFile,
  type RowMetadata,
  type RowTest,
  type StartedJson,
  type StoredBuild,
} from '@kettle/model';
import { pythonJsonText, sortedKeys } from '@kettle/model';
import type { JunitProblemKind } from './junit-parser';
import { scanJunit, scanJunitUtf8 } from './junit-scanner';

export type RowProblemKind =
  | 'no-finished-time'
  | 'unknown-bucket'
  | 'started-timestamp'
  | 'number-out-of-range'
  | 'metadata-not-object'
  | 'junit-foreign-file'
  | `junit-${JunitProblemKind}`
  | 'junit-bad-time'
  | 'junit-failure-text-cut';

/** Something odd about a build's data; the row is still built when at all possible. */
export type RowProblem = { kind: RowProblemKind; detail: string; file?: string };

/** A JUnit file still as UTF-8 bytes (make-json reads them so; the scanner checks bytes faster than text). */
export type JunitBytes = { path: string; utf8: Buffer };

export type RowBuild = {
  /** null only when the build has no usable finished time. */
  row: BuildRow | null;
  problems: RowProblem[];
  /** JUnit files read (including those that gave no tests). */
  junitFiles: number;
};

/** Old Kettle rule, kept when buckets.yaml lacks the entry (DESIGN §5). */
const PR_LOGS = 'gs://kubernetes-jenkins/pr-logs/';
const PR_LOGS_PREFIX = 'pr:';
// BigQuery INTEGER is int64; a larger number would make BigQuery reject the row.
const INT64_MAX = '9223372036854775807';
// BigQuery TIMESTAMP spans years 1..9999.
const MIN_TIMESTAMP = -62135596800;
const MAX_TIMESTAMP = 253402300799;

/**
 * Builds the BigQuery row of one build (DESIGN §5). Pure: the JUnit files
 * are given in the order their tests should appear. A value that cannot be
 * read is left out of the row and reported; it never drops the whole build.
 */
export function buildRow(build: StoredBuild, junit: Iterable<JunitFile | JunitBytes>, buckets: BucketsConfig): RowBuild {
  const problems: RowProblem[] = [];
  const started = build.started;
  const finished = build.finished;
  const finishedTime = finished ? epochSeconds(finished.timestamp) : undefined;
  if (!finished || finishedTime === undefined) {
    problems.push({ kind: 'no-finished-time', detail: finished ? 'finished.json has no usable timestamp' : 'no finished.json' });
    return { row: null, problems, junitFiles: 0 };
  }

  const { tests, junitFiles } = readTests(build.path, junit, problems);
  const row: BuildRow = { path: build.path, tests_run: tests.length, tests_failed: countFailed(tests), test: tests };
  addJobAndNumber(row, build.path, buckets, problems);

  if (started) {
    const startedTime = epochSeconds(started.timestamp);
    if (startedTime !== undefined) row.started = startedTime;
    else problems.push({ kind: 'started-timestamp', detail: `started.json timestamp ${describe(started.timestamp)}` });
    setText(row, 'executor', started.node);
    setText(row, 'repo_commit', 'repo-commit' in started ? started['repo-commit'] : started['repo-version']);
    if (isTruthy(started.repos)) row.repos = pythonJsonText(started.repos as JsonValue);
  }

  row.finished = finishedTime;
  if (row.started && finishedTime) row.elapsed = finishedTime - row.started;
  addResult(row, finished);
  setText(row, 'version', finished.version);

  const metadata = metadataOf(started, finished, problems);
  if (metadata !== undefined) {
    if (metadata.pairs.length > 0) row.metadata = metadata.pairs;
    if (row.repos === undefined && metadata.repos !== undefined) row.repos = metadata.repos;
  }
  return { row, problems, junitFiles };
}

function readTests(buildPath: string, junit: Iterable<JunitFile | JunitBytes>, problems: RowProblem[]): { tests: RowTest[]; junitFiles: number } {
  const own = buildPath.replace(/\/+$/, '') + '/';
  let tests: RowTest[] = [];
  let junitFiles = 0;
  for (const file of junit) {
    // Difference 4: `.../1` must never take the files of `.../10`.
    if (!file.path.startsWith(own)) {
      problems.push({ kind: 'junit-foreign-file', detail: `not under ${own}`, file: file.path });
      continue;
    }
    junitFiles++;
    const parsed = 'utf8' in file ? scanJunitUtf8(file.utf8) : scanJunit(file.xml);
    if (parsed.problem) problems.push({ kind: `junit-${parsed.problem.kind}`, detail: parsed.problem.detail, file: file.path });
    if (parsed.badTimes > 0) problems.push({ kind: 'junit-bad-time', detail: `${parsed.badTimes} test(s) with an unparsable time`, file: file.path });
    if (parsed.cutTexts > 0) problems.push({ kind: 'junit-failure-text-cut', detail: `${parsed.cutTexts} failure text(s) cut`, file: file.path });
    tests = tests.length === 0 ? parsed.tests : tests.concat(parsed.tests);
  }
  return { tests, junitFiles };
}

function countFailed(tests: readonly RowTest[]): number {
  let n = 0;
  for (const t of tests) if (t.failed === true) n++;
  return n;
}

function addJobAndNumber(row: BuildRow, path: string, buckets: BucketsConfig, problems: RowProblem[]): void {
  const segments = path.replace(/\/+$/, '').split('/');
  const buildFolder = segments[segments.length - 1] ?? '';
  const jobFolder = segments[segments.length - 2] ?? '';
  const prefix = bucketForPath(buckets, path)?.prefix ?? (path.startsWith(PR_LOGS) ? PR_LOGS_PREFIX : undefined);
  if (prefix === undefined) problems.push({ kind: 'unknown-bucket', detail: 'no buckets.yaml entry holds this build; job left out' });
  else row.job = prefix + jobFolder;

  if (!/^[0-9]+$/.test(buildFolder)) return; // `2_0`, `+3`, `12a`: no number
  const digits = buildFolder.replace(/^0+(?=\d)/, '');
  if (digits.length > INT64_MAX.length || (digits.length === INT64_MAX.length && digits > INT64_MAX)) {
    problems.push({ kind: 'number-out-of-range', detail: `build number ${digits} exceeds BigQuery INTEGER; left out` });
    return;
  }
  // Kept as digits: Prow's 19-digit ids are past 2^53 (see ndjson.util).
  row.number = digits;
}

function addResult(row: BuildRow, finished: FinishedJson): void {
  if ('result' in finished) {
    setText(row, 'result', finished.result);
    row.passed = finished.result === 'SUCCESS';
  } else if (typeof finished.passed === 'boolean') {
    row.passed = finished.passed;
    row.result = finished.passed ? 'SUCCESS' : 'FAILURE';
  }
}

type Metadata = { pairs: RowMetadata[]; repos?: string };

/**
 * finished.json's `metadata` when the key exists (even if empty or null),
 * else started.json's. Falsy `repo` and a `job-version`/`version` equal to
 * finished's `version` are dropped; other values that are not strings become
 * their JSON text, and a non-string `repos` also feeds the row's `repos`.
 */
function metadataOf(started: StartedJson | null, finished: FinishedJson, problems: RowProblem[]): Metadata | undefined {
  const source: JsonValue | undefined = 'metadata' in finished ? finished.metadata : started?.metadata;
  if (!isTruthy(source)) return undefined;
  if (!isJsonObject(source)) {
    problems.push({ kind: 'metadata-not-object', detail: `metadata is ${describe(source)}; left out` });
    return undefined;
  }
  const drop = new Set<string>();
  if ('repo' in source && !isTruthy(source.repo)) drop.add('repo');
  if ('version' in finished) {
    const version = finished.version as JsonValue;
    for (const key of ['job-version', 'version']) {
      if (key in source && sameJson(source[key], version)) drop.add(key);
    }
  }
  const pairs: RowMetadata[] = [];
  let repos: string | undefined;
  for (const key of sortedKeys(source)) {
    if (drop.has(key)) continue;
    const value = source[key];
    if (typeof value === 'string') {
      pairs.push({ key, value });
      continue;
    }
    const text = pythonJsonText(value);
    pairs.push({ key, value: text });
    if (key === 'repos' && isTruthy(value)) repos = text;
  }
  return { pairs, repos };
}

/** Integer part of an epoch-seconds timestamp (number or numeric string), inside BigQuery's TIMESTAMP range. */
function epochSeconds(v: JsonValue | undefined): number | undefined {
  const n = timestampOf(v);
  if (n === null) return undefined;
  const s = Math.trunc(n);
  return s >= MIN_TIMESTAMP && s <= MAX_TIMESTAMP ? s + 0 : undefined; // + 0 turns -0 into 0
}

type TextField = 'executor' | 'repo_commit' | 'version' | 'result';

/** A STRING field: strings as they are, other non-null values as their JSON text. */
function setText(row: BuildRow, field: TextField, v: JsonValue | undefined): void {
  if (v === undefined || v === null) return;
  row[field] = typeof v === 'string' ? v : pythonJsonText(v);
}

/** Python truthiness, which the old rules used (`if started.get('repos')`). */
function isTruthy(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && pythonJsonText(a) === pythonJsonText(b);
}

function describe(v: JsonValue | undefined): string {
  if (v === undefined) return 'missing';
  const text = pythonJsonText(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
