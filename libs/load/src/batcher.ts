export type BatcherOptions = { maxItems: number; maxBytes: number; maxDelayMs: number };

type Pending<T, R> = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };

/**
 * Collects items into batches by count, bytes and time, and hands each caller
 * the outcome of its own item once the batch is flushed, so a message is acked
 * only after its batch is durable.
 */
export class Batcher<T, R> {
  private pending: Pending<T, R>[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing = new Set<Promise<void>>();

  constructor(
    private readonly opts: BatcherOptions,
    private readonly flushFn: (items: T[]) => Promise<R[]>,
  ) {}

  add(item: T, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.pending.length > 0 && this.bytes + bytes > this.opts.maxBytes) this.flush();
      this.pending.push({ item, resolve, reject });
      this.bytes += bytes;
      if (this.pending.length >= this.opts.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.maxDelayMs);
    });
  }

  get size(): number {
    return this.pending.length;
  }

  /** Starts flushing what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.bytes = 0;
    if (batch.length === 0) return;
    const run = this.flushFn(batch.map((p) => p.item)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i])),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
    this.flushing.add(run);
    void run.finally(() => this.flushing.delete(run));
  }

  /** Flushes and waits for every batch in flight (shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.flushing]);
  }
}
