import type { GcsOp, GcsOutcome } from './gcs.types';

/**
 * An object over the caller's size cap. Not retried: it will not shrink. The
 * collector counts it and skips the artifact (old Kettle loaded any size).
 */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';

  constructor(
    /** gs://bucket/name of the object. */
    readonly object: string,
    readonly maxBytes: number,
    /** The size when known before reading (from metadata or headers). */
    readonly size?: number,
  ) {
    super(
      size === undefined
        ? `${object} is larger than the ${maxBytes}-byte cap`
        : `${object} is ${size} bytes, over the ${maxBytes}-byte cap`,
    );
  }
}

/**
 * A request that failed for good: either not retryable (4xx other than 429)
 * or still failing after the last attempt. `outcome` says why, `status`
 * carries the HTTP status when there was one, `cause` the last error.
 */
export class GcsRequestError extends Error {
  override readonly name = 'GcsRequestError';

  constructor(
    readonly op: GcsOp,
    /** gs://bucket/name, or gs://bucket/prefix for a listing. */
    readonly target: string,
    readonly outcome: GcsOutcome,
    readonly attempts: number,
    readonly status: number | undefined,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `GCS ${op} of ${target} failed (${outcome}${status === undefined ? '' : ` ${status}`}) after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${firstLine(detail)}`,
      { cause },
    );
  }
}

/** One attempt exceeded its deadline; retried like a network error. */
export class GcsTimeoutError extends Error {
  override readonly name = 'GcsTimeoutError';

  constructor(
    readonly op: GcsOp,
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`GCS ${op} of ${target} got no complete answer within ${timeoutMs} ms`);
  }
}

/** The body ended before the announced length: a cut connection, retried. */
export class TruncatedBodyError extends Error {
  override readonly name = 'TruncatedBodyError';

  constructor(
    readonly target: string,
    readonly expected: number,
    readonly received: number,
  ) {
    super(`${target}: body has ${received} of ${expected} bytes`);
  }
}

/** A body whose CRC32C differs from the X-Goog-Hash header: cut short or corrupted on the way. Retried. */
export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';

  constructor(
    readonly target: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${target}: body crc32c ${actual} differs from the ${expected} GCS sent`);
  }
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/** Throws RangeError unless `maxBytes` is a usable cap (a typo must not mean "no cap"). */
export function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
}

/** Rejections carry Errors; abort reasons and thrown values may not be. */
export function asError(value: unknown): Error {
  return isErrorLike(value) ? value : new Error(String(value));
}

/**
 * `instanceof Error` fails across realms (Jest's vm contexts, DOMException
 * from Node internals); duck-type instead.
 */
export function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { name, message } = value as { name?: unknown; message?: unknown };
  return typeof name === 'string' && typeof message === 'string';
}
