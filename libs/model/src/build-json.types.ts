/**
 * started.json and finished.json as CI systems really write them: Jenkins
 * (bootstrap.py), the older `e2e-runner` scripts and Prow's pod-utils. Every key
 * is optional because each writer uses a different subset, and values arrive
 * from untrusted JSON, so consumers must check them at run time.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type StartedJson = JsonObject & {
  /** Epoch seconds (may be a float). */
  timestamp?: JsonValue;
  /** Jenkins node / pod name, becomes `executor`. */
  node?: JsonValue;
  /** PR number or `owner/repo#N` style reference, kept only in metadata. */
  pull?: JsonValue;
  /** Repository → ref (pod-utils), becomes `repos`. */
  repos?: JsonValue;
  'repo-version'?: JsonValue;
  'repo-commit'?: JsonValue;
  version?: JsonValue;
  'job-version'?: JsonValue;
  metadata?: JsonValue;
};

export type FinishedJson = JsonObject & {
  timestamp?: JsonValue;
  /** `SUCCESS`, `FAILURE`, `ABORTED`, ... (pod-utils and Jenkins). */
  result?: JsonValue;
  /** Older writers give only a boolean. */
  passed?: JsonValue;
  version?: JsonValue;
  'job-version'?: JsonValue;
  revision?: JsonValue;
  metadata?: JsonValue;
};

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
