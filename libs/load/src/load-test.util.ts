import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startBigQueryServer } from '@kettle/bigquery-server';
import { KettleStore, type BuildRow } from '@kettle/model';
import { createBigQuery } from './bigquery-client';
import { ensureTable } from './bq-tables';
import { LoaderMetrics } from './loader-metrics';
import type { TableTarget } from './table-target';

export type LoadHarness = {
  server: Awaited<ReturnType<typeof startBigQueryServer>>;
  store: KettleStore;
  registry: Registry;
  metrics: LoaderMetrics;
  bq: ReturnType<typeof createBigQuery>;
  dir: string;
  close(): Promise<void>;
};

/** A real local BigQuery server (no insertId de-duplication, so a double insert shows), a store and the real client. */
export async function loadHarness(): Promise<LoadHarness> {
  const server = await startBigQueryServer({ dedupeWindowMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'kettle-load-test-'));
  const store = KettleStore.open(join(dir, 'build.db'));
  const registry = new Registry();
  return {
    server,
    store,
    registry,
    metrics: new LoaderMetrics(registry),
    bq: createBigQuery({ projectId: 'kettle-test', endpoint: server.url }),
    dir,
    async close() {
      store.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const target = (table: string, days = 0): TableTarget => ({ project: 'kettle-test', dataset: 'build', table, days });

export async function createTables(h: LoadHarness, ...targets: TableTarget[]): Promise<void> {
  for (const t of targets) await ensureTable(h.bq, t);
}

/** Stores a finished build and returns its row message. */
export function storedRow(h: LoadHarness, n: number, finished: number, extra: Partial<BuildRow> = {}): { path: string; row: BuildRow } {
  const path = `gs://kubernetes-jenkins/logs/ci-job/${n}`;
  h.store.insertBuild(path, { timestamp: finished - 60 }, { timestamp: finished, result: 'SUCCESS' });
  return { path, row: { path, job: 'ci-job', number: String(n), started: finished - 60, finished, elapsed: 60, passed: true, result: 'SUCCESS', tests_run: 0, tests_failed: 0, test: [], ...extra } };
}

export const metricValue = async (h: LoadHarness, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const m = (await h.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v ? v.value : 0;
};
