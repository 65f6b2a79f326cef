/** Seeded JUnit documents and mutations for the scanner's differential tests (junit-scanner.fuzz.spec). */

import type { Random } from '@kettle/sample-data';

// Half the documents are built from legal pieces only (so the scanner, not
// its fallback, has to get them right); the others get illegal ones too.
let bad = 0;
const illegal = (rng: Random, p: number): boolean => bad > 0 && rng.chance(p);

const WORDS = ['a', 'b c', 'sig-node', 'x#1', '#', 'é', '日本', '😀', ' ', '  2.5 ', '1E3', '1.5s', 'N/A', 'nan', '-1', '1_0', '', '0', '3.25'];
const REFS = ['&lt;', '&gt;', '&amp;', '&quot;', '&apos;', '&#10;', '&#13;', '&#9;', '&#x41;', '&#233;', '&#x1F600;', '&#0065;', '&#x0000041;'];
const BAD_REFS = ['&#X41;', '&#0;', '&#xD800;', '&#1114112;', '&nbsp;', '&', '&amp', '&#;', '&#x;', '&lt', '& ;', '&#xFFFE;', '&#12345678;'];
const SPACES = [' ', '\n', '\t', '\r\n', '\r', '  \n  '];
const TEXTS = ['text', ']]', 'x]y', 'line\r\nline', 'tab\there', '"q"', "'s'", '>', '\u0085\u2028', 'ü😀', '\ufeff', '--'];
const BAD_TEXTS = ['a < b', ']]>', 'x]]>y', '\u0001', '\ud800'];

function word(rng: Random): string {
  let s = rng.pick(WORDS);
  if (rng.chance(0.3)) s += rng.pick(REFS);
  if (rng.chance(0.15)) s += rng.pick(SPACES);
  if (illegal(rng, 0.1)) s += rng.pick(BAD_REFS);
  return s;
}

function attr(rng: Random, name: string): string {
  const q = rng.chance(0.8) ? '"' : "'";
  const eq = rng.chance(0.9) ? '=' : rng.pick([' = ', '\n=\t', ' =']);
  let value = word(rng);
  if (rng.chance(0.1)) value += q === '"' ? "'" : '"';
  if (rng.chance(0.05)) value += '>';
  if (illegal(rng, 0.05)) value += rng.pick(['<', q]);
  return ` ${name}${eq}${q}${value}${q}`;
}

function attrs(rng: Random, names: readonly string[]): string {
  let out = '';
  for (const n of names) if (rng.chance(0.85)) out += attr(rng, n);
  if (rng.chance(0.2)) out += attr(rng, rng.pick(['classname', 'file', 'x:y', 'a-b.c', '_z', 'message', 'type']));
  if (illegal(rng, 0.05)) out += attr(rng, rng.pick(names)); // a duplicate, maybe
  if (rng.chance(0.1)) out += rng.pick(SPACES);
  return out;
}

function text(rng: Random): string {
  const parts: string[] = [];
  for (let i = rng.int(0, 3); i > 0; i--) {
    const r = rng.next();
    if (r < 0.4) parts.push(illegal(rng, 0.2) ? rng.pick(BAD_TEXTS) : rng.pick(TEXTS));
    else if (r < 0.6) parts.push(illegal(rng, 0.2) ? rng.pick(BAD_REFS) : rng.pick(REFS));
    else if (r < 0.7) parts.push(`<![CDATA[${rng.pick(TEXTS)}${rng.pick(['', ']', ']]', ' <a> & '])}]]>`);
    else if (r < 0.8) parts.push(`<!--${rng.pick(['c', ' a & <b> ', ' - ', '', '\r\n'])}${illegal(rng, 0.3) ? '-' : ''}-->`);
    else if (r < 0.9) parts.push(`<?pi${rng.pick([' x', ' ?', '', '\t?>?', ' <&>'])}?>`);
    else parts.push(rng.pick(SPACES));
  }
  return parts.join('');
}

/** `<name attrs>children</name>`, self-closed when there are no children (mostly). */
function element(rng: Random, name: string, attributes: string, children: string): string {
  if (children === '' && rng.chance(0.6)) return `<${name}${attributes}${rng.pick(['/>', ' />', '/>'])}`;
  const close = rng.chance(0.9) ? `</${name}>` : `</${name}${rng.pick(SPACES)}>`;
  return `<${name}${attributes}>${children}${close}`;
}

function fault(rng: Random): string {
  const name = rng.chance(0.8) ? 'failure' : 'error';
  let body = text(rng);
  if (rng.chance(0.2)) body += element(rng, rng.pick(['b', 'system-out', 'failure']), '', text(rng)) + text(rng);
  return element(rng, name, attrs(rng, ['message', 'type']), rng.chance(0.2) ? '' : body);
}

