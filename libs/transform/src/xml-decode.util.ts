/**
 * Decodes stored JUnit bytes to text the way an XML parser fed bytes would
 * (the old Kettle gave ElementTree the raw bytes): a byte order mark wins,
 * then the `encoding` of the XML declaration, else UTF-8. Bytes invalid in
 * the chosen encoding become U+FFFD instead of failing the whole file.
 */
export function decodeXml(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.toString('utf8', 3);
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  const encoding = declaredEncoding(buf);
  if (encoding === undefined || encoding === 'utf-8' || encoding === 'utf8') return buf.toString('utf8');
  // Latin-1 proper: WHATWG's TextDecoder maps the label to windows-1252.
  if (LATIN1.has(encoding)) return buf.toString('latin1');
  // Node 20's TextDecoder drops bytes 0x80-0x9F in windows-1252; map them here.
  if (CP1252.has(encoding)) return buf.toString('latin1').replace(C1, (c) => CP1252_C1[c.charCodeAt(0) - 0x80] ?? c);
  try {
    return new TextDecoder(encoding).decode(buf);
  } catch {
    return buf.toString('utf8'); // unknown label: the XML parser will judge the text
  }
}

const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'ascii']);
const CP1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252']);
const C1 = /[\u0080-\u009f]/g;
// windows-1252 for bytes 0x80..0x9F (undefined bytes stay as the C1 control).
const CP1252_C1 = [...'\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'];
// The declaration must open the document; 200 bytes is plenty for it.
const XML_DECL = /^<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/;

function declaredEncoding(buf: Buffer): string | undefined {
  if (buf.length < 6 || buf[0] !== 0x3c || buf[1] !== 0x3f) return undefined;
  return XML_DECL.exec(buf.toString('latin1', 0, 200))?.[1]?.toLowerCase();
}
