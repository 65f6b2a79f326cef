/**
 * Removes every `<system-out>` and `<system-err>` element (at any depth) from
 * JUnit XML in one linear pass over the raw bytes, without decoding or
 * building a DOM: those logs are most of a JUnit file's bytes and never reach
 * a row. Markup is ASCII and UTF-8 continuation bytes never look like `<`, so
 * byte offsets are exact; the search is `Buffer.indexOf` (native). Comments,
 * CDATA sections, processing instructions and quoted attribute values are
 * skipped as units, so a `<system-out>` inside them is left alone and a
 * `</system-out>` inside CDATA does not end the element early. Text that is
 * not well-formed is returned with what could be stripped; the transformer
 * decides whether it parses.
 */
export function stripSystemOutErrBytes(data: Buffer): Buffer {
  const cut = systemOutErrRanges(data);
  if (cut.length === 0) return data;
  const parts: Buffer[] = [];
  let from = 0;
  for (const [a, b] of cut) {
    parts.push(data.subarray(from, a));
    from = b;
  }
  parts.push(data.subarray(from));
  return Buffer.concat(parts);
}

/** The same on text (tests, small inputs). */
export function stripSystemOutErr(xml: string): string {
  return stripSystemOutErrBytes(Buffer.from(xml, 'utf8')).toString('utf8');
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

/** [start, end) of every `<system-out>`/`<system-err>` element, in order. */
function systemOutErrRanges(s: Buffer): [number, number][] {
  const cut: [number, number][] = [];
  let i = s.indexOf(LT);
  while (i >= 0 && i < s.length) {
    const skip = skipMarkup(s, i);
    if (skip > i) {
      i = s.indexOf(LT, skip);
      continue;
    }
    if (isSystemTag(s, i + 1)) {
      const end = endOfElement(s, i);
      cut.push([i, end]);
      i = s.indexOf(LT, end);
      continue;
    }
    i = s.indexOf(LT, endOfTag(s, i));
  }
  return cut;
}

const at = (s: Buffer, i: number, text: string): boolean => {
  for (let k = 0; k < text.length; k++) if (s[i + k] !== text.charCodeAt(k)) return false;
  return true;
};

/** If `<` at i opens a comment, CDATA, PI or declaration, the index after it; else i. */
function skipMarkup(s: Buffer, i: number): number {
  if (at(s, i, '<!--')) return after(s, '-->', i + 4);
  if (at(s, i, '<![CDATA[')) return after(s, ']]>', i + 9);
  if (at(s, i, '<?')) return after(s, '?>', i + 2);
  if (at(s, i, '<!')) {
    // A DOCTYPE may hold an internal subset in [...].
    const bracket = s.indexOf('[', i);
    const close = s.indexOf(GT, i);
    if (bracket >= 0 && (close < 0 || bracket < close)) return after(s, ']>', bracket);
    return close < 0 ? s.length : close + 1;
  }
  return i;
}

function after(s: Buffer, marker: string, from: number): number {
  const j = s.indexOf(marker, from);
  return j < 0 ? s.length : j + marker.length;
}

function isSystemTag(s: Buffer, j: number): boolean {
  if (!(at(s, j, 'system-out') || at(s, j, 'system-err'))) return false;
  const c = s[j + 10];
  return c === undefined || c === GT || c === SLASH || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index after the `>` of the tag starting at i, honouring quoted attribute values. */
function endOfTag(s: Buffer, i: number): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (c === GT) return j + 1;
    if (c === 0x22 || c === 0x27) {
      const q = s.indexOf(c, j + 1);
      if (q < 0) return s.length;
      j = q + 1;
      continue;
    }
    j++;
  }
  return s.length;
}

/** Index after the whole `<system-*>` element that starts at i (self-closing or not). */
function endOfElement(s: Buffer, i: number): number {
  const tagEnd = endOfTag(s, i);
  if (s[tagEnd - 2] === SLASH) return tagEnd;
  const close = '</' + s.toString('latin1', i + 1, i + 11);
  let j = s.indexOf(LT, tagEnd);
  while (j >= 0) {
    const skip = skipMarkup(s, j);
    if (skip > j) {
      j = s.indexOf(LT, skip);
      continue;
    }
    if (at(s, j, close)) return endOfTag(s, j);
    j = s.indexOf(LT, j + 1);
  }
  return s.length;
}
