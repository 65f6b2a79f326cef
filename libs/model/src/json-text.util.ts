import type { JsonValue } from './build-json.types';

/**
 * JSON text byte for byte as CPython's `json.dumps(value, sort_keys=True)`
 * writes it (separators ", " and ": ", `ensure_ascii`). The old Kettle wrote
 * `repos`, metadata values and whole NDJSON rows this way, and dashboards
 * compare old and new rows in SQL, so the text must match exactly.
 *
 * Two losses come from `JSON.parse`, not from here, and cannot be undone
 * without the original text:
 * - `1.0` and `1` are the same JS number. A value with no fraction is written
 *   as Python writes an int (`1`); integer-valued JSON is far more common in
 *   started/finished/metadata than `x.0`.
 * - integers beyond 2^53 arrive rounded (`12345678901234567890` →
 *   `12345678901234567168`); they are written in full digits, like a Python int,
 *   but the rounding already happened.
 */
export function pythonJsonText(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'number') return Number.isInteger(value) ? pythonInt(value) : pythonFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + pythonJsonText(value[i]);
    return out + ']';
  }
  const keys = sortedKeys(value);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    out += (i === 0 ? '' : ', ') + pythonString(k) + ': ' + pythonJsonText(value[k]);
  }
  return out + '}';
}

/** Object keys in the order Python's `sorted()` gives for str: by code point. */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  // Plain UTF-16 order differs from code point order only when a key holds a
  // surrogate (astral char) compared with U+E000..U+FFFF; check once, cheaply.
  return keys.some(hasSurrogate) ? keys.sort(compareCodePoints) : keys.sort();
}

const SURROGATE = /[\ud800-\udfff]/;
const hasSurrogate = (s: string): boolean => SURROGATE.test(s);

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

// Python's ensure_ascii escapes everything outside ' '..'~'. JSON.stringify
// already escapes `"`, `\`, C0 controls (same short forms and lowercase
// \u00XX as Python) and lone surrogates; what is left is DEL and non-ASCII.
const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_ALL = /[\u007f-\uffff]/g;
const escapeUnit = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** A JSON string literal as Python writes it with `ensure_ascii=True`. */
export function pythonString(s: string): string {
  // Native JSON.stringify and one native regex test: this runs over every
  // test name and failure text, so it must not walk characters in JS.
  const quoted = JSON.stringify(s);
  return NON_ASCII.test(quoted) ? quoted.replace(NON_ASCII_ALL, escapeUnit) : quoted;
}

/** A Python int: all digits (the double's exact value past 2^53), never an exponent. */
export function pythonInt(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/**
 * Python's `repr(float)`: the shortest round-trip digits (as JS), fixed
 * notation for exponents -4..15 with `.0` on integral values, else
 * `d.ddde±XX`. NaN and infinities have no JSON form; callers leave them out.
 */
export function pythonFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  // JS and Python agree on the digits; only the notation differs, and in this
  // range both write fixed notation (checked first: it is every test time).
  if (abs >= 1e-4 && abs < 1e16) return Number.isInteger(n) ? `${n}.0` : String(n);
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const e = Number(expText);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
