import type { BigQuery } from '@google-cloud/bigquery';
import { BUILD_SCHEMA, type SchemaField } from '@kettle/model';
import { withDeadline } from '@kettle/service';
import { tableLabel, type TableTarget } from './table-target';

export class SchemaMismatchError extends Error {}

/**
 * Creates the dataset and table when missing (schema of libs/model, optionally
 * day-partitioned on `finished`), and refuses to start on a table whose
 * schema lacks our fields or types them differently: every insert would fail.
 */
export async function ensureTable(
  bq: BigQuery,
  target: TableTarget,
  opts: { partitionByDay?: boolean; deadlineMs?: number } = {},
): Promise<'created' | 'exists'> {
  const ms = opts.deadlineMs ?? 30_000;
  const label = tableLabel(target);
  const dataset = bq.dataset(target.dataset, { projectId: target.project });
  const [dsExists] = await withDeadline(`get dataset ${target.project}:${target.dataset}`, ms, () => dataset.exists());
  if (!dsExists) await withDeadline(`create dataset ${target.dataset}`, ms, () => dataset.create()).catch(ignoreAlreadyExists);
  const table = dataset.table(target.table);
  const [exists] = await withDeadline(`get table ${label}`, ms, () => table.exists());
  if (!exists) {
    await withDeadline(`create table ${label}`, ms, () =>
      table.create({
        schema: { fields: BUILD_SCHEMA.map(toApiField) },
        ...(opts.partitionByDay ? { timePartitioning: { type: 'DAY', field: 'finished' } } : {}),
      }),
    ).catch(ignoreAlreadyExists);
    return 'created';
  }
  const [meta] = (await withDeadline(`get table ${label}`, ms, () => table.getMetadata())) as [{ schema?: { fields?: SchemaField[] } }, unknown];
  const problems = schemaProblems(BUILD_SCHEMA, meta.schema?.fields ?? []);
  if (problems.length > 0) throw new SchemaMismatchError(`${label}: schema does not fit Kettle rows: ${problems.join('; ')}`);
  return 'exists';
}

export function schemaProblems(want: readonly SchemaField[], have: readonly SchemaField[], path = ''): string[] {
  const problems: string[] = [];
  for (const w of want) {
    const h = have.find((f) => f.name === w.name);
    const name = path + w.name;
    if (!h) {
      problems.push(`missing field ${name}`);
      continue;
    }
    const type = h.type === 'RECORD' || (h.type as string) === 'STRUCT' ? 'RECORD' : (h.type as string) === 'INT64' ? 'INTEGER' : (h.type as string) === 'FLOAT64' ? 'FLOAT' : (h.type as string) === 'BOOL' ? 'BOOLEAN' : h.type;
    if (type !== w.type) problems.push(`field ${name} is ${h.type}, expected ${w.type}`);
    if ((h.mode ?? 'NULLABLE') !== w.mode) problems.push(`field ${name} is ${h.mode ?? 'NULLABLE'}, expected ${w.mode}`);
    if (w.fields) problems.push(...schemaProblems(w.fields, h.fields ?? [], name + '.'));
  }
  return problems;
}

function toApiField(f: SchemaField): { name: string; type: string; mode: string; description?: string; fields?: unknown[] } {
  return { name: f.name, type: f.type, mode: f.mode, description: f.description, ...(f.fields ? { fields: f.fields.map(toApiField) } : {}) };
}

function ignoreAlreadyExists(e: unknown): void {
  if ((e as { code?: number }).code !== 409) throw e;
}
