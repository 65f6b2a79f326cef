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
      if (key === 'time') return timeText(v);
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
  return writeTest(obj) ?? writeFields(obj, sortedKeys(obj));
}

// Own enumerable keys of a test object, in sorted order, as bits.
const FAILED = 1;
const FAILURE_TEXT = 2;
const NAME = 4;
const TIME = 8;

/**
 * A row holds one object per test, tens of thousands per export: with the
 * general path (sort the keys, look each up) they cost more than parsing the
 * JUnit. An object whose own enumerable keys are all among a test's is
 * written here, in sorted key order, by the rules of `writeFields`;
 * undefined for any other object.
 */
function writeTest(t: Record<string, unknown>): string | undefined {
  let keys = 0;
  for (const k in t) {
    const bit = k === 'name' ? NAME : k === 'time' ? TIME : k === 'failed' ? FAILED : k === 'failure_text' ? FAILURE_TEXT : 0;
    if (bit === 0 || !Object.hasOwn(t, k)) return undefined;
    keys |= bit;
  }
  let out = '';
  if (keys & FAILED) out += testField('failed', t.failed);
  if (keys & FAILURE_TEXT) out += testField('failure_text', t.failure_text);
  if (keys & NAME) out += testField('name', t.name);
  if (keys & TIME) out += testField('time', t.time);
  return '{' + out.slice(2) + '}';
}

/** `, "key": value`, or nothing for a value `writeFields` leaves out. */
function testField(key: string, value: unknown): string {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  if (typeof value === 'string') return `, "${key}": ${jsonString(value)}`;
  return `, "${key}": ${writeValue(value, key)}`;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/**
 * `pythonFloat` of a test time, fast for the usual ones (up to 6 decimals,
 * under 1e9 s): when n·10^k is an integer m and m/10^k gives n back, the
 * decimal m·10^-k reads as n and has at most 15 significant digits, so it is
 * the one shortest representation, the digits both JS and Python print.
 * Writing m's digits with a point is much cheaper than the general
 * float-to-text conversion. Anything else takes `pythonFloat`.
 */
function timeText(n: number): string {
  if (n >= 1e-4 && n < 1e9 && !Number.isInteger(n)) {
    for (let k = 1; k < POW10.length; k++) {
      const m = n * POW10[k];
      if (!Number.isInteger(m)) continue;
      if (m / POW10[k] !== n) break; // the product was rounded
      const digits = String(m);
      if (digits.endsWith('0')) break; // not the shortest form: leave it to the general path
      return digits.length > k ? `${digits.slice(0, -k)}.${digits.slice(-k)}` : `0.${digits.padStart(k, '0')}`;
    }
  }
  return pythonFloat(n);
}

// JSON.stringify adds nothing but the quotes to a string without these, nor
// does ensure_ascii; testing first is several times faster on test names.
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f-\uffff]/;

function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? pythonString(s) : `"${s}"`;
}

function writeFields(obj: Record<string, unknown>, keys: readonly string[]): string {
  let out = '{';
  let first = true;
  for (const k of keys) {
    if (!Object.hasOwn(obj, k)) continue;
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
