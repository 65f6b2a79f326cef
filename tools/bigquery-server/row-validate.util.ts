import { invalid } from './api-error.util';
import { isExactJsonObject, type ExactJson, type ExactJsonObject } from './exact-json.util';
import type { CellValue, FieldSchema, RowError, StoredRow } from './server.types';

/** A schema field after aliases and defaults are resolved, with a case-insensitive child index. */
export type Field = {
  name: string;
  type: 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' | 'RECORD';
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: Field[];
  index?: Map<string, Field>;
};

const TYPE_ALIASES: Record<string, Field['type']> = {
  STRING: 'STRING',
  INTEGER: 'INTEGER',
  INT64: 'INTEGER',
  FLOAT: 'FLOAT',
  FLOAT64: 'FLOAT',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  RECORD: 'RECORD',
  STRUCT: 'RECORD',
};
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/** Resolve a schema from a request, answering 400 the way tables.insert does for a bad one. */
export function compileSchema(fields: readonly FieldSchema[], where = ''): Field[] {
  const seen = new Set<string>();
  return fields.map((f) => {
    if (typeof f.name !== 'string' || !FIELD_NAME.test(f.name)) throw invalid(`Invalid field name "${String(f.name)}".`);
    const lower = f.name.toLowerCase();
    if (seen.has(lower)) throw invalid(`Field ${where}${f.name} already exists in schema`);
    seen.add(lower);
    // Only the types Kettle writes: a wider schema should fail loudly here rather
    // than be accepted and then validated wrongly.
    const type = TYPE_ALIASES[String(f.type).toUpperCase()];
    if (!type) throw invalid(`Invalid value for type: ${String(f.type)} is not a field type supported by bigquery-server`);
    const mode = (f.mode ?? 'NULLABLE').toUpperCase();
    if (mode !== 'NULLABLE' && mode !== 'REQUIRED' && mode !== 'REPEATED') throw invalid(`Invalid value for mode: ${f.mode}`);
    const field: Field = { name: f.name, type, mode };
    if (f.description !== undefined) field.description = f.description;
    if (type === 'RECORD') {
      if (!f.fields?.length) throw invalid(`Field ${where}${f.name} is type RECORD but has no schema`);
      field.fields = compileSchema(f.fields, `${where}${f.name}.`);
      field.index = indexFields(field.fields);
    }
    return field;
  });
}

export function indexFields(fields: readonly Field[]): Map<string, Field> {
  return new Map(fields.map((f) => [f.name.toLowerCase(), f]));
}

/** The schema as the API returns it (no internal index). */
export function schemaJson(fields: readonly Field[]): FieldSchema[] {
  return fields.map((f) => ({
    name: f.name,
    type: f.type,
    mode: f.mode,
    ...(f.description !== undefined ? { description: f.description } : {}),
    ...(f.fields ? { fields: schemaJson(f.fields) } : {}),
  }));
}

export type ValidateOptions = { ignoreUnknownValues: boolean };
export type ValidatedRow = { row: StoredRow; bytes: number } | { errors: RowError[] };

/**
 * Check one row against the table schema and convert it to stored form. Every
 * problem in the row is reported (BigQuery reports several too), each with the
 * field path as `location`.
 */
export function validateRow(index: Map<string, Field>, json: ExactJson, opts: ValidateOptions): ValidatedRow {
  const errors: RowError[] = [];
  if (!isExactJsonObject(json)) return { errors: [rowError('', 'Row is not a JSON object.')] };
  const size = { bytes: 0 };
  const row = record(index, json, '', opts, errors, size);
  return errors.length ? { errors } : { row, bytes: size.bytes };
}

export function rowError(location: string, message: string, reason = 'invalid'): RowError {
  return { reason, location, debugInfo: '', message };
}

function record(
  index: Map<string, Field>,
  json: ExactJsonObject,
  prefix: string,
  opts: ValidateOptions,
  errors: RowError[],
  size: { bytes: number },
): StoredRow {
  const out: StoredRow = {};
  for (const [key, value] of Object.entries(json)) {
    const field = index.get(key.toLowerCase());
    if (!field) {
      if (!opts.ignoreUnknownValues) errors.push(rowError(prefix + key, `no such field: ${prefix + key}.`));
      continue;
    }
    const cell = fieldValue(field, value, prefix + field.name, opts, errors, size);
    if (cell !== undefined) out[field.name] = cell;
  }
  for (const field of index.values()) {
    if (field.mode === 'REQUIRED' && out[field.name] === undefined) {
      errors.push(rowError(prefix + field.name, `Missing required field: ${prefix + field.name}.`));
    }
  }
  return out;
}

