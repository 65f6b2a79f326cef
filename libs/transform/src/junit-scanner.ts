import { isAscii } from 'node:buffer';
import { NO_FAILURE_MESSAGE, parseJunit, type JunitParse, type JunitTest } from './junit-parser';
import * as u from './junit-scanner.util';
import { cutFailureText, decodeCharData, parseJunitTime } from './junit-values.util';
import { loadBytes, type WasmBytes } from './xml-chars.util';

/**
 * `parseJunit`, fast: the same `JunitParse` for every input, read from the
 * UTF-8 bytes by jumping between delimiters (SIMD searches, xml-chars.util)
 * and touching only names and tag syntax in JS, instead of saxes'
 * per-character state machine: 4-5 times parseJunit's speed on the
 * benchmark's files (tools/bench/junit-scan-bench.ts).
 *
 * The scanner proves well-formedness itself only for the XML real CI writes:
 * ASCII element and attribute names, quoted attributes, the five predefined
 * entities and character references, comments, PIs, CDATA, a version 1.0
 * declaration, a BOM. Whenever it is not certain, it gives the whole file to
 * `parseJunit`: a DOCTYPE, a non-ASCII name, any malformation, truncation,
 * a foreign root, odd characters. So every problem report (malformed,
 * dtd-entities, unexpected-root, empty) is saxes' own, word for word, and
 * a failure's text is cut and decoded exactly as `parseJunit` does it.
 */
export function scanJunit(xml: string): JunitParse {
  return scanJunitFast(xml) ?? parseJunit(xml);
}

/**
 * `parseJunit(bytes.toString('utf8'))`, from the bytes as stored, without
 * decoding the whole file: only the names, times and failure texts that go
 * into rows become strings (and the whole text when saxes must read it).
 */
export function scanJunitUtf8(bytes: Buffer): JunitParse {
  return scanBytes(bytes) ?? parseJunit(bytes.toString('utf8'));
}

