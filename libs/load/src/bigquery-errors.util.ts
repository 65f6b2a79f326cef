/** What kind of failure a BigQuery call ended in, to decide retry / split / give up. */
export type FailureKind = 'retryable' | 'too-large' | 'fatal';

type ApiErrorLike = { code?: unknown; message?: unknown; errors?: unknown; name?: unknown };

const RETRYABLE_REASONS = new Set(['rateLimitExceeded', 'backendError', 'internalError', 'quotaExceeded', 'timeout']);

export function classifyFailure(err: unknown): FailureKind {
  const e = (err ?? {}) as ApiErrorLike;
  const code = typeof e.code === 'number' ? e.code : Number(e.code);
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code === 413 || /payload size exceeds|request too large|too large/i.test(message)) return 'too-large';
  if (e.name === 'DeadlineError') return 'retryable';
  if (code === 429 || (code >= 500 && code < 600)) return 'retryable';
  const reasons = Array.isArray(e.errors) ? (e.errors as { reason?: string }[]).map((x) => x.reason) : [];
  if (reasons.some((r) => r !== undefined && RETRYABLE_REASONS.has(r))) return 'retryable';
  // Node network errors carry a string code (ECONNRESET, ECONNREFUSED, ...).
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return 'retryable';
  if (/socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|network/i.test(message)) return 'retryable';
  return 'fatal';
}

export function failureReason(err: unknown): string {
  const e = (err ?? {}) as ApiErrorLike;
  const first = Array.isArray(e.errors) ? (e.errors as { reason?: string }[])[0]?.reason : undefined;
  if (first) return first;
  if (typeof e.code === 'number') return `http_${e.code}`;
  if (typeof e.code === 'string') return e.code;
  return e.name === 'DeadlineError' ? 'deadline' : 'error';
}