function fieldValue(
  field: Field,
  value: ExactJson,
  location: string,
  opts: ValidateOptions,
  errors: RowError[],
  size: { bytes: number },
): CellValue | undefined {
  if (value === null) return undefined; // null is "no value"; REQUIRED is checked by the caller
  if (field.mode !== 'REPEATED') {
    if (Array.isArray(value)) {
      errors.push(rowError(location, `Array specified for non-repeated field: ${location}.`));
      return undefined;
    }
    return scalar(field, value, location, opts, errors, size);
  }
  if (!Array.isArray(value)) {
    errors.push(rowError(location, `Field ${location} is REPEATED: expected a JSON array.`));
    return undefined;
  }
  const out: CellValue[] = [];
  value.forEach((item, i) => {
    const at = `${location}[${i}]`;
    if (item === null || Array.isArray(item)) {
      errors.push(rowError(at, `${item === null ? 'Null' : 'Nested array'} element in repeated field: ${location}.`));
      return;
    }
    const cell = scalar(field, item, at, opts, errors, size);
    if (cell !== undefined) out.push(cell);
  });
  return out;
}

function scalar(
  field: Field,
  value: Exclude<ExactJson, null | ExactJson[]>,
  location: string,
  opts: ValidateOptions,
  errors: RowError[],
  size: { bytes: number },
): CellValue | undefined {
  switch (field.type) {
    case 'RECORD':
      if (!isExactJsonObject(value)) return fail(errors, location, `This field: ${location} is not a record.`);
      return record(field.index ?? new Map<string, Field>(), value, location + '.', opts, errors, size);
    case 'STRING':
      if (typeof value !== 'string') return fail(errors, location, `Cannot convert value to string: ${shown(value)} (field ${location}).`);
      size.bytes += 2 + Buffer.byteLength(value);
      return value;
    case 'INTEGER': {
      const digits = integerDigits(value);
      if (digits === undefined) return fail(errors, location, `Cannot convert value to integer (bad value): ${shown(value)}`);
      size.bytes += 8;
      return digits;
    }
    case 'FLOAT': {
      const n = floatValue(value);
      if (n === undefined) return fail(errors, location, `Cannot convert value to floating point (bad value): ${shown(value)}`);
      size.bytes += 8;
      return n;
    }
    case 'BOOLEAN':
      if (typeof value === 'boolean') {
        size.bytes += 1;
        return value;
      }
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) {
        size.bytes += 1;
        return value.toLowerCase() === 'true';
      }
      return fail(errors, location, `Cannot convert value to boolean: ${shown(value)}`);
    case 'TIMESTAMP': {
      const seconds = timestampSeconds(value);
      if (seconds === undefined) return fail(errors, location, `Cannot convert value to timestamp (bad value): ${shown(value)}`);
      size.bytes += 8;
      return seconds;
    }
  }
}

/** A module function rather than a closure per call: scalar() runs for every cell of every row. */
function fail(errors: RowError[], location: string, message: string): undefined {
  errors.push(rowError(location, message));
  return undefined;
}

function shown(value: ExactJson): string {
  return typeof value === 'object' && value !== null ? 'a JSON object' : String(value);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Canonical decimal digits of an INTEGER value, computed without passing through a JS number. */
export function integerDigits(value: ExactJson): string | undefined {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    // A non-bigint number here is exact: integer literals past 2^53 arrive as bigint.
    if (!Number.isInteger(value)) return undefined;
    n = BigInt(value);
  } else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) n = BigInt(value.trim());
  else return undefined;
  return n < INT64_MIN || n > INT64_MAX ? undefined : n.toString();
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function floatValue(value: ExactJson): number | undefined {
  // Non-finite floats are refused (BigQuery takes "NaN"/"Infinity"): Kettle never
  // means to write them, so accepting them would hide a transformer bug.
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && NUMERIC.test(value)) n = Number(value);
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

// BigQuery's TIMESTAMP range: 0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC.
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300800;
const DATE_TIME =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;

/** Epoch seconds of a TIMESTAMP value: a number of seconds, or a string of seconds or a date-time. */
export function timestampSeconds(value: ExactJson): number | undefined {
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string') seconds = NUMERIC.test(value) ? Number(value) : parseDateTime(value);
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < MIN_SECONDS || seconds >= MAX_SECONDS) return undefined;
  return seconds;
}

function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((s) => (s === undefined ? undefined : Number(s)));
  const fraction = m[7] ? Number(`0.${m[7]}`) : 0;
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCMonth() !== month - 1) return undefined; // 2023-02-30 and the like
  let offset = 0;
  const zone = m[8];
  if (zone && !/^(z|utc)$/i.test(zone)) {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
    if (!z) return undefined;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 3600 + Number(z[3] ?? 0) * 60);
  }
  return d.getTime() / 1000 + hour * 3600 + minute * 60 + second + fraction - offset;
}
