import pLimit from 'p-limit';
import type { BucketsConfig, KettleStore } from '@kettle/model';
import type { Logger } from '@kettle/service';
import type { Collector } from './collector';
import type { CollectorMetrics } from './collector-metrics';
import type { BuildPublisher } from './notification-handler';

export type RelisterOptions = { intervalSeconds: number; publishConcurrency?: number };

/**
 * The collector's periodic full pass, side by side with the notification
 * stream (it never blocks it): re-read buckets.yaml, walk every bucket,
 * fetch missing JUnit, then publish every finished build waiting in the
 * store's outbox and take it out only once Pub/Sub accepted it.
 */
export class Relister {
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  running = false;

  constructor(
    private readonly newCollector: () => Collector,
    private readonly store: KettleStore,
    private readonly loadBuckets: () => Promise<BucketsConfig>,
    private readonly publish: BuildPublisher,
    private readonly metrics: CollectorMetrics,
    private readonly log: Logger,
    private readonly opts: RelisterOptions,
    private readonly onProgress: () => void = () => undefined,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  /** One full pass (also used directly by `kettle run`). */
  async cycle(): Promise<void> {
    const started = Date.now();
    this.running = true;
    try {
      // Publish what a previous run stored but could not publish first: fresh builds before the long walk.
      await this.drainOutbox();
      const config = await this.loadBuckets();
      const collector = this.newCollector();
      const progress = setInterval(() => {
        this.metrics.backlog.set(this.store.countMissingJunit());
        this.onProgress();
      }, 5000);
      try {
        await collector.collect(config, this.abort.signal);
      } finally {
        clearInterval(progress);
      }
      await this.drainOutbox();
      this.metrics.backlog.set(this.store.countMissingJunit());
      if (!this.abort.signal.aborted) {
        this.metrics.lastRelist.set(Date.now() / 1000);
        this.metrics.relistSeconds.set((Date.now() - started) / 1000);
        this.log.info(`re-list done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${collector.stats.line()}`);
      }
    } finally {
      this.running = false;
    }
  }

  /** Publishes the outbox a page at a time; returns how many were published. */
  async drainOutbox(): Promise<number> {
    const limit = pLimit(this.opts.publishConcurrency ?? 64);
    let total = 0;
    for (;;) {
      const page = this.store.pendingPublish(500);
      if (page.length === 0 || this.abort.signal.aborted) return total;
      const ok: number[] = [];
      await Promise.all(
        page.map((b) =>
          limit(async () => {
            try {
              await this.publish({ path: b.path });
              ok.push(b.id);
            } catch (e) {
              this.log.error(`${b.path}: publish failed; stays in the outbox`, { path: b.path, error: e });
            }
          }),
        ),
      );
      this.store.markPublished(ok);
      this.metrics.published.inc(ok.length);
      total += ok.length;
      this.onProgress();
      if (ok.length < page.length) return total;
    }
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.cycle();
      } catch (e) {
        this.log.error('re-list failed; next attempt after the interval', { error: e });
      }
      // stop() during a cycle finds no wake-up yet: check before sleeping an interval.
      if (this.abort.signal.aborted) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.opts.intervalSeconds * 1000);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}
