import type { JsonValue } from './build-json.types';

/**
 * JSON text exactly as Python's `json.dumps(value, sort_keys=True)` writes it:
 * the old Kettle stored started/finished JSON and wrote `repos` and metadata
 * values this way, and dashboards compare old and new rows in SQL, so the text
 * must match byte for byte. Keys sorted by code point, separators ", " and
 * ": ", non-ASCII as lowercase \uXXXX escapes (surrogate pairs for astral).
 *
 * One loss is unavoidable: JSON.parse has already turned `1.0` into 1, so a
 * float with no fraction comes out as the integer Python would have printed
 * for an int. Integers are printed in full (no exponent), as Python does.
 */
export function pythonJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return '[' + value.map(pythonJson).join(', ') + ']';
  const keys = Object.keys(value).sort(compareCodePoints);
  return '{' + keys.map((k) => pythonString(k) + ': ' + pythonJson(value[k])).join(', ') + '}';
}

/** Python sorts str keys by code point; JS `sort()` compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/g;

export function pythonString(s: string): string {
  return (
    '"' +
    s.replace(NEEDS_ESCAPE, (c) => SHORT_ESCAPES[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) +
    '"'
  );
}

/** Python's float repr: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n)) return BigInt(n).toString();
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) return String(n);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
