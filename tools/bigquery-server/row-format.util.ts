import type { Field } from './row-validate.util';
import type { CellValue, StoredRow } from './server.types';

/** How tabledata.list writes TIMESTAMP cells, chosen by its `formatOptions.*` parameters. */
export type TimestampFormat = 'micros' | 'iso' | 'seconds';

export type WireCell = { v: WireValue };
export type WireValue = string | null | WireCell[] | { f: WireCell[] };

export function timestampFormat(query: URLSearchParams): TimestampFormat {
  const output = query.get('formatOptions.timestampOutputFormat');
  if (output === 'ISO8601_STRING') return 'iso';
  if (query.get('formatOptions.useInt64Timestamp') === 'true' || output === 'INT64') return 'micros';
  return 'seconds';
}

/**
 * A stored row in tabledata.list's `{f: [{v}]}` form: every scalar as a string,
 * cells in schema order, a missing field as `null` (an empty array when
 * REPEATED), which is what the client's `getRows()` decodes.
 */
export function wireRow(fields: readonly Field[], row: StoredRow, ts: TimestampFormat): { f: WireCell[] } {
  return {
    f: fields.map((field) => {
      const value = row[field.name];
      if (field.mode === 'REPEATED') {
        const items = Array.isArray(value) ? value : [];
        return { v: items.map((item) => ({ v: wireScalar(field, item, ts) })) };
      }
      return { v: value === undefined ? null : wireScalar(field, value, ts) };
    }),
  };
}

function wireScalar(field: Field, value: CellValue, ts: TimestampFormat): WireValue {
  switch (field.type) {
    case 'RECORD':
      return wireRow(field.fields ?? [], value as StoredRow, ts);
    case 'TIMESTAMP':
      return formatTimestamp(value as number, ts);
    case 'FLOAT':
    case 'INTEGER':
    case 'STRING':
    case 'BOOLEAN':
      return typeof value === 'object' ? '' : String(value);
  }
}

function formatTimestamp(seconds: number, ts: TimestampFormat): string {
  const micros = Math.round(seconds * 1e6);
  switch (ts) {
    case 'micros':
      return String(micros);
    case 'seconds':
      return String(micros / 1e6);
    case 'iso': {
      const ms = Math.floor(micros / 1000);
      const extra = String(((micros % 1000) + 1000) % 1000).padStart(3, '0');
      return new Date(ms).toISOString().replace(/Z$/, `${extra}Z`);
    }
  }
}

/** BigQuery's logical size of a row, which numBytes reports: strings 2 + UTF-8 bytes, numbers 8, booleans 1. */
export function rowBytes(fields: readonly Field[], row: StoredRow): number {
  let bytes = 0;
  for (const field of fields) {
    const value = row[field.name];
    if (value === undefined) continue;
    for (const item of field.mode === 'REPEATED' && Array.isArray(value) ? value : [value]) {
      if (field.type === 'RECORD') bytes += rowBytes(field.fields ?? [], item as StoredRow);
      else if (field.type === 'STRING') bytes += 2 + Buffer.byteLength(item as string);
      else bytes += field.type === 'BOOLEAN' ? 1 : 8;
    }
  }
  return bytes;
}