/** The scanner alone: undefined when it would fall back to saxes (tests use it to see which path ran). */
export function scanJunitFast(xml: string): JunitParse | undefined {
  // A lone surrogate does not survive UTF-8; saxes reads it oddly anyway.
  if (xml.length === 0 || LONE_SURROGATE.test(xml)) return undefined;
  return scanBytes(Buffer.from(xml, 'utf8'));
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function scanBytes(bytes: Buffer): JunitParse | undefined {
  if (bytes.length === 0) return undefined;
  const ascii = isAscii(bytes);
  const w = loadBytes(bytes, ascii); // checks every byte, see xml-chars.util
  return w === undefined ? undefined : scan(w, ascii ? 'latin1' : 'utf8');
}

// SWC's CommonJS output reads an imported binding through a getter at every
// use; bound once here, the per-tag code calls plain functions.
const { isSpace, elementKind, sameBytes, word4, refEnd, attributeValue, NAME, TIME, MESS, SAGE } = u;
const { TESTCASE, TESTSUITE, TESTSUITES, FAILURE, ERROR, SKIPPED } = u;
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQ = 0x3d;
const QUOT = 0x22;
const AMP = 0x26;
const APOS = 0x27;

// Roles of open elements, as in junit-parser's JunitReader (same rules),
// plus what the parent of a new element can be.
const SUITES = 0; // <testsuites>: children are suites, or cases named by the inherited prefix
const SUITE = 1; // a suite: <testcase> and <testsuite> children count
const CASE = 2;
const FAULT = 3; // <failure> or <error> directly in a case
const ROOT = 4; // no element open yet
const IGNORED = 5; // inside an element the rules skip

// Attributes JunitReader reads from an element: only those are extracted (all are checked).
const WANT_NONE = 0;
const WANT_NAME_TIME = 1;
const WANT_MESSAGE = 2;
const WANT_NAME = 3;

type Counts = { badTimes: number; cutTexts: number };

/**
 * One pass over the bytes, JunitReader's rules applied as elements open and
 * close. Written as one function over local variables on purpose: kept in
 * registers, the per-tag state costs far less than object fields, and the
 * name tests are written out inline (`c >= 0x61 ? ...` is isNameChar,
 * `c === 0x20 || ...` isSpace): TurboFan's inlining budget runs out in a
 * function this size, and a call per byte doubled the time. Bytes past the
 * end read as undefined; `| 0` makes that 0, which no test accepts.
 * Returns undefined for "not sure".
 *
 * The cursors `amp` and `cdEnd` hold the next `&` and `]]>` at or after the
 * last place looked (`len` when none is left), so each occurrence in the
 * file is found by one native search, however many text runs there are.
 */
function scan(w: WasmBytes, encoding: 'latin1' | 'utf8'): JunitParse | undefined {
  const { bytes: b, length: len, f1, f3 } = w;
  const text = (start: number, end: number): string => w.text.toString(encoding, start, end);
  const value = (start: number, end: number, refs: boolean): string | undefined => (start < 0 ? undefined : attributeValue(text(start, end), refs));
  const tests: JunitTest[] = [];
  const counts: Counts = { badTimes: 0, cutTexts: 0 };
  let amp = -1;
  let cdEnd = -1;
  // Open elements (name start and length), for matching end tags.
  const nameStarts: number[] = [];
  const nameLens: number[] = [];
  let depth = 0;
  // Attribute names of the tag being read, for the duplicate check.
  const attrStarts: number[] = [];
  const attrLens: number[] = [];
  // JunitReader's state; a case's name and time stay offsets until the case is kept.
  const roles: number[] = [];
  const prefixes: (string | undefined)[] = [];
  let ignored = 0;
  let casePrefix: string | undefined;
  let caseName = 0;
  let caseNameEnd = 0;
  let caseNameRefs = false;
  let caseTime = -1;
  let caseTimeEnd = 0;
  let caseTimeRefs = false;
  let caseSkipped = false;
  let caseFailure: string | undefined;
  let faultStart = 0;
  let faultEnd = -1;
  let faultMessage: string | undefined;

  let pos = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0; // saxes skips a leading BOM
  if (b[pos] === LT && b[pos + 1] === QUESTION && b[pos + 2] === 0x78) pos = u.xmlDeclEnd(w, pos); // `<?x`
  if (pos < 0) return undefined;
  let lt = f1(LT, 0, 0, pos, len);
  if (lt === len || !spaceOnly(b, pos, lt)) return undefined;
  let sawRoot = false;
  for (;;) {
    let c = b[lt + 1] | 0;
    let end: number;
    let closing = -1; // where the tag closing an element starts, if one does
    let limit = -1; // the next `<`, when reading attributes needed it
    if (c >= 0x61 ? c <= 0x7a : c >= 0x41 ? c <= 0x5a || c === 0x5f : c === 0x3a) {
      // ---- start tag ----
      if (depth === 0) {
        if (sawRoot) return undefined; // a second root
        sawRoot = true;
      }
      let p = lt + 2;
      c = b[p] | 0;
      while (c >= 0x61 ? c <= 0x7a : c >= 0x41 ? c <= 0x5a || c === 0x5f : c >= 0x2d && c <= 0x3a && c !== 0x2f) c = b[++p] | 0;
      const nameLen = p - lt - 1;
      const kind = elementKind(b, lt + 1, nameLen);
      const parent = ignored > 0 ? IGNORED : roles.length === 0 ? ROOT : roles[roles.length - 1];
      const want =
        parent === SUITES ? (kind === TESTCASE ? WANT_NAME_TIME : kind === TESTSUITES ? WANT_NONE : WANT_NAME)
        : parent === SUITE ? (kind === TESTCASE ? WANT_NAME_TIME : kind === TESTSUITE ? WANT_NAME : WANT_NONE)
        : parent === CASE && (kind === FAILURE || kind === ERROR) ? WANT_MESSAGE
        : WANT_NONE;
      let val = -1;
      let valEnd = 0;
      let valRefs = false;
      let time = -1;
      let timeEnd = 0;
      let timeRefs = false;
      let gt = -1;
      if (c === GT) gt = p;
      else {
        // No value may hold a `<`: all must end before the first one after the name.
        limit = f1(LT, 0, 0, p, len);
        for (let count = 0; ; count++) {
          const spaced = c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
          while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = b[++p] | 0;
          if (c === GT) {
            gt = p;
            break;
          }
          if (c === SLASH) {
            if (b[p + 1] !== GT) return undefined;
            gt = p + 1;
            break;
          }
          if (!spaced || !(c >= 0x61 ? c <= 0x7a : c >= 0x41 ? c <= 0x5a || c === 0x5f : c === 0x3a)) return undefined;
          const attrStart = p;
          c = b[++p] | 0;
          while (c >= 0x61 ? c <= 0x7a : c >= 0x41 ? c <= 0x5a || c === 0x5f : c >= 0x2d && c <= 0x3a && c !== 0x2f) c = b[++p] | 0;
          const attrLen = p - attrStart;
          for (let k = 0; k < count; k++) if (attrLens[k] === attrLen && sameBytes(b, attrStarts[k], attrStart, attrLen)) return undefined; // duplicate
          attrStarts[count] = attrStart;
          attrLens[count] = attrLen;
          while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = b[++p] | 0;
          if (c !== EQ) return undefined;
          c = b[++p] | 0;
          while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = b[++p] | 0;
          if (c !== QUOT && c !== APOS) return undefined;
          const start = p + 1;
          p = f1(c, 0, 0, start, len);
          if (p > limit || p === len) return undefined; // a `<` inside, or unterminated
          let refs = false;
          if (amp < start) amp = f1(AMP, 0, 0, start, len);
          while (amp < p) {
            refs = true;
            const e = refEnd(b, amp);
            if (e < 0) return undefined;
            amp = f1(AMP, 0, 0, e, len);
          }
          const head = attrLen === 4 || attrLen === 7 ? word4(b, attrStart) : 0;
          if (want === WANT_MESSAGE ? attrLen === 7 && head === MESS && word4(b, attrStart + 3) === SAGE : want !== WANT_NONE && attrLen === 4 && head === NAME) {
            val = start;
            valEnd = p;
            valRefs = refs;
          } else if (want === WANT_NAME_TIME && attrLen === 4 && head === TIME) {
            time = start;
            timeEnd = p;
            timeRefs = refs;
          }
          c = b[++p] | 0;
        }
      }
      const selfClosing = b[gt - 1] === SLASH; // a `/` before `>` can only be the tag's own
      if (!selfClosing) {
        nameStarts[depth] = lt + 1;
        nameLens[depth++] = nameLen;
      }
      end = gt + 1;
      // JunitReader.open
      switch (parent) {
        case IGNORED:
          ignored++;
          break;
        case ROOT:
          if (kind === TESTSUITES) roles.push(SUITES);
          else if (kind === TESTSUITE) roles.push(SUITE);
          else return undefined; // a foreign root: saxes' to report (unexpected-root)
          prefixes.push(undefined);
          break;
        case CASE:
          if (kind === FAILURE || kind === ERROR) {
            faultStart = end; // saxes' position at the open-tag event
            faultEnd = selfClosing ? end : -1;
            faultMessage = value(val, valEnd, valRefs);
            roles.push(FAULT);
          } else {
            if (kind === SKIPPED) caseSkipped = true;
            ignored = 1;
          }
          break;
        case FAULT:
          if (faultEnd < 0) faultEnd = lt; // a failure's text ends at its first child element
          ignored = 1;
          break;
        default: // SUITES or SUITE
          if (kind === TESTCASE) {
            if (val < 0) {
              ignored = 1; // no name: skipped alone
            } else {
              casePrefix = prefixes[prefixes.length - 1];
              caseName = val;
              caseNameEnd = valEnd;
              caseNameRefs = valRefs;
              caseTime = time;
              caseTimeEnd = timeEnd;
              caseTimeRefs = timeRefs;
              caseSkipped = false;
              caseFailure = undefined;
              roles.push(CASE);
            }
          } else if (kind === TESTSUITES) {
            roles.push(SUITES);
            prefixes.push(prefixes[prefixes.length - 1]);
          } else if (parent === SUITES || kind === TESTSUITE) {
            roles.push(SUITE);
            prefixes.push(value(val, valEnd, valRefs));
          } else {
            ignored = 1;
          }
      }
      if (selfClosing) closing = lt;
    } else if (c === SLASH) {
      // ---- end tag: `</name S? >` naming the innermost open element ----
      const top = depth - 1;
      if (top < 0) return undefined;
      const nameLen = nameLens[top];
      let p = lt + 2 + nameLen;
      if (!sameBytes(b, nameStarts[top], lt + 2, nameLen)) return undefined;
      c = b[p] | 0;
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = b[++p] | 0;
      if (c !== GT) return undefined; // a longer name, or junk
      depth = top;
      end = p + 1;
      closing = lt;
    } else if (c === BANG) {
      if (b[lt + 2] === 0x2d && b[lt + 3] === 0x2d) end = u.commentEnd(w, lt);
      else if (depth > 0 && u.isCdataStart(b, lt)) end = u.cdataEnd(w, lt);
      else return undefined; // a DOCTYPE, or CDATA outside the root: saxes' to read
      if (end < 0) return undefined;
    } else if (c === QUESTION) {
      end = u.piEnd(w, lt);
      if (end < 0) return undefined;
    } else {
      return undefined;
    }

    if (closing >= 0) {
      // JunitReader.close
      if (ignored > 0) {
        ignored--;
      } else {
        const role = roles.pop();
        if (role === FAULT) {
          if (faultEnd < 0) faultEnd = closing;
          const failure = faultEnd > faultStart ? decodeCharData(text(faultStart, faultEnd)) : '';
          caseFailure = failure !== '' ? failure : (faultMessage ?? NO_FAILURE_MESSAGE);
        } else if (role === CASE) {
          if (!caseSkipped) {
            const name = attributeValue(text(caseName, caseNameEnd), caseNameRefs);
            const test = caseTest(casePrefix === undefined ? name : `${casePrefix} ${name}`, value(caseTime, caseTimeEnd, caseTimeRefs), caseFailure, counts);
            if (test !== undefined) tests.push(test);
          }
        } else {
          prefixes.pop();
        }
      }
    }

    // Most tags are followed at once by the next one; else the search for
    // `<` made while reading the attributes may already have found it.
    let next = end;
    if (b[end] !== LT) {
      next = limit >= end ? limit : f1(LT, 0, 0, end, len);
      if (depth > 0) {
        // Character data: every `&` starts a reference saxes resolves, and no `]]>`.
        if (amp < end) amp = f1(AMP, 0, 0, end, len);
        while (amp < next) {
          const e = refEnd(b, amp);
          if (e < 0) return undefined;
          amp = f1(AMP, 0, 0, e, len);
        }
        if (cdEnd < end) cdEnd = f3(0x5d, 0x5d, GT, end, len); // `]]>`
        if (cdEnd < next) return undefined;
      } else if (!spaceOnly(b, end, next)) {
        return undefined; // text outside the root
      }
      if (next === len) return sawRoot && depth === 0 ? { tests, badTimes: counts.badTimes, cutTexts: counts.cutTexts } : undefined;
    }
    lt = next;
  }
}

/** JunitReader.closeCase for a case that was not skipped: its test, or undefined for a passing repeat. */
function caseTest(name: string, time: string | undefined, failureText: string | undefined, counts: Counts): JunitTest | undefined {
  const failed = failureText !== undefined && failureText !== '';
  if (!failed && name.includes('#')) return undefined;
  const test: JunitTest = failed ? { name, failed: true } : { name };
  const seconds = parseJunitTime(time);
  if (seconds === undefined) counts.badTimes++;
  else test.time = seconds;
  if (failed) {
    const cut = cutFailureText(failureText);
    if (cut !== failureText) counts.cutTexts++;
    test.failure_text = cut;
  }
  return test;
}

/** Text outside the root: white space only. */
function spaceOnly(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(b[i])) return false;
  return true;
}
