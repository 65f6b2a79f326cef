/** Longest `failure_text` kept, in UTF-8 bytes, marker included (DESIGN §5, difference 6). */
export const FAILURE_TEXT_MAX_BYTES = 256 * 1024;

// Python's float() syntax for finite numbers (digits with single `_` between
// them, optional fraction and exponent). `inf`/`nan` parse in Python but have
// no JSON form, so they are not accepted here; neither are JS-only forms such
// as `0x10` or `Infinity` that `Number()` would take.
const FLOAT_SYNTAX = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/**
 * A JUnit `time` attribute in seconds: missing or empty is 0 (as the old
 * `float(time or 0)`); surrounding whitespace is allowed (`" 2.5 "`), so is an
 * exponent (`1E3`). Anything else (`1.5s`, `N/A`, `nan`, `inf`, overflow)
 * gives undefined: the time is left out of that test instead of the old crash
 * that dropped the build, or a NaN that made the NDJSON invalid.
 */
export function parseJunitTime(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return 0;
  if (isPlainDecimal(raw)) {
    const n = Number(raw); // the usual `12.345`, without the regex
    return Number.isFinite(n) ? n : undefined;
  }
  const s = raw.trim();
  if (!FLOAT_SYNTAX.test(s)) return undefined;
  const n = Number(s.includes('_') ? s.replace(/_/g, '') : s);
  return Number.isFinite(n) ? n : undefined;
}

/** Digits with at most one `.` and at least one digit: FLOAT_SYNTAX accepts it, and Number reads it the same. */
function isPlainDecimal(s: string): boolean {
  let dot = false;
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digit = true;
    else if (c === 0x2e && !dot) dot = true;
    else return false;
  }
  return digit;
}

let encodeBuffer: Uint8Array | undefined;
const encoder = new TextEncoder();

/**
 * Cuts a failure text longer than `FAILURE_TEXT_MAX_BYTES` UTF-8 bytes to its
 * head plus a marker naming the sizes, so one huge log never pushes a row
 * towards BigQuery's 10 MB row limit. The head is kept because failure
 * clustering keys on the start of the text. Never splits a character.
 */
export function cutFailureText(text: string): string {
  // At most 3 UTF-8 bytes per UTF-16 unit: short texts need no measuring.
  if (text.length * 3 <= FAILURE_TEXT_MAX_BYTES) return text;
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= FAILURE_TEXT_MAX_BYTES) return text;
  const markerFor = (kept: number): string => `\n[kettle: failure text cut, first ${kept} of ${total} bytes kept]`;
  // The marker is ASCII and at most ~70 bytes; reserve 100.
  encodeBuffer ??= new Uint8Array(FAILURE_TEXT_MAX_BYTES - 100);
  const { read, written } = encoder.encodeInto(text, encodeBuffer);
  return text.slice(0, read) + markerFor(written);
}

const NEEDS_DECODING = /[&<\r]/;
const CHAR_DATA_TOKENS = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);|<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|\r\n?/g;
const CR = /\r\n?/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY_PASSES: readonly [string, string][] = [['&lt;', '<'], ['&gt;', '>'], ['&quot;', '"'], ['&apos;', "'"], ['&amp;', '&']];

/**
 * The character data of raw XML content that saxes has already checked to be
 * well-formed and free of elements: entities and character references
 * decoded, CDATA unwrapped, comments and PIs dropped, line ends normalised to
 * LF. One native regex pass; most texts need none.
 */
export function decodeCharData(raw: string): string {
  if (!NEEDS_DECODING.test(raw)) return raw;
  if (raw.includes('<') || raw.includes('&#')) return decodeTokens(raw);
  // The common case (Go traces full of `&lt;`/`&gt;`): native includes and
  // replaceAll passes run ~3x faster than a callback per entity. `&amp;` goes
  // last so `&amp;lt;` stays `&lt;`.
  let text = raw.includes('\r') ? raw.replace(CR, '\n') : raw;
  if (!text.includes('&')) return text;
  for (const [entity, char] of ENTITY_PASSES) if (text.includes(entity)) text = text.replaceAll(entity, char);
  return text;
}

function decodeTokens(raw: string): string {
  return raw.replace(CHAR_DATA_TOKENS, (match: string, ref: string | undefined, cdata: string | undefined) => {
    if (ref !== undefined) {
      if (ref.charCodeAt(0) !== 0x23) return PREDEFINED[ref] ?? match;
      return String.fromCodePoint(ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    }
    if (cdata !== undefined) return cdata.includes('\r') ? cdata.replace(CR, '\n') : cdata;
    return match.charCodeAt(0) === 0x0d ? '\n' : ''; // line end, or a comment / PI
  });
}
