import { alreadyExists, invalid, notFound } from './api-error.util';
import { isExactJsonObject, stringifyExact, type ExactJson, type ExactJsonObject } from './exact-json.util';
import { rowBytes } from './row-format.util';
import { compileSchema, indexFields, schemaJson, type Field } from './row-validate.util';
import type { FieldSchema, StoredRow, TableInfo, TimePartitioning } from './server.types';

export type Dataset = {
  projectId: string;
  datasetId: string;
  location: string;
  creationTime: number;
  lastModifiedTime: number;
  extra: ExactJsonObject;
  tables: Map<string, Table>;
};

export type Table = {
  projectId: string;
  datasetId: string;
  tableId: string;
  fields: Field[];
  index: Map<string, Field>;
  timePartitioning?: TimePartitioning;
  extra: ExactJsonObject;
  rows: StoredRow[];
  numBytes: number;
  creationTime: number;
  lastModifiedTime: number;
  /** insertId → time first seen, for best-effort de-duplication like BigQuery's. */
  insertIds: Map<string, number>;
};

// Table and dataset attributes we keep and echo back without interpreting them.
const PASSTHROUGH = ['description', 'friendlyName', 'labels', 'expirationTime', 'clustering', 'defaultTableExpirationMs'];
const ID = /^[A-Za-z0-9_-]{1,1024}$/;

