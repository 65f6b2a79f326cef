import { Counter, Histogram, Registry } from 'prom-client';
import type { GcsOp, GcsOutcome } from './gcs.types';

/** Prometheus instruments shared by every GcsReader implementation. */
export type GcsMetrics = {
  /** Counts one attempt (one HTTP request for the real client). */
  request(op: GcsOp, outcome: GcsOutcome, seconds: number): void;
  readBytes(bytes: number): void;
  retry(op: GcsOp): void;
};

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Registers (or reuses, when another client already registered them on the
 * same registry) kettle_gcs_requests_total{op,outcome},
 * kettle_gcs_request_seconds{op}, kettle_gcs_read_bytes_total and
 * kettle_gcs_retries_total{op}. Without a registry the metrics go to a
 * private one, so callers never have to test for absence.
 */
export function createGcsMetrics(registry: Registry = new Registry()): GcsMetrics {
  const requests = reuse(
    registry,
    'kettle_gcs_requests_total',
    (name) =>
      new Counter({
        name,
        help: 'GCS requests (attempts) by operation and outcome.',
        labelNames: ['op', 'outcome'] as const,
        registers: [registry],
      }),
    Counter<'op' | 'outcome'>,
  );
  const seconds = reuse(
    registry,
    'kettle_gcs_request_seconds',
    (name) =>
      new Histogram({
        name,
        help: 'Duration of one GCS request (attempt), by operation.',
        labelNames: ['op'] as const,
        buckets: LATENCY_BUCKETS,
        registers: [registry],
      }),
    Histogram<'op'>,
  );
  const bytes = reuse(
    registry,
    'kettle_gcs_read_bytes_total',
    (name) => new Counter({ name, help: 'Bytes of GCS objects read successfully.', registers: [registry] }),
    Counter<string>,
  );
  const retries = reuse(
    registry,
    'kettle_gcs_retries_total',
    (name) =>
      new Counter({
        name,
        help: 'GCS requests retried after a transient failure, by operation.',
        labelNames: ['op'] as const,
        registers: [registry],
      }),
    Counter<'op'>,
  );
  return {
    request(op, outcome, elapsed) {
      requests.inc({ op, outcome });
      seconds.observe({ op }, elapsed);
    },
    readBytes(n) {
      bytes.inc(n);
    },
    retry(op) {
      retries.inc({ op });
    },
  };
}

function reuse<M>(
  registry: Registry,
  name: string,
  create: (name: string) => M,
  kind: abstract new (...args: never[]) => M,
): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create(name);
  if (existing instanceof kind) return existing;
  throw new Error(`metric ${name} is already registered with another type`);
}
