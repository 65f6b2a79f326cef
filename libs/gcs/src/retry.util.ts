// Our own retry loop instead of the storage client's: its defaults (60 s per
// request, 3 retries after 2/4/8 s) let one hung server freeze a read for ~4
// minutes, and it cannot tell us about each attempt for the metrics.

import { asError, GcsRequestError, isErrorLike, GcsTimeoutError, TooLargeError, TruncatedBodyError, ChecksumMismatchError } from './gcs.errors';
import type { GcsMetrics } from './gcs-metrics.util';
import type { GcsOp, GcsOutcome } from './gcs.types';

export type RetryPolicy = {
  /** Attempts in total, including the first (>= 1). */
  maxAttempts: number;
  /** Backoff cap before attempt n+1 is min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8000 };

/** How one failed attempt is judged. */
export type Classified = { outcome: GcsOutcome; retryable: boolean; status?: number };

/**
 * "Full jitter" (AWS architecture blog): a uniform delay in [0, cap) spreads
 * clients that failed together, so a throttled GCS is not hit in waves.
 */
export function backoffDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  return Math.floor(random() * cap);
}

// Errors that mean a bug in our code, not a flaky network: never retried.
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * 429 and 5xx are transient, as are timeouts, cut bodies, checksum
 * mismatches and network errors (no HTTP status); other 4xx are final.
 */
export function classifyError(err: unknown): Classified {
  if (err instanceof TooLargeError) return { outcome: 'too_large', retryable: false };
  if (err instanceof GcsTimeoutError) return { outcome: 'timeout', retryable: true };
  if (err instanceof TruncatedBodyError || err instanceof ChecksumMismatchError) return { outcome: 'corrupt', retryable: true };
  if (isAbort(err)) return { outcome: 'aborted', retryable: false };
  const status = httpStatus(err);
  if (status !== undefined) {
    if (status === 404) return { outcome: 'not_found', retryable: false, status };
    if (status === 429) return { outcome: 'throttled', retryable: true, status };
    if (status >= 500) return { outcome: 'server_error', retryable: true, status };
    return { outcome: 'client_error', retryable: false, status };
  }
  // The storage client's CRC32C check on a whole-object download.
  if (errorCode(err) === 'CONTENT_DOWNLOAD_MISMATCH') return { outcome: 'corrupt', retryable: true };
  if (PROGRAMMING_ERRORS.some((kind) => err instanceof kind) && !hasSystemCode(err)) {
    return { outcome: 'invalid', retryable: false };
  }
  return { outcome: 'network_error', retryable: true };
}

export type RetryContext = {
  op: GcsOp;
  /** gs:// target for error messages. */
  target: string;
  policy: RetryPolicy;
  metrics: GcsMetrics;
  random: () => number;
  signal?: AbortSignal;
};

/**
 * Runs `attempt` until it succeeds, fails for good or the attempts run out,
 * recording every attempt. `attempt` returns the outcome to record with its
 * value (e.g. 'not_found' for a missing object, which is a success here).
 */
export async function withRetries<T>(
  ctx: RetryContext,
  attempt: (n: number) => Promise<{ value: T; outcome: GcsOutcome }>,
): Promise<T> {
  for (let n = 1; ; n++) {
    ctx.signal?.throwIfAborted();
    const started = performance.now();
    try {
      const { value, outcome } = await attempt(n);
      ctx.metrics.request(ctx.op, outcome, (performance.now() - started) / 1000);
      return value;
    } catch (err) {
      const verdict: Classified = ctx.signal?.aborted ? { outcome: 'aborted', retryable: false } : classifyError(err);
      ctx.metrics.request(ctx.op, verdict.outcome, (performance.now() - started) / 1000);
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (err instanceof TooLargeError || verdict.outcome === 'aborted') throw err;
      if (!verdict.retryable || n >= ctx.policy.maxAttempts) {
        throw new GcsRequestError(ctx.op, ctx.target, verdict.outcome, n, verdict.status, err);
      }
      ctx.metrics.retry(ctx.op);
      await sleep(backoffDelayMs(n, ctx.policy, ctx.random), ctx.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(asError(signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(asError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isAbort(err: unknown): boolean {
  return isErrorLike(err) && err.name === 'AbortError';
}

/** The HTTP status of a storage ApiError (`code`) or similar shapes. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  for (const key of ['code', 'status', 'statusCode'] as const) {
    const value: unknown = (err as Record<string, unknown>)[key];
    if (typeof value === 'number' && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>).code : undefined;
}

function hasSystemCode(err: unknown): boolean {
  const code = errorCode(err);
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
