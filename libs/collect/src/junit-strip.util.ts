/**
 * Removes every `<system-out>` and `<system-err>` element (at any depth) from
 * JUnit XML in one linear pass over the text, without building a DOM: those
 * logs are most of a JUnit file's bytes and never reach a row. Comments,
 * CDATA sections, processing instructions and quoted attribute values are
 * skipped as units, so a `<system-out>` inside them is left alone and a
 * `</system-out>` inside CDATA does not end the element early. Text that is
 * not well-formed is returned with what could be stripped; the transformer
 * decides whether it parses.
 */
export function stripSystemOutErr(xml: string): string {
  const cut = systemOutErrRanges(xml);
  if (cut.length === 0) return xml;
  let out = '';
  let from = 0;
  for (const [a, b] of cut) {
    out += xml.slice(from, a);
    from = b;
  }
  return out + xml.slice(from);
}

/**
 * The same on raw bytes, without decoding: markup is ASCII, and UTF-8
 * continuation bytes never look like `<`, so a Latin-1 view (one char per
 * byte, a plain copy) gives byte offsets. Logs are cut before any decoding
 * and the kept bytes go to zlib as they are.
 */
export function stripSystemOutErrBytes(data: Buffer): Buffer {
  const cut = systemOutErrRanges(data.toString('latin1'));
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

/** [start, end) of every `<system-out>`/`<system-err>` element, in order. */
function systemOutErrRanges(xml: string): [number, number][] {
  const cut: [number, number][] = [];
  let i = xml.indexOf('<');
  while (i >= 0 && i < xml.length) {
    const skip = skipMarkup(xml, i);
    if (skip > i) {
      i = xml.indexOf('<', skip);
      continue;
    }
    if (isSystemTag(xml, i + 1)) {
      const end = endOfElement(xml, i);
      cut.push([i, end]);
      i = xml.indexOf('<', end);
      continue;
    }
    i = xml.indexOf('<', endOfTag(xml, i));
  }
  return cut;
}

/** If `<` at i opens a comment, CDATA, PI or declaration, the index after it; else i. */
function skipMarkup(s: string, i: number): number {
  if (s.startsWith('<!--', i)) return after(s, '-->', i + 4);
  if (s.startsWith('<![CDATA[', i)) return after(s, ']]>', i + 9);
  if (s.startsWith('<?', i)) return after(s, '?>', i + 2);
  if (s.startsWith('<!', i)) {
    // A DOCTYPE may hold an internal subset in [...].
    const bracket = s.indexOf('[', i);
    const close = s.indexOf('>', i);
    if (bracket >= 0 && (close < 0 || bracket < close)) return after(s, ']>', bracket);
    return close < 0 ? s.length : close + 1;
  }
  return i;
}

function after(s: string, marker: string, from: number): number {
  const j = s.indexOf(marker, from);
  return j < 0 ? s.length : j + marker.length;
}

function isSystemTag(s: string, j: number): boolean {
  if (!(s.startsWith('system-out', j) || s.startsWith('system-err', j))) return false;
  const c = s.charCodeAt(j + 10);
  return c === 62 /* > */ || c === 47 /* / */ || c === 32 || c === 9 || c === 10 || c === 13 || Number.isNaN(c);
}

/** Index after the `>` of the tag starting at i, honouring quoted attribute values. */
function endOfTag(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 62) return j + 1;
    if (c === 34 || c === 39) {
      const q = s.indexOf(c === 34 ? '"' : "'", j + 1);
      if (q < 0) return s.length;
      j = q + 1;
      continue;
    }
    j++;
  }
  return s.length;
}

/** Index after the whole `<system-*>` element that starts at i (self-closing or not). */
function endOfElement(s: string, i: number): number {
  const tagEnd = endOfTag(s, i);
  if (s.charCodeAt(tagEnd - 2) === 47 /* / */) return tagEnd;
  const name = s.slice(i + 1, i + 11);
  let j = s.indexOf('<', tagEnd);
  while (j >= 0) {
    const skip = skipMarkup(s, j);
    if (skip > j) {
      j = s.indexOf('<', skip);
      continue;
    }
    if (s.startsWith('</' + name, j)) return endOfTag(s, j);
    j = s.indexOf('<', j + 1);
  }
  return s.length;
}
