import { Counter, Histogram, type Registry } from 'prom-client';

export class TransformerMetrics {
  readonly rowsBuilt: Counter;
  readonly buildsSkipped: Counter<'reason'>;
  readonly junitFiles: Counter;
  readonly parseErrors: Counter<'kind'>;
  readonly rowBytes: Histogram;
  readonly handleSeconds: Histogram<'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rowsBuilt = new Counter({ name: 'kettle_transformer_rows_built_total', help: 'Rows built and published', registers });
    this.buildsSkipped = new Counter({ name: 'kettle_transformer_builds_skipped_total', help: 'Builds that gave no row, by reason', labelNames: ['reason'], registers });
    this.junitFiles = new Counter({ name: 'kettle_transformer_junit_files_parsed_total', help: 'JUnit files parsed', registers });
    this.parseErrors = new Counter({ name: 'kettle_transformer_parse_errors_total', help: 'Problems in build data, by kind', labelNames: ['kind'], registers });
    this.rowBytes = new Histogram({ name: 'kettle_transformer_row_bytes', help: 'Size of a row as JSON', buckets: [1e3, 1e4, 1e5, 1e6, 5e6, 1e7], registers });
    this.handleSeconds = new Histogram({
      name: 'kettle_transformer_handle_seconds',
      help: 'Time to build and publish one row',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
  }
}
