/**
 * JSON parsing that keeps integers exact.
 *
 * `JSON.parse` turns `1234567890123456789` into 1234567890123456800, and Node 20
 * has no reviver access to the source text, so a row whose INTEGER field was
 * written as a bare 19-digit literal (a Prow build id) would be stored wrong
 * without anyone noticing. This parser returns such literals as `bigint`; every
 * other value comes out exactly as `JSON.parse` would give it.
 */
export type ExactJson = null | boolean | number | bigint | string | ExactJson[] | ExactJsonObject;
export type ExactJsonObject = { [key: string]: ExactJson };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

// Deep enough for any BigQuery row (BigQuery allows 15 levels of RECORD), shallow
// enough that hostile input cannot overflow the stack.
const MAX_DEPTH = 500;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
 
const STRING_RUN = /[^"\\\u0000-\u001f]*/y;

export function parseExactJson(text: string): ExactJson {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.pos < text.length) throw new JsonSyntaxError('Unexpected data after JSON value', parser.pos);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  value(depth: number): ExactJson {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError('JSON nested too deeply', this.pos);
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b /* { */:
        return this.object(depth);
      case 0x5b /* [ */:
        return this.array(depth);
      case 0x22 /* " */:
        return this.string();
      case 0x74 /* t */:
        return this.literal('true', true);
      case 0x66 /* f */:
        return this.literal('false', false);
      case 0x6e /* n */:
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private literal<T extends ExactJson>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw new JsonSyntaxError('Unexpected token', this.pos);
    this.pos += word.length;
    return value;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0].length === 0 || m[0] === '-') throw new JsonSyntaxError('Unexpected token', this.pos);
    this.pos += m[0].length;
    const literal = m[0];
    const n = Number(literal);
    // Only integer literals are kept as bigint: a literal with a fraction or an
    // exponent is a float to BigQuery too, so rounding it is what BigQuery does.
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(literal);
    return n;
  }

  string(): string {
    const t = this.text;
    const start = this.pos; // at the opening quote
    let p = start + 1;
    let escaped = false;
    for (;;) {
      // A sticky regex skips plain runs far faster than a charCodeAt loop; the
      // loop only sees quotes, backslashes, control characters and the end.
      if (p > t.length) throw new JsonSyntaxError('Unterminated string', start);
      STRING_RUN.lastIndex = p;
      STRING_RUN.test(t);
      p = STRING_RUN.lastIndex;
      const c = t.charCodeAt(p);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        p += 2;
        continue;
      }
      throw new JsonSyntaxError(p >= t.length ? 'Unterminated string' : 'Bad control character in string', p);
    }
    this.pos = p + 1;
    if (!escaped) return t.slice(start + 1, p);
    // Escapes are rare in keys and values; JSON.parse decodes them exactly.
    try {
      return JSON.parse(t.slice(start, p + 1)) as string;
    } catch {
      throw new JsonSyntaxError('Bad escape in string', start);
    }
  }

  private array(depth: number): ExactJson[] {
    const out: ExactJson[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      out.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) throw new JsonSyntaxError("Expected ',' or ']'", this.pos - 1);
    }
  }

  private object(depth: number): ExactJsonObject {
    const out: ExactJsonObject = {};
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) throw new JsonSyntaxError('Expected a string key', this.pos);
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos++) !== 0x3a) throw new JsonSyntaxError("Expected ':'", this.pos - 1);
      this.skipSpace();
      const v = this.value(depth + 1);
      // A plain assignment of "__proto__" would replace the prototype instead of
      // adding a key, which is not what the JSON says.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return out;
      if (c !== 0x2c) throw new JsonSyntaxError("Expected ',' or '}'", this.pos - 1);
    }
  }
}

/** JSON text of a parsed value, with bigints written as their digits again. */
export function stringifyExact(value: ExactJson): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(stringifyExact).join(',') + ']';
  return '{' + Object.entries(value).map(([k, v]) => JSON.stringify(k) + ':' + stringifyExact(v)).join(',') + '}';
}

export function isExactJsonObject(value: ExactJson | undefined): value is ExactJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
