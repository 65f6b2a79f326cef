import type { WasmBytes } from './xml-chars.util';

// Byte-level helpers of the fast JUnit scanner (junit-scanner.ts), over the
// UTF-8 bytes of a file. Each answers "certainly well-formed, as saxes 6
// would judge the decoded text" or "not sure" (-1), which makes the scanner
// hand the whole file to saxes. Every delimiter XML has is ASCII, and in
// UTF-8 an ASCII byte is always that character, so byte offsets of
// delimiters cut the decoded text exactly where the characters would.

/**
 * XML 1.0 (5th edition) names, below 0x80: `[A-Za-z_:]` start a name; digits,
 * `-` and `.` may follow. Non-ASCII names are valid XML but rare in JUnit, so
 * the scanner leaves them to saxes rather than carry the Unicode tables. The
 * scanner's hot loops repeat these tests inline (see junit-scanner).
 */
export function isNameStart(c: number): boolean {
  return c >= 0x61 ? c <= 0x7a : c >= 0x41 ? c <= 0x5a || c === 0x5f : c === 0x3a;
}

export function isNameChar(c: number): boolean {
  return c >= 0x61 ? c <= 0x7a : c >= 0x41 ? c <= 0x5a || c === 0x5f : c >= 0x2d && c <= 0x3a && c !== 0x2f;
}

