import { Counter, Gauge, type Registry } from 'prom-client';

export type NotificationOutcome = 'stored' | 'unchanged' | 'ignored' | 'outside_buckets' | 'absent' | 'failed';

/** The collector's own metrics (GCS request metrics come from libs/gcs). */
export class CollectorMetrics {
  readonly buildsStored: Counter<'bucket'>;
  readonly junitFiles: Counter;
  readonly junitBytes: Counter;
  readonly badInput: Counter<'kind'>;
  readonly notifications: Counter<'outcome'>;
  readonly published: Counter;
  readonly backlog: Gauge;
  readonly lastRelist: Gauge;
  readonly relistSeconds: Gauge;
  readonly newestFinished: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.buildsStored = new Counter({ name: 'kettle_collector_builds_stored_total', help: 'Builds stored (new or changed), by bucket', labelNames: ['bucket'], registers });
    this.junitFiles = new Counter({ name: 'kettle_collector_junit_files_total', help: 'JUnit files stored', registers });
    this.junitBytes = new Counter({ name: 'kettle_collector_junit_bytes_total', help: 'JUnit bytes read from GCS', registers });
    this.badInput = new Counter({ name: 'kettle_collector_bad_input_total', help: 'Objects skipped as bad input, by kind', labelNames: ['kind'], registers });
    this.notifications = new Counter({ name: 'kettle_collector_notifications_total', help: 'GCS notifications, by outcome', labelNames: ['outcome'], registers });
    this.published = new Counter({ name: 'kettle_collector_builds_published_total', help: 'Builds published to kettle-builds', registers });
    this.backlog = new Gauge({ name: 'kettle_collector_junit_backlog', help: 'Builds waiting for their JUnit files', registers });
    this.lastRelist = new Gauge({ name: 'kettle_collector_last_relist_timestamp_seconds', help: 'When the last full re-list completed', registers });
    this.relistSeconds = new Gauge({ name: 'kettle_collector_relist_duration_seconds', help: 'How long the last full re-list took', registers });
    this.newestFinished = new Gauge({ name: 'kettle_collector_newest_finished_timestamp_seconds', help: 'Newest finished time of a build the collector stored', registers });
  }

  private newest = 0;

  /** Raises the freshness gauge; every Collector (one per re-list, one for notifications) shares it. */
  sawFinished(finished: number): void {
    if (finished > this.newest) {
      this.newest = finished;
      this.newestFinished.set(finished);
    }
  }
}
