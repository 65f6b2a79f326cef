import { bucketForPath, type BucketsConfig, type BuildMessage } from '@kettle/model';
import type { Logger } from '@kettle/service';
import type { Collector } from './collector';
import type { CollectorMetrics, NotificationOutcome } from './collector-metrics';

export type BuildPublisher = (msg: BuildMessage) => Promise<void>;

/** The attributes of a GCS notification (JSON_API_V1) that matter here. */
export type GcsNotification = { eventType?: string; bucketId?: string; objectId?: string };

/**
 * Turns a GCS change notification into a stored build and a `kettle-builds`
 * message. Only OBJECT_FINALIZE of `.../finished.json` under a configured
 * bucket (and not an excluded job) matters; everything else is acknowledged
 * at once. The build is read, committed with its JUnit, published, and only
 * then is the notification acknowledged (the caller acks when this resolves).
 * A failed read throws, so Pub/Sub redelivers the notification.
 */
export class NotificationHandler {
  constructor(
    private readonly collector: Collector,
    private readonly buckets: () => BucketsConfig,
    private readonly publish: BuildPublisher,
    private readonly metrics: CollectorMetrics,
    private readonly log: Logger,
  ) {}

  async handle(n: GcsNotification): Promise<NotificationOutcome> {
    const outcome = await this.outcome(n);
    this.metrics.notifications.inc({ outcome });
    return outcome;
  }

  private async outcome(n: GcsNotification): Promise<NotificationOutcome> {
    if (n.eventType !== 'OBJECT_FINALIZE' || !n.bucketId || !n.objectId?.endsWith('/finished.json')) return 'ignored';
    const path = `gs://${n.bucketId}/${n.objectId.slice(0, -'/finished.json'.length)}`;
    const bucket = bucketForPath(this.buckets(), path);
    const job = path.split('/').slice(-2, -1)[0];
    if (!bucket || bucket.excludeJobs.includes(job)) return 'outside_buckets';
    const result = await this.collector.collectBuild(path);
    if (result === 'failed') throw new Error(`${path}: reading the build failed; the notification will be redelivered`);
    if (result === 'absent') {
      this.log.warn(`${path}: notified finished.json is gone or unreadable`, { path });
      return 'absent';
    }
    // Published even when unchanged: a redelivered notification may follow a
    // crash between commit and publish; the transformer and loader are idempotent.
    await this.publish({ path });
    this.metrics.published.inc();
    return result;
  }
}