/** XML white space (`S`): saxes turns CR and CRLF into LF before testing, so CR counts too. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Whether `b` holds `len` equal bytes at `x` and at `y`. */
export function sameBytes(b: Uint8Array, x: number, y: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/** Four bytes from `at` as one number, to compare names a word at a time. */
export function word4(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

const w4 = (s: string): number => word4(Uint8Array.from(s, (ch) => ch.charCodeAt(0)), 0);

// What an element's name makes it for the JunitReader rules.
export const OTHER = 0;
export const TESTCASE = 1;
export const TESTSUITE = 2;
export const TESTSUITES = 3;
export const FAILURE = 4;
export const ERROR = 5;
export const SKIPPED = 6;
const TEST = w4('test');
const CASE = w4('case');
const SUIT = w4('suit');
const FAIL = w4('fail');
const LURE = w4('lure');
const SKIP = w4('skip');
const PPED = w4('pped');
const ERRO = w4('erro');

/** The kind of the element whose name is the `len` bytes at `at`. */
export function elementKind(b: Uint8Array, at: number, len: number): number {
  switch (len) {
    case 8:
      return word4(b, at) === TEST && word4(b, at + 4) === CASE ? TESTCASE : OTHER;
    case 9:
      return word4(b, at) === TEST && word4(b, at + 4) === SUIT && b[at + 8] === 0x65 ? TESTSUITE : OTHER;
    case 10:
      return word4(b, at) === TEST && word4(b, at + 4) === SUIT && b[at + 8] === 0x65 && b[at + 9] === 0x73 ? TESTSUITES : OTHER;
    case 7: {
      const head = word4(b, at);
      if (head === FAIL) return word4(b, at + 3) === LURE ? FAILURE : OTHER;
      return head === SKIP && word4(b, at + 3) === PPED ? SKIPPED : OTHER;
    }
    case 5:
      return word4(b, at) === ERRO && b[at + 4] === 0x72 ? ERROR : OTHER;
    default:
      return OTHER;
  }
}

// Attribute names the rules read (`message` is `mess` + `sage` at +3).
export const NAME = w4('name');
export const TIME = w4('time');
export const MESS = w4('mess');
export const SAGE = w4('sage');

/**
 * The XML declaration forms the scanner accepts at the very start (after a
 * BOM): version 1.0 only (1.1 changes which characters are allowed and what
 * is a line end), then optional encoding and standalone, in that order, as
 * saxes requires. The encoding label is only checked for syntax: the bytes
 * are read as UTF-8 whatever it says, as make-json always did.
 */
const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>/;
/** Longer declarations (all that white space) are left to saxes. */
const XML_DECL_MAX = 300;

/** End of the XML declaration starting at `pos`, or -1 when it is not one of the plain forms. */
export function xmlDeclEnd(w: WasmBytes, pos: number): number {
  const m = XML_DECL.exec(w.text.toString('latin1', pos, Math.min(w.length, pos + XML_DECL_MAX)));
  return m === null ? -1 : pos + m[0].length;
}

/** Whether a character reference's value is an XML 1.0 `Char` (saxes: "malformed character entity." otherwise). */
function isXmlChar(v: number): boolean {
  return v === 0x09 || v === 0x0a || v === 0x0d || (v >= 0x20 && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII lower case
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

const AMP_REST = w4('amp;');
const APOS = w4('apos');
const QUOT = w4('quot');

/**
 * Index just past the reference starting at the `&` at `p`, or -1 unless it
 * is one saxes resolves without complaint: the five predefined entities,
 * `&#<decimal>;` or `&#x<hex>;` (lower-case `x`: saxes rejects `&#X41;`)
 * naming an XML `Char`. Past leading zeros, at most 7 digits are read (any
 * Char fits): a longer reference is either not a Char or left to saxes.
 */
export function refEnd(b: Uint8Array, p: number): number {
  switch (b[p + 1]) {
    case 0x6c: // &lt;
    case 0x67: // &gt;
      return b[p + 2] === 0x74 && b[p + 3] === 0x3b ? p + 4 : -1;
    case 0x61: // &amp; &apos;
      if (word4(b, p + 1) === AMP_REST) return p + 5;
      return word4(b, p + 1) === APOS && b[p + 5] === 0x3b ? p + 6 : -1;
    case 0x71: // &quot;
      return word4(b, p + 1) === QUOT && b[p + 5] === 0x3b ? p + 6 : -1;
    case 0x23: // &#
      return charRefEnd(b, p + 2);
    default:
      return -1;
  }
}

function charRefEnd(b: Uint8Array, p: number): number {
  const hex = b[p] === 0x78;
  let i = hex ? p + 1 : p;
  const first = i;
  while (b[i] === 0x30) i++; // leading zeros change nothing
  const digits = i;
  let v = 0;
  for (; i < digits + 7; i++) {
    const c = b[i] | 0;
    const d = hex ? hexValue(c) : c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
    if (d < 0) break;
    v = v * (hex ? 16 : 10) + d;
  }
  return i > first && b[i] === 0x3b && isXmlChar(v) ? i + 1 : -1;
}

/** End of the `<!--` comment at `lt`, or -1: the first `--` must close it (saxes: "malformed comment."). */
export function commentEnd(w: WasmBytes, lt: number): number {
  const dashes = w.f2(0x2d, 0x2d, 0, lt + 4, w.length);
  return dashes < w.length && w.bytes[dashes + 2] === 0x3e ? dashes + 3 : -1;
}

/** End of the `<![CDATA[` section at `lt` (its start checked), or -1 when unterminated. */
export function cdataEnd(w: WasmBytes, lt: number): number {
  const end = w.f3(0x5d, 0x5d, 0x3e, lt + 9, w.length);
  return end < w.length ? end + 3 : -1;
}

const CDAT = w4('[CDA');
const ATA = w4('ATA[');

/** Whether a `<![CDATA[` starts at `lt`. */
export function isCdataStart(b: Uint8Array, lt: number): boolean {
  return word4(b, lt + 2) === CDAT && word4(b, lt + 5) === ATA;
}

/**
 * End of the processing instruction at `lt`, or -1 unless its target is an
 * ASCII name without colons other than `xml` in any case (saxes rejects a
 * late XML declaration) followed by white space or `?>`.
 */
export function piEnd(w: WasmBytes, lt: number): number {
  const b = w.bytes;
  let p = lt + 2;
  let c = b[p] | 0;
  if (!isNameStart(c)) return -1;
  while (isNameChar(c)) {
    if (c === 0x3a) return -1;
    c = b[++p] | 0;
  }
  if (p - lt - 2 === 3 && (b[lt + 2] | 0x20) === 0x78 && (b[lt + 3] | 0x20) === 0x6d && (b[lt + 4] | 0x20) === 0x6c) return -1;
  if (c !== 0x3f && !isSpace(c)) return -1;
  const end = w.f2(0x3f, 0x3e, 0, p, w.length);
  return end < w.length ? end + 2 : -1;
}

const ATTR_SPACE = /[\t\n\r]/;
const ATTR_SPACES = /\r\n?|[\t\n]/g;
const REFS = /&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * An attribute value as saxes reports it, from its raw text (already
 * checked: every `&` starts a reference `refEnd` accepted). Literal TAB, LF,
 * CR and CRLF each become one space (XML attribute-value normalisation, after
 * line-end normalisation); references are resolved after that, so `&#10;`
 * stays a line feed.
 */
export function attributeValue(raw: string, hasRefs: boolean): string {
  let v = ATTR_SPACE.test(raw) ? raw.replace(ATTR_SPACES, ' ') : raw;
  if (hasRefs) v = v.replace(REFS, decodeRef);
  return v;
}

function decodeRef(_match: string, ref: string): string {
  if (ref.charCodeAt(0) !== 0x23) return PREDEFINED[ref] ?? '';
  return String.fromCodePoint(ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
}
