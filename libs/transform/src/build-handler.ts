import type { BucketsConfig, BuildMessage, KettleStore, RowMessage } from '@kettle/model';
import type { Logger } from '@kettle/service';
import { rowJson } from './ndjson.util';
import { buildRow } from './row-builder';
import type { TransformerMetrics } from './transformer-metrics';

export type RowPublisher = (msg: RowMessage) => Promise<void>;
export type BuildOutcome = 'published' | 'no-row';

/**
 * The transformer's work for one `kettle-builds` message: read the build and
 * its JUnit from the store, build the row, publish it on `kettle-rows`. It
 * resolves only after Pub/Sub accepted the row, so the input is acked after.
 * A build that is not in the store is an error (retried): the collector
 * commits before it publishes, so this is a lagging or foreign store.
 */
export class BuildHandler {
  constructor(
    private readonly store: KettleStore,
    private readonly buckets: () => BucketsConfig,
    private readonly publish: RowPublisher,
    private readonly metrics: TransformerMetrics,
    private readonly log: Logger,
  ) {}

  async handle(msg: BuildMessage): Promise<BuildOutcome> {
    const stop = this.metrics.handleSeconds.startTimer();
    const build = this.store.buildByPath(msg.path);
    if (!build) {
      stop({ outcome: 'missing' });
      throw new Error(`${msg.path}: not in the store ${this.store.db.name}`);
    }
    const junit = this.store.junitFiles(msg.path);
    const r = buildRow(build, junit, this.buckets());
    this.metrics.junitFiles.inc(r.junitFiles);
    for (const p of r.problems) {
      this.metrics.parseErrors.inc({ kind: p.kind });
      this.log.warn(`${p.file ?? msg.path}: ${p.kind}: ${p.detail}`, { path: msg.path });
    }
    if (!r.row) {
      this.metrics.buildsSkipped.inc({ reason: 'unfinished' });
      stop({ outcome: 'no_row' });
      return 'no-row';
    }
    this.metrics.rowBytes.observe(rowJson(r.row).length);
    await this.publish({ path: msg.path, row: r.row });
    this.metrics.rowsBuilt.inc();
    stop({ outcome: 'published' });
    return 'published';
  }
}