function pick(body: ExactJsonObject): ExactJsonObject {
  const out: ExactJsonObject = {};
  for (const key of PASSTHROUGH) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

/** Last-modified times must move forward even when two changes land in the same millisecond. */
let lastStamp = 0;
export function now(): number {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return lastStamp;
}

export class BigQueryStore {
  readonly datasets = new Map<string, Dataset>();

  private static key(projectId: string, datasetId: string): string {
    return `${projectId}:${datasetId}`;
  }

  dataset(projectId: string, datasetId: string): Dataset {
    const ds = this.datasets.get(BigQueryStore.key(projectId, datasetId));
    if (!ds) throw notFound(`Dataset ${projectId}:${datasetId}`);
    return ds;
  }

  insertDataset(projectId: string, body: ExactJsonObject): Dataset {
    const ref = isExactJsonObject(body.datasetReference) ? body.datasetReference : {};
    const datasetId = ref.datasetId;
    if (typeof datasetId !== 'string' || !ID.test(datasetId)) throw invalid(`Invalid dataset ID "${text(datasetId)}".`);
    const key = BigQueryStore.key(projectId, datasetId);
    if (this.datasets.has(key)) throw alreadyExists(`Dataset ${projectId}:${datasetId}`);
    const t = now();
    const ds: Dataset = {
      projectId,
      datasetId,
      location: typeof body.location === 'string' ? body.location : 'US',
      creationTime: t,
      lastModifiedTime: t,
      extra: pick(body),
      tables: new Map(),
    };
    this.datasets.set(key, ds);
    return ds;
  }

  deleteDataset(projectId: string, datasetId: string, deleteContents: boolean): void {
    const ds = this.dataset(projectId, datasetId);
    if (ds.tables.size > 0 && !deleteContents) throw invalid(`Dataset ${projectId}:${datasetId} is still in use`);
    this.datasets.delete(BigQueryStore.key(projectId, datasetId));
  }

  table(projectId: string, datasetId: string, tableId: string): Table {
    const ds = this.datasets.get(BigQueryStore.key(projectId, datasetId));
    const table = ds?.tables.get(tableId);
    if (!table) throw notFound(`Table ${projectId}:${datasetId}.${tableId}`);
    return table;
  }

  findTable(projectId: string, datasetId: string, tableId: string): Table | undefined {
    return this.datasets.get(BigQueryStore.key(projectId, datasetId))?.tables.get(tableId);
  }

  insertTable(projectId: string, datasetId: string, body: ExactJsonObject): Table {
    const ds = this.dataset(projectId, datasetId);
    const ref = isExactJsonObject(body.tableReference) ? body.tableReference : {};
    const tableId = ref.tableId;
    if (typeof tableId !== 'string' || !ID.test(tableId)) throw invalid(`Invalid table ID "${text(tableId)}".`);
    if (ds.tables.has(tableId)) throw alreadyExists(`Table ${projectId}:${datasetId}.${tableId}`);
    const fields = compileSchema(schemaFields(body.schema));
    const t = now();
    const table: Table = {
      projectId,
      datasetId,
      tableId,
      fields,
      index: indexFields(fields),
      extra: pick(body),
      rows: [],
      numBytes: 0,
      creationTime: t,
      lastModifiedTime: t,
      insertIds: new Map(),
    };
    const partitioning = timePartitioning(body.timePartitioning, fields);
    if (partitioning) table.timePartitioning = partitioning;
    ds.tables.set(tableId, table);
    return table;
  }

  /**
   * tables.patch (merge) and tables.update (replace). A schema change may only
   * add fields or relax REQUIRED to NULLABLE, as in BigQuery; dropping or
   * retyping a field is refused.
   */
  patchTable(table: Table, body: ExactJsonObject, replace: boolean): Table {
    if (body.schema !== undefined) {
      const fields = compileSchema(schemaFields(body.schema));
      checkSchemaEvolution(table.fields, fields, '');
      table.fields = fields;
      table.index = indexFields(fields);
    }
    if (body.timePartitioning !== undefined) {
      const partitioning = timePartitioning(body.timePartitioning, table.fields);
      if (partitioning) table.timePartitioning = partitioning;
      else delete table.timePartitioning;
    }
    table.extra = replace ? pick(body) : { ...table.extra, ...pick(body) };
    table.lastModifiedTime = now();
    return table;
  }

  deleteTable(projectId: string, datasetId: string, tableId: string): void {
    this.table(projectId, datasetId, tableId);
    this.dataset(projectId, datasetId).tables.delete(tableId);
  }

  appendRows(table: Table, rows: readonly StoredRow[], bytes: number): void {
    for (const row of rows) table.rows.push(row);
    table.numBytes += bytes;
    table.lastModifiedTime = now();
  }

  replaceRows(table: Table, rows: StoredRow[], bytes: number): void {
    table.rows = rows;
    table.numBytes = bytes;
    table.lastModifiedTime = now();
  }

  datasetResource(ds: Dataset): ExactJsonObject {
    const id = `${ds.projectId}:${ds.datasetId}`;
    return {
      kind: 'bigquery#dataset',
      etag: etag(ds.lastModifiedTime),
      id,
      selfLink: `/bigquery/v2/projects/${ds.projectId}/datasets/${ds.datasetId}`,
      datasetReference: { datasetId: ds.datasetId, projectId: ds.projectId },
      ...ds.extra,
      location: ds.location,
      type: 'DEFAULT',
      creationTime: String(ds.creationTime),
      lastModifiedTime: String(ds.lastModifiedTime),
    };
  }

  /** The table resource with its counts as strings, as BigQuery sends int64 fields. */
  tableResource(t: Table): ExactJsonObject {
    const location = this.datasets.get(BigQueryStore.key(t.projectId, t.datasetId))?.location ?? 'US';
    return {
      kind: 'bigquery#table',
      etag: etag(t.lastModifiedTime),
      id: `${t.projectId}:${t.datasetId}.${t.tableId}`,
      selfLink: `/bigquery/v2/projects/${t.projectId}/datasets/${t.datasetId}/tables/${t.tableId}`,
      tableReference: { projectId: t.projectId, datasetId: t.datasetId, tableId: t.tableId },
      ...t.extra,
      schema: { fields: schemaJson(t.fields) as unknown as ExactJson[] },
      ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
      numBytes: String(t.numBytes),
      numLongTermBytes: '0',
      numRows: String(t.rows.length),
      creationTime: String(t.creationTime),
      lastModifiedTime: String(t.lastModifiedTime),
      type: 'TABLE',
      location,
    };
  }

  tableInfo(t: Table): TableInfo {
    return {
      projectId: t.projectId,
      datasetId: t.datasetId,
      tableId: t.tableId,
      schema: schemaJson(t.fields),
      ...(t.timePartitioning ? { timePartitioning: { ...t.timePartitioning } } : {}),
      numRows: t.rows.length,
      numBytes: t.numBytes,
      creationTime: t.creationTime,
      lastModifiedTime: t.lastModifiedTime,
    };
  }

  /** Everything but the insertId sets, as JSON, for --data-dir persistence. */
  snapshot(): StoreSnapshot {
    return {
      datasets: [...this.datasets.values()].map(({ tables, ...ds }) => ({
        ...ds,
        tables: [...tables.values()].map((t) => ({
          ...this.tableInfo(t),
          extra: t.extra,
          rows: t.rows,
        })),
      })),
    };
  }

  restore(snapshot: StoreSnapshot): void {
    this.datasets.clear();
    for (const ds of snapshot.datasets) {
      const tables = new Map<string, Table>();
      for (const t of ds.tables) {
        const fields = compileSchema(t.schema);
        tables.set(t.tableId, {
          projectId: t.projectId,
          datasetId: t.datasetId,
          tableId: t.tableId,
          fields,
          index: indexFields(fields),
          ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
          extra: t.extra,
          rows: t.rows,
          numBytes: t.rows.reduce((n, r) => n + rowBytes(fields, r), 0),
          creationTime: t.creationTime,
          lastModifiedTime: t.lastModifiedTime,
          insertIds: new Map(),
        });
      }
      const { projectId, datasetId, location, creationTime, lastModifiedTime, extra } = ds;
      this.datasets.set(BigQueryStore.key(projectId, datasetId), { projectId, datasetId, location, creationTime, lastModifiedTime, extra, tables });
    }
  }
}

export type StoreSnapshot = {
  datasets: (Omit<Dataset, 'tables'> & { tables: (TableInfo & { extra: ExactJsonObject; rows: StoredRow[] })[] })[];
};

/** A request value in an error message or a string field, whatever JSON type it came as. */
export function text(value: ExactJson | undefined): string {
  return typeof value === 'string' ? value : value === undefined ? '' : stringifyExact(value);
}

function etag(t: number): string {
  return Buffer.from(String(t)).toString('base64');
}

export function schemaFields(schema: ExactJson | undefined): FieldSchema[] {
  if (schema === undefined || schema === null) return [];
  if (!isExactJsonObject(schema) || !Array.isArray(schema.fields)) throw invalid('Invalid schema: expected {fields: [...]}.');
  return schema.fields as unknown as FieldSchema[];
}

function timePartitioning(value: ExactJson | undefined, fields: readonly Field[]): TimePartitioning | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isExactJsonObject(value)) throw invalid('Invalid timePartitioning.');
  const type = typeof value.type === 'string' ? value.type : 'DAY';
  if (!['DAY', 'HOUR', 'MONTH', 'YEAR'].includes(type)) throw invalid(`Invalid value for type: ${type}`);
  const out: TimePartitioning = { type };
  if (typeof value.field === 'string') {
    const field = fields.find((f) => f.name.toLowerCase() === (value.field as string).toLowerCase());
    if (!field || field.type !== 'TIMESTAMP' || field.mode === 'REPEATED') {
      throw invalid(`The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${field?.type ?? 'none'}.`);
    }
    out.field = field.name;
  }
  if (value.expirationMs !== undefined) out.expirationMs = text(value.expirationMs);
  return out;
}

function checkSchemaEvolution(old: readonly Field[], next: readonly Field[], prefix: string): void {
  for (const field of old) {
    const now = next.find((f) => f.name.toLowerCase() === field.name.toLowerCase());
    const name = prefix + field.name;
    if (!now) throw invalid(`Provided Schema does not match Table. Field ${name} is missing in new schema`);
    if (now.type !== field.type) throw invalid(`Provided Schema does not match Table. Field ${name} has changed type from ${field.type} to ${now.type}`);
    const relaxed = field.mode === 'REQUIRED' && now.mode === 'NULLABLE';
    if (now.mode !== field.mode && !relaxed) throw invalid(`Provided Schema does not match Table. Field ${name} has changed mode from ${field.mode} to ${now.mode}`);
    if (field.fields) checkSchemaEvolution(field.fields, now.fields ?? [], name + '.');
  }
  for (const field of next) {
    const existed = old.some((f) => f.name.toLowerCase() === field.name.toLowerCase());
    if (!existed && field.mode === 'REQUIRED') throw invalid(`Provided Schema does not match Table. Cannot add required field ${prefix + field.name}`);
  }
}