function testcase(rng: Random): string {
  const children: string[] = [];
  for (let i = rng.int(0, 2); i > 0; i--) {
    const r = rng.next();
    if (r < 0.4) children.push(element(rng, 'skipped', attrs(rng, ['message']), rng.chance(0.7) ? '' : text(rng)));
    else if (r < 0.8) children.push(fault(rng));
    else children.push(element(rng, rng.pick(['system-out', 'system-err', 'properties', 'x']), '', text(rng)));
    if (rng.chance(0.3)) children.push(rng.pick(SPACES));
  }
  return element(rng, 'testcase', attrs(rng, ['name', 'classname', 'time']), children.join(''));
}

function suite(rng: Random, depth: number): string {
  const children: string[] = [];
  for (let i = rng.int(0, 4); i > 0; i--) {
    const r = rng.next();
    if (r < 0.7) children.push(testcase(rng));
    else if (r < 0.8 && depth < 3) children.push(suite(rng, depth + 1));
    else if (r < 0.85 && depth < 3) children.push(element(rng, 'testsuites', '', suite(rng, depth + 1)));
    else if (r < 0.9) children.push(element(rng, 'properties', '', element(rng, 'property', attrs(rng, ['name', 'value']), '')));
    else children.push(text(rng));
    if (rng.chance(0.4)) children.push(rng.pick(SPACES));
  }
  return element(rng, 'testsuite', attrs(rng, ['name', 'tests', 'time']), children.join(''));
}

/** A JUnit document: mostly well-formed, with the variety of real CI files and of XML itself. */
export function junitDocument(rng: Random): string {
  bad = rng.chance(0.5) ? 1 : 0;
  let doc = rng.chance(0.1) ? '\ufeff' : '';
  if (rng.chance(0.6)) {
    doc += rng.pick(bad ? DECLS : DECLS.slice(0, 4));
  }
  for (let i = rng.int(0, 2); i > 0; i--) doc += rng.pick(bad ? PROLOG : PROLOG.slice(0, 5));
  const r = rng.next();
  if (r < 0.45) doc += suite(rng, 0);
  else if (r < 0.9 || !bad) doc += element(rng, 'testsuites', attrs(rng, ['name']), Array.from({ length: rng.int(0, 3) }, () => (rng.chance(0.8) ? suite(rng, 1) : testcase(rng))).join(rng.pick(SPACES)));
  else doc += element(rng, rng.pick(['results', 'testSuite', 'a:testsuite']), '', testcase(rng));
  if (rng.chance(0.2)) doc += rng.pick(bad ? EPILOG : EPILOG.slice(0, 4));
  return doc;
}

const DECLS = [
  '<?xml version="1.0"?>',
  '<?xml version="1.0" encoding="UTF-8"?>',
  "<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?>",
  '<?xml  version = "1.0"  standalone="no" ?>',
  '<?xml version="1.1"?>',
  '<?xml version="1.0" standalone="yes" encoding="UTF-8"?>',
  '<?xml encoding="UTF-8"?>',
  '<?xml version="1.0"?><?xml version="1.0"?>',
  '<?XML version="1.0"?>',
  '<?xml-stylesheet href="a"?>',
];
const PROLOG = ['\n', ' ', '<!-- c -->', '<?pi x?>', '<!---->', '<!DOCTYPE testsuite>', '<?pi?>', 'junk', '<!-- - -->'];
const EPILOG = ['\n', '<!-- after -->', '<?pi y?>', '\r', ' x', '<testsuite/>', '&amp;'];

const INSERTS = ['<', '>', '&', ';', '"', "'", '/', '=', ']', '!', '?', '-', ' ', '\t', '\n', '\r', '\u0000', '\u000b', '\ufffe', '\ud800', '\udc00', 'é', '😀', 'x', '#', ':', '<!--', '<![CDATA[', ']]>', '</a>', '<a>'];

/** A small random edit: insert, delete, duplicate or swap a piece. */
export function mutate(rng: Random, doc: string): string {
  const at = rng.int(0, doc.length);
  switch (rng.int(0, 3)) {
    case 0:
      return doc.slice(0, at) + rng.pick(INSERTS) + doc.slice(at);
    case 1:
      return doc.slice(0, at) + doc.slice(at + rng.int(1, 4));
    case 2: {
      const piece = doc.slice(at, at + rng.int(1, 12));
      return doc.slice(0, at) + piece + doc.slice(at);
    }
    default: {
      const to = rng.int(0, doc.length);
      return doc.slice(0, Math.min(at, to)) + doc.charAt(Math.max(at, to)) + doc.slice(Math.min(at, to) + 1);
    }
  }
}

/** UTF-8 bytes with a random byte edit, often making the encoding itself invalid. */
export function mutateBytes(rng: Random, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const at = rng.int(0, Math.max(0, out.length - 1));
  const edits = [[0xef, 0xbf, 0xbe], [0xef, 0xbf, 0xbf], [0xed, 0xa0, 0x80], [0xc3], [0xe2, 0x82], [0xff], [0x00], [0x80], [0xf0, 0x9f, 0x98, 0x80]];
  return Buffer.concat([out.subarray(0, at), Buffer.from(rng.pick(edits)), out.subarray(at + rng.int(0, 2))]);
}
