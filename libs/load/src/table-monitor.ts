import type { BigQuery } from '@google-cloud/bigquery';
import { withDeadline } from '@kettle/service';
import type { TableTarget } from './table-target';

export type TableReport = { table: string; size_bytes: number; rows: number; last_modified: string; age_hours: number; stale: boolean };

/** The old monitor.py: size, rows, last modified time and age of each table. */
export async function reportTable(bq: BigQuery, t: Omit<TableTarget, 'days'>, staleHours: number, now = Date.now()): Promise<TableReport> {
  const label = `${t.project}:${t.dataset}.${t.table}`;
  const [meta] = (await withDeadline(`get table ${label}`, 30_000, () =>
    bq.dataset(t.dataset, { projectId: t.project }).table(t.table).getMetadata(),
  )) as [{ numBytes?: string; numRows?: string; lastModifiedTime?: string }, unknown];
  const modified = Number(meta.lastModifiedTime ?? 0);
  const age = (now - modified) / 3_600_000;
  return {
    table: label,
    size_bytes: Number(meta.numBytes ?? 0),
    rows: Number(meta.numRows ?? 0),
    last_modified: new Date(modified).toISOString(),
    age_hours: Math.round(age * 100) / 100,
    stale: age > staleHours,
  };
}

/** `project:dataset.table` or `project.dataset.table`. */
export function parseTableRef(text: string): Omit<TableTarget, 'days'> {
  const m = /^(.+)[:.]([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(text.trim());
  if (!m) throw new Error(`--table "${text}": expected PROJECT:DATASET.TABLE, e.g. k8s-gubernator:build.all`);
  return { project: m[1], dataset: m[2], table: m[3] };
}
