/**
 * Polling with a deadline: the end-to-end tests wait for an observable state
 * (rows in a table, a counter in /metrics) instead of sleeping for a guessed
 * time, so they are as fast as the pipeline and fail with what was last seen.
 */
export type WaitOptions = {
  timeoutMs: number;
  /** Pause between probes; small, since every probe is a cheap local call. */
  intervalMs?: number;
  /** Describes the last state in the timeout error (e.g. "rows: 12 of 40"). */
  describe?: () => string | Promise<string>;
};

/** Resolves with the first value of `probe` that is not undefined/false; throws on timeout. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (e) {
      // A probe may fail while a service restarts (connection refused); keep polling.
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const state = opts.describe ? await opts.describe() : '';
      const cause = lastError instanceof Error ? `; last probe error: ${lastError.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${state ? `; last seen: ${state}` : ''}${cause}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
