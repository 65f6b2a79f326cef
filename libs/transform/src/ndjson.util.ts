import type { BuildRow } from '@kettle/model';
import { pythonFloat, pythonInt, pythonString, sortedKeys } from '@kettle/model';

const DIGITS = /^[0-9]+$/;

/**
 * One row as JSON text, byte for byte what the old `make_json.py` wrote with
 * `json.dump(row, sort_keys=True)` for the same row: keys sorted at every
 * level, separators ", " and ": ", non-ASCII as \u escapes, test `time` as a
 * Python float (`3.0`, `2.065e-05`). So old and new exports can be diffed.
 *
 * Two fields get their type from the schema, not from the JS value:
 * - `number` (a digit string in `BuildRow`) is written as a bare JSON integer
 *   of its digits, exact at 19 digits (`1720541231756461222`), as the old tool
 *   wrote it and as BigQuery loads INTEGER; anything else stays a quoted string.
 * - `time` is a FLOAT column that Python held as a float, hence `3.0`; every
 *   other number (timestamps, counts, `elapsed`) was a Python int.
 *
 * Always valid JSON: NaN and ±Infinity have no JSON form, so such a value is
 * left out of its object (written `null` inside an array), like `undefined`.
 */
export function rowJson(row: BuildRow): string {
  return writeValue(row, '');
}

/** `rowJson` plus the newline that ends an NDJSON line. */
export function ndjsonLine(row: BuildRow): string {
  return rowJson(row) + '\n';
}

function writeValue(v: unknown, key: string): string {
  switch (typeof v) {
    case 'string':
      return key === 'number' && DIGITS.test(v) ? v : pythonString(v);
    case 'number':
      if (!Number.isFinite(v)) return 'null';
      if (key === 'time') return pythonFloat(v);
      return Number.isInteger(v) ? pythonInt(v) : pythonFloat(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return writeArray(v);
      return writeObject(v as Record<string, unknown>);
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
}

function writeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out += (i === 0 ? '' : ', ') + (item === undefined ? 'null' : writeValue(item, ''));
  }
  return out + ']';
}

function writeObject(obj: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const k of sortedKeys(obj)) {
    const value = obj[k];
    if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) continue;
    out += (first ? '' : ', ') + quotedKey(k) + ': ' + writeValue(value, k);
    first = false;
  }
  return out + '}';
}

// Rows repeat a handful of keys thousands of times (one object per test).
const keyCache = new Map<string, string>();
function quotedKey(k: string): string {
  let q = keyCache.get(k);
  if (q === undefined) {
    q = pythonString(k);
    if (keyCache.size < 1000) keyCache.set(k, q);
  }
  return q;
}
