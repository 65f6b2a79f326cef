/**
 * Tells whether a service is stuck: it has work pending but has made no
 * progress for `stallMs`. A hung GCS or BigQuery call then fails /healthz and
 * Kubernetes restarts the pod, instead of Kettle freezing for days.
 */
export class Watchdog {
  private pendingSources = new Map<string, () => number>();
  private lastProgress: number;

  constructor(
    readonly stallMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastProgress = now();
  }

  /** Registers a source of pending work (queue depth, in-flight messages, ...). */
  watch(name: string, pending: () => number): void {
    this.pendingSources.set(name, pending);
  }

  progress(): void {
    this.lastProgress = this.now();
  }

  private running = 0;

  /** Runs one unit of work: pending while it runs, progress when it succeeds. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.pendingSources.has('in_flight')) this.watch('in_flight', () => this.running);
    this.running++;
    try {
      const result = await work();
      this.progress();
      return result;
    } finally {
      this.running--;
    }
  }

  pending(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, fn] of this.pendingSources) out[name] = fn();
    return out;
  }

  status(): { healthy: boolean; pending: Record<string, number>; sinceProgressMs: number } {
    const pending = this.pending();
    const sinceProgressMs = this.now() - this.lastProgress;
    const busy = Object.values(pending).some((n) => n > 0);
    return { healthy: !busy || sinceProgressMs <= this.stallMs, pending, sinceProgressMs };
  }
}
