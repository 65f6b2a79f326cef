// gs:// URLs come from buckets.yaml and from PR pointer files written by CI
// jobs, so they are untrusted input: parse strictly and say what is wrong.

/** A bucket and an object name (or a prefix; empty for the bucket root). */
export type GcsPath = {
  bucket: string;
  object: string;
};

export class GcsPathError extends Error {
  override readonly name = 'GcsPathError';

  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`invalid GCS path ${JSON.stringify(input)}: ${reason}`);
  }
}

const SCHEME = 'gs://';
const MAX_OBJECT_NAME_BYTES = 1024;
// GCS: lowercase letters, digits, '-', '_', '.'; starts and ends with a letter
// or digit; 3-63 characters, or up to 222 when split by dots into parts of <= 63.
const BUCKET_CHARS = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
// Names are UTF-8 on the wire; a lone UTF-16 surrogate has no UTF-8 form.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `bucket` is not a valid GCS bucket name, or undefined when it is. */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length === 0) return 'the bucket name is empty';
  if (bucket.length < 3) return `bucket name ${JSON.stringify(bucket)} is shorter than 3 characters`;
  if (!BUCKET_CHARS.test(bucket)) {
    return `bucket name ${JSON.stringify(bucket)} may only hold lowercase letters, digits, '-', '_' and '.', and must start and end with a letter or digit`;
  }
  const parts = bucket.split('.');
  if (bucket.length > (parts.length > 1 ? 222 : 63)) {
    return `bucket name ${JSON.stringify(bucket)} is too long`;
  }
  if (parts.some((p) => p.length === 0 || p.length > 63)) {
    return `bucket name ${JSON.stringify(bucket)} has an empty or over-long dot-separated part`;
  }
  return undefined;
}

/**
 * Why `name` is not a valid object name (or prefix, when `allowEmpty`), or
 * undefined. These are GCS's own rules plus NUL, which no sane artifact holds
 * and which would truncate names in C-based tools.
 */
export function objectNameProblem(name: string, allowEmpty = false): string | undefined {
  if (name.length === 0) return allowEmpty ? undefined : 'the object name is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_OBJECT_NAME_BYTES) {
    return `object name is longer than ${MAX_OBJECT_NAME_BYTES} bytes`;
  }
  if (/[\r\n\0]/.test(name)) return 'object name contains CR, LF or NUL';
  if (name === '.' || name === '..') return `object name ${JSON.stringify(name)} is reserved`;
  if (LONE_SURROGATE.test(name)) return 'object name is not valid Unicode (lone surrogate)';
  return undefined;
}

/** Throws GcsPathError unless `bucket` is a valid bucket name. */
export function assertBucketName(bucket: string): void {
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined) throw new GcsPathError(bucket, problem);
}

/**
 * Parses `gs://bucket`, `gs://bucket/` or `gs://bucket/object/name`. The
 * object part is kept verbatim (a trailing '/' marks a prefix).
 */
export function parseGcsPath(url: string): GcsPath {
  if (url !== url.trim()) throw new GcsPathError(url, 'it has leading or trailing whitespace');
  if (!url.startsWith(SCHEME)) throw new GcsPathError(url, `it must start with ${SCHEME}`);
  const rest = url.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const object = slash === -1 ? '' : rest.slice(slash + 1);
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem !== undefined) throw new GcsPathError(url, bucketProblem);
  const objectProblem = objectNameProblem(object, true);
  if (objectProblem !== undefined) throw new GcsPathError(url, objectProblem);
  return { bucket, object };
}

/** The inverse of parseGcsPath. */
export function formatGcsPath(path: GcsPath): string {
  return `${SCHEME}${path.bucket}/${path.object}`;
}
