import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { BucketConfig, BucketsConfig } from './buckets.types';

export class BucketsConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} problem(s) in buckets config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'BucketsConfigError';
  }
}

const KNOWN_KEYS = new Set(['contact', 'prefix', 'sequential', 'exclude_jobs', 'pr']);
// Bucket names per GCS naming rules (lower case, digits, -, _, .; 3-222 chars).
const GS_KEY = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(\/.*)?$/;

/** Parses and validates buckets.yaml text; every problem names its bucket key. */
export function parseBucketsConfig(text: string, source = 'buckets.yaml'): BucketsConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new BucketsConfigError(
      source,
      doc.errors.map((e) => `invalid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) throw new BucketsConfigError(source, ['the file has no buckets']);
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new BucketsConfigError(source, ['top level must be a mapping of gs:// keys to bucket settings']);
  }
  const problems: string[] = [];
  const buckets: BucketConfig[] = [];
  const seenKeys = new Map<string, string>();
  const seenPrefixes = new Map<string, string>();
  for (const [rawKey, value] of Object.entries(root as Record<string, unknown>)) {
    const bucket = parseEntry(rawKey, value, problems);
    if (!bucket) continue;
    const dupKey = seenKeys.get(bucket.key);
    if (dupKey !== undefined) {
      problems.push(`${rawKey}: same bucket path as ${dupKey}`);
      continue;
    }
    seenKeys.set(bucket.key, rawKey);
    const label = bucket.prefix === '' ? 'the empty prefix' : `prefix "${bucket.prefix}"`;
    const dupPrefix = seenPrefixes.get(bucket.prefix);
    if (dupPrefix !== undefined) {
      problems.push(
        bucket.prefix === ''
          ? `${rawKey}: more than one bucket has the empty prefix (also ${dupPrefix})`
          : `${rawKey}: duplicate ${label} (also ${dupPrefix})`,
      );
      continue;
    }
    seenPrefixes.set(bucket.prefix, rawKey);
    buckets.push(bucket);
  }
  if (problems.length > 0) throw new BucketsConfigError(source, problems);
  if (buckets.length === 0) throw new BucketsConfigError(source, ['the file has no buckets']);
  return { buckets };
}

function parseEntry(rawKey: string, value: unknown, problems: string[]): BucketConfig | null {
  const before = problems.length;
  const match = GS_KEY.exec(rawKey);
  if (!match) problems.push(`${rawKey}: not a gs://bucket/path URL`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${rawKey}: settings must be a mapping (contact, prefix, ...)`);
    return null;
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!KNOWN_KEYS.has(k)) problems.push(`${rawKey}: unknown key "${k}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const str = (k: string, required: boolean): string => {
    const x = v[k];
    if (x === undefined || x === null) {
      if (required) problems.push(`${rawKey}: ${k} is required`);
      return '';
    }
    if (typeof x !== 'string') problems.push(`${rawKey}: ${k} must be a string, got ${typeName(x)}`);
    return typeof x === 'string' ? x : '';
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const x = v[k];
    if (x === undefined || x === null) return dflt;
    if (typeof x !== 'boolean') problems.push(`${rawKey}: ${k} must be true or false, got ${typeName(x)}`);
    return typeof x === 'boolean' ? x : dflt;
  };
  const contact = str('contact', true);
  const prefix = str('prefix', true);
  if (prefix !== '' && !prefix.endsWith(':')) problems.push(`${rawKey}: prefix "${prefix}" must end in ":"`);
  const sequential = bool('sequential', true);
  const pr = bool('pr', false);
  let excludeJobs: string[] = [];
  const ex = v.exclude_jobs;
  if (ex !== undefined && ex !== null) {
    if (!Array.isArray(ex) || ex.some((j) => typeof j !== 'string' || j === '' || j.includes('/'))) {
      problems.push(`${rawKey}: exclude_jobs must be a list of job names`);
    } else {
      excludeJobs = ex as string[];
    }
  }
  if (problems.length > before || !match) return null;
  const key = rawKey.endsWith('/') ? rawKey : rawKey + '/';
  const bucketName = match[1];
  return {
    key,
    bucket: bucketName,
    objectPrefix: key.slice(`gs://${bucketName}/`.length),
    contact,
    prefix,
    sequential,
    excludeJobs,
    pr,
  };
}

function typeName(x: unknown): string {
  if (Array.isArray(x)) return 'a list';
  if (x === null) return 'null';
  return typeof x === 'object' ? 'a mapping' : `${typeof x} ${JSON.stringify(x)}`;
}

/** Reads buckets.yaml from a path or an http(s) URL (re-read each cycle by the collector). */
export async function loadBucketsConfig(source: string, timeoutMs = 30_000): Promise<BucketsConfig> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(timeoutMs) }).catch((e: unknown) => {
      throw new BucketsConfigError(source, [`cannot fetch: ${e instanceof Error ? e.message : String(e)}`]);
    });
    if (!res.ok) throw new BucketsConfigError(source, [`cannot fetch: HTTP ${res.status}`]);
    text = await res.text();
  } else {
    text = await readFile(source, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new BucketsConfigError(source, [`cannot read: ${e.code ?? e.message}`]);
    });
  }
  return parseBucketsConfig(text, source);
}

/**
 * The entry holding a build path, matched on whole path segments; the longest
 * key wins so a nested key (e.g. `.../logs-gke/`) beats its parent.
 */
export function bucketForPath(config: BucketsConfig, path: string): BucketConfig | null {
  let best: BucketConfig | null = null;
  for (const b of config.buckets) {
    if (path.startsWith(b.key) && (best === null || b.key.length > best.key.length)) best = b;
  }
  return best;
}
