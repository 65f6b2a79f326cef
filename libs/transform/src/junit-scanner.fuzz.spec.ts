import { isDeepStrictEqual } from 'node:util';
import { parseJunit, type JunitParse } from './junit-parser';
import { Random } from '@kettle/sample-data';
import { junitDocument, mutate, mutateBytes } from './junit-fuzz.test-util';
import { scanJunit, scanJunitFast, scanJunitUtf8 } from './junit-scanner';

// Differential fuzzing: the scanner must give exactly parseJunit's result
// (same tests, names, times, failure texts, problem kinds and details) for
// seeded documents, well-formed or not. Deterministic; a few seconds.

type Mismatch = { doc: string; scanned: JunitParse; parsed: JunitParse };

function check(doc: string, mismatches: Mismatch[], stats: { fast: number; total: number }): void {
  const parsed = parseJunit(doc);
  const scanned = scanJunit(doc);
  if (!isDeepStrictEqual(scanned, parsed)) mismatches.push({ doc, scanned, parsed });
  const bytes = Buffer.from(doc, 'utf8');
  const fromBytes = scanJunitUtf8(bytes);
  const parsedBytes = bytes.toString('utf8') === doc ? parsed : parseJunit(bytes.toString('utf8'));
  if (!isDeepStrictEqual(fromBytes, parsedBytes)) mismatches.push({ doc: `(bytes) ${doc}`, scanned: fromBytes, parsed: parsedBytes });
  stats.total++;
  if (scanJunitFast(doc) !== undefined) stats.fast++;
}

function report(mismatches: Mismatch[]): string {
  return mismatches
    .slice(0, 3)
    .map((m) => `${JSON.stringify(m.doc)}\n  scanner: ${JSON.stringify(m.scanned)}\n  saxes:   ${JSON.stringify(m.parsed)}`)
    .join('\n');
}

describe('scanJunit matches parseJunit (differential fuzz)', () => {
  it('on generated documents and small edits of them', () => {
    const rng = new Random(20241126);
    const mismatches: Mismatch[] = [];
    const generated = { fast: 0, total: 0 };
    const edited = { fast: 0, total: 0 };
    for (let i = 0; i < 6000; i++) {
      const doc = junitDocument(rng);
      check(doc, mismatches, generated);
      let changed = doc;
      for (let k = rng.int(1, 3); k > 0; k--) changed = mutate(rng, changed);
      check(changed, mismatches, edited);
    }
    expect(report(mismatches)).toBe('');
    // The fuzz must exercise the scanner itself, not only its fallback.
    expect(generated.fast / generated.total).toBeGreaterThan(0.4);
    expect(edited.fast / edited.total).toBeGreaterThan(0.03);
  });

  it('on every truncation of small documents', () => {
    const rng = new Random(7);
    const mismatches: Mismatch[] = [];
    const stats = { fast: 0, total: 0 };
    for (let i = 0; i < 150; i++) {
      const doc = junitDocument(rng);
      if (doc.length > 400) continue;
      for (let end = 0; end <= doc.length; end++) check(doc.slice(0, end), mismatches, stats);
    }
    expect(report(mismatches)).toBe('');
    expect(stats.total).toBeGreaterThan(5000);
  });

  it('on UTF-8 bytes edited into odd or invalid sequences', () => {
    const rng = new Random(99);
    const bad: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const bytes = mutateBytes(rng, Buffer.from(junitDocument(rng), 'utf8'));
      const expected = parseJunit(bytes.toString('utf8'));
      if (!isDeepStrictEqual(scanJunitUtf8(bytes), expected)) bad.push(bytes.toString('hex'));
    }
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('on a well-formed file, the scanner decides alone (no fallback)', () => {
    const xml =
      '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- head --><?pi x?>\n<testsuites name="all">\r\n' +
      '  <testsuite name="S &amp; T" time="1">\n' +
      `    <testcase name='a\tb\r\nc' classname="x" time=" 2.5 "><skipped/></testcase>\n` +
      '    <testcase name="f&#10;" time="1E3"><failure message="m">head<![CDATA[<x>]]>&lt;&#x1F600;<b>tail</b></failure></testcase>\n' +
      '    <testcase name="日本 😀" time="1.5s"><error type="e"/><system-out>o</system-out></testcase>\n' +
      '    <properties><property name="p" value="v"/></properties>\n' +
      '  </testsuite >\n</testsuites>\n<!-- tail -->\n';
    const fast = scanJunitFast(xml);
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseJunit(xml));
    expect(fast?.tests.map((t) => t.name)).toEqual(['S & T f\n', 'S & T 日本 😀']);
  });
});
