export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Races a call against a deadline. The Google clients' own timeouts are not
 * honoured by every HTTP path (a hung BigQuery call hangs for ever), so every
 * remote call gets one of ours; callers retry idempotent calls after it.
 */
export async function withDeadline<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type BackoffOptions = { attempts: number; baseMs: number; maxMs: number };

/** Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^attempt)). */
export function backoffMs(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(opts.maxMs, opts.baseMs * 2 ** attempt));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
