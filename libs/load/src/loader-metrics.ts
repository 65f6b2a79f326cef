import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The loader's metrics; freshness (newest `finished` per table) is what alerts use. */
export class LoaderMetrics {
  readonly rowsInserted: Counter<'table'>;
  readonly insertErrors: Counter<'table' | 'reason'>;
  readonly batchRows: Histogram;
  readonly batchBytes: Histogram;
  readonly insertSeconds: Histogram<'table'>;
  readonly lastInsert: Gauge<'table'>;
  readonly newestFinished: Gauge<'table'>;
  readonly retries: Counter<'table'>;
  readonly rotations: Counter<'table' | 'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rowsInserted = new Counter({ name: 'kettle_loader_rows_inserted_total', help: 'Rows inserted, by table', labelNames: ['table'], registers });
    this.insertErrors = new Counter({
      name: 'kettle_loader_insert_errors_total',
      help: 'Rows or requests BigQuery rejected, by table and reason',
      labelNames: ['table', 'reason'],
      registers,
    });
    this.batchRows = new Histogram({ name: 'kettle_loader_batch_rows', help: 'Rows per insert request', buckets: [1, 10, 50, 100, 250, 500], registers });
    this.batchBytes = new Histogram({
      name: 'kettle_loader_batch_bytes',
      help: 'Bytes per insert request',
      buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 1e7],
      registers,
    });
    this.insertSeconds = new Histogram({
      name: 'kettle_loader_insert_seconds',
      help: 'Latency of one insert request',
      labelNames: ['table'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.lastInsert = new Gauge({
      name: 'kettle_loader_last_insert_timestamp_seconds',
      help: 'Time of the last successful insert, by table',
      labelNames: ['table'],
      registers,
    });
    this.newestFinished = new Gauge({
      name: 'kettle_table_newest_finished_timestamp_seconds',
      help: 'Newest finished time of a build present in each table (freshness)',
      labelNames: ['table'],
      registers,
    });
    this.retries = new Counter({ name: 'kettle_loader_retries_total', help: 'Insert requests retried, by table', labelNames: ['table'], registers });
    this.rotations = new Counter({
      name: 'kettle_loader_rotations_total',
      help: 'Table rebuilds (rotation), by table and outcome',
      labelNames: ['table', 'outcome'],
      registers,
    });
  }

  private newest = new Map<string, number>();

  /** Raises the table's freshness gauge (rows can arrive out of order). */
  sawFinished(table: string, finished: number): void {
    if (finished > (this.newest.get(table) ?? 0)) {
      this.newest.set(table, finished);
      this.newestFinished.set({ table }, finished);
    }
  }
}
