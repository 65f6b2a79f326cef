import { parseJunit, type JunitParse, type JunitProblemKind, type JunitTest } from './junit-parser';
import { scanJunit, scanJunitUtf8 } from './junit-scanner';
import { FAILURE_TEXT_MAX_BYTES } from './junit-values.util';

// Every expectation holds for saxes' parseJunit and for the fast scanner
// (junit-scanner), from text and from UTF-8 bytes: same tests, same problems.
const PARSERS: [string, (xml: string) => JunitParse][] = [
  ['parseJunit', parseJunit],
  ['scanJunit', scanJunit],
  ['scanJunitUtf8', (xml) => scanJunitUtf8(Buffer.from(xml, 'utf8'))],
];

describe.each(PARSERS)('%s', (_parser, parseJunit) => {

const suite = (cases: string): string => `<testsuite name="S">${cases}</testsuite>`;
const pass = (name: string, time = 0): JunitTest => ({ name, time });
const fail = (name: string, failure_text: string, time = 0): JunitTest => ({ name, time, failed: true, failure_text });

describe('parseJunit: DESIGN §5 rules', () => {
  it.each<[string, string, JunitTest[]]>([
    [
      'bare <testsuite> root: case name alone, in file order',
      suite('<testcase name="b" time="1.0"/><testcase name="a" time="2"/>'),
      [pass('b', 1), pass('a', 2)],
    ],
    [
      '<testsuites> root: "<suite name> <case name>"',
      '<testsuites><testsuite name="S1"><testcase name="a" time="1"/></testsuite><testsuite name="S2"><testcase name="b"/></testsuite></testsuites>',
      [pass('S1 a', 1), pass('S2 b')],
    ],
    ['<skipped> leaves the case out', suite('<testcase name="a"><skipped/></testcase><testcase name="b"/>'), [pass('b')]],
    ['<skipped> with a failure still leaves it out', suite('<testcase name="a"><skipped message="x"/><failure>f</failure></testcase>'), []],
    ['a passing case with # is a repeat, left out', suite('<testcase name="t#1"/><testcase name="t"/>'), [pass('t')]],
    ['a failing case with # stays', suite('<testcase name="t#2"><failure>f</failure></testcase>'), [fail('t#2', 'f')]],
    ['# in the suite name counts too', '<testsuites><testsuite name="S#1"><testcase name="t"/></testsuite></testsuites>', []],
    ['failure with text (message ignored)', suite('<testcase name="a"><failure message="m">text</failure></testcase>'), [fail('a', 'text')]],
    ['failure with only a message', suite('<testcase name="a"><failure message="only message"/></testcase>'), [fail('a', 'only message')]],
    ['failure with neither', suite('<testcase name="a"><failure/></testcase>'), [fail('a', 'No Failure Message Found')]],
    ['failure with message="" and no text does not fail', suite('<testcase name="a"><failure message=""/></testcase>'), [pass('a')]],
    ['whitespace text is text, as ElementTree saw it', suite('<testcase name="a"><failure message="m">\n  </failure></testcase>'), [fail('a', '\n  ')]],
    ['several failures: the last wins', suite('<testcase name="a"><failure>first</failure><failure message="second"/></testcase>'), [fail('a', 'second')]],
    ['several failures: a last empty one passes', suite('<testcase name="a"><failure>first</failure><failure message=""/></testcase>'), [pass('a')]],
    ['failure text stops at its first child element', suite('<testcase name="a"><failure>head<b>x</b>tail</failure></testcase>'), [fail('a', 'head')]],
    ['failure text stops at the first of several children', suite('<testcase name="a"><failure>head<c/>mid<b>x</b>tail</failure></testcase>'), [fail('a', 'head')]],
    ['a child first: no text, so the message', suite('<testcase name="a"><failure message="m"><c/>text</failure></testcase>'), [fail('a', 'm')]],
    ['a failure nested deeper than the case is ignored', suite('<testcase name="a"><x><failure>f</failure></x></testcase>'), [pass('a')]],
    ['a case under an unknown element is ignored', suite('<group><testcase name="a"/></group><testcase name="b"/>'), [pass('b')]],
    ['<system-out>/<system-err> at any depth are ignored', suite('<system-out>x<testcase name="h"/></system-out><testcase name="a"><system-err>e</system-err><failure>f<system-out>o</system-out></failure></testcase>'), [fail('a', 'f')]],
    ['<properties> under <testsuite> is ignored', suite('<properties><property name="p" value="v"/></properties><testcase name="a"/>'), [pass('a')]],
    ['a suite with name="" still prefixes (old behaviour)', '<testsuites><testsuite name=""><testcase name="a"/></testsuite></testsuites>', [pass(' a')]],
  ])('%s', (_name, xml, tests) => {
    expect(parseJunit(xml)).toEqual({ tests, badTimes: 0, cutTexts: 0 });
  });
});

describe('parseJunit: deliberate differences from the old Kettle', () => {
  it.each<[string, string, JunitTest[]]>([
    ['1. <error> fails its case like <failure>', suite('<testcase name="a"><error message="e">trace</error></testcase>'), [fail('a', 'trace')]],
    ['1. <error> with only a message', suite('<testcase name="a"><error message="e"/></testcase>'), [fail('a', 'e')]],
    ['1. <failure> then <error>: the last wins', suite('<testcase name="a"><failure>f</failure><error>e</error></testcase>'), [fail('a', 'e')]],
    [
      '2. a suite without name under <testsuites> names cases by the case name alone',
      '<testsuites><testsuite><testcase name="a"/></testsuite><testsuite name="S"><testcase name="b"/></testsuite></testsuites>',
      [pass('a'), pass('S b')],
    ],
    ['2. a case without name is skipped alone', suite('<testcase time="1"><failure>f</failure></testcase><testcase name="b"/>'), [pass('b')]],
    [
      '2. <properties> under <testsuites> is ignored',
      '<testsuites><properties><property name="p" value="v"/></properties><testsuite name="S"><testcase name="a"/></testsuite></testsuites>',
      [pass('S a')],
    ],
    [
      '3. suites nested in a bare suite, named by the nearest suite',
      '<testsuite name="R"><testcase name="top"/><testsuite name="N"><testcase name="deep"/><testsuite><testcase name="anon"/></testsuite></testsuite></testsuite>',
      [pass('top'), pass('N deep'), pass('anon')],
    ],
    [
      '3. suites nested under <testsuites>',
      '<testsuites><testsuite name="A"><testsuite name="B"><testcase name="x"/></testsuite><testcase name="y"/></testsuite></testsuites>',
      [pass('B x'), pass('A y')],
    ],
    ['3. <testsuites> nested in a suite is transparent', '<testsuite><testsuite name="A"><testsuites><testcase name="x"/></testsuites></testsuite></testsuite>', [pass('A x')]],
    ['a case directly under <testsuites> is read', '<testsuites><testcase name="direct"/></testsuites>', [pass('direct')]],
  ])('%s', (_name, xml, tests) => {
    expect(parseJunit(xml)).toEqual({ tests, badTimes: 0, cutTexts: 0 });
  });

  it('5. an unparsable time is left out of that test only; the file still counts', () => {
    const xml = suite(
      ['missing', 'empty:', 'spaces: 2.5 ', 'exp:1E3', 'sec:1.5s', 'na:N/A', 'nan:nan', 'inf:inf', 'neg:-1', 'under:1_000.5', 'blank: ', 'huge:1e999']
        .map((s) => {
          const [name, time] = s.split(':') as [string, string | undefined];
          return time === undefined ? `<testcase name="${name}"/>` : `<testcase name="${name}" time="${time}"/>`;
        })
        .join(''),
    );
    const r = parseJunit(xml);
    expect(r.tests).toEqual([
      pass('missing', 0),
      pass('empty', 0),
      pass('spaces', 2.5),
      pass('exp', 1000),
      { name: 'sec' },
      { name: 'na' },
      { name: 'nan' },
      { name: 'inf' },
      pass('neg', -1),
      pass('under', 1000.5),
      { name: 'blank' },
      { name: 'huge' },
    ]);
    expect(r.badTimes).toBe(6);
  });

  it(`6. a failure text over ${FAILURE_TEXT_MAX_BYTES} bytes is cut with a marker`, () => {
    const long = 'é'.repeat(200_000); // 400,000 UTF-8 bytes
    const r = parseJunit(suite(`<testcase name="a"><failure>${long}</failure></testcase><testcase name="b"><failure>short</failure></testcase>`));
    const text = r.tests[0]?.failure_text ?? '';
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(FAILURE_TEXT_MAX_BYTES);
    expect(text).toBe('é'.repeat(131_022) + '\n[kettle: failure text cut, first 262044 of 400000 bytes kept]');
    expect(r.tests[1]).toEqual(fail('b', 'short'));
    expect(r.cutTexts).toBe(1);
  });
});

describe('parseJunit: XML syntax real CI writes', () => {
  it.each<[string, string, JunitTest[]]>([
    ['CDATA', suite('<testcase name="a"><failure><![CDATA[x < y && <b>]]></failure></testcase>'), [fail('a', 'x < y && <b>')]],
    ['CDATA mixed with text', suite('<testcase name="a"><failure>a<![CDATA[<b>]]>c</failure></testcase>'), [fail('a', 'a<b>c')]],
    [
      'predefined entities and character references',
      suite('<testcase name="a &amp; &lt;b&gt; &quot;q&quot; &apos;s&apos; &#233; &#x1F600;"><failure>&lt;&#10;&gt;</failure></testcase>'),
      [fail('a & <b> "q" \'s\' é 😀', '<\n>')],
    ],
    ['comments and PIs anywhere', '<?xml version="1.0"?><!-- c --><?pi x?><testsuite><!-- in --><?pi y?><testcase name="a"><failure>a<!-- c -->b</failure></testcase></testsuite><!-- after -->', [fail('a', 'ab')]],
    ['XML declaration with encoding', '<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>' + suite('<testcase name="café"/>'), [pass('café')]],
    ['BOM', '\ufeff' + suite('<testcase name="a"/>'), [pass('a')]],
    ['non-ASCII and astral characters', suite('<testcase name="日本 😀"><failure>ü😀</failure></testcase>'), [fail('日本 😀', 'ü😀')]],
    ['CRLF line ends become LF', suite('<testcase name="a"><failure>1\r\n2\r3</failure></testcase>'), [fail('a', '1\n2\n3')]],
    ['attribute whitespace is normalised', suite('<testcase name="a\nb\tc"/>'), [pass('a b c')]],
    ['a DOCTYPE without entities is skipped, nothing fetched', '<!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/junit.dtd">' + suite('<testcase name="a"/>'), [pass('a')]],
    ['BOM before a failure text (offsets stay right)', '\ufeff' + suite('<testcase name="a"><failure>é😀 text</failure></testcase>'), [fail('a', 'é😀 text')]],
    ['failure text with a comment holding & and <', suite('<testcase name="a"><failure>x<!-- a & <b> -->y</failure></testcase>'), [fail('a', 'xy')]],
    ['CRLF inside CDATA, &#13; kept as CR', suite('<testcase name="a"><failure><![CDATA[1\r\n2]]>&#13;&amp;lt;</failure></testcase>'), [fail('a', '1\n2\r&lt;')]],
    ['> in the failure message attribute', suite('<testcase name="a"><failure message="a > b"></failure></testcase>'), [fail('a', 'a > b')]],
    ['self-closing failure between texts', suite('<testcase name="a"><failure message="m"/><failure>t</failure></testcase>'), [fail('a', 't')]],
    ['single-quoted attributes, self-closing and spaced tags', `<testsuite ><testcase name='a' time = '1' ></testcase ><testcase name='b'/></testsuite >`, [pass('a', 1), pass('b')]],
  ])('%s', (_name, xml, tests) => {
    expect(parseJunit(xml)).toEqual({ tests, badTimes: 0, cutTexts: 0 });
  });
});

describe('parseJunit: files that give no tests', () => {
  it.each<[string, string, JunitProblemKind, string]>([
    ['empty file', '', 'empty', 'empty file'],
    ['whitespace only', ' \n', 'malformed', 'document must contain a root element.'],
    ['truncated inside a tag', suite('<testcase name="a"/><testcase name="b"').slice(0, -12), 'malformed', 'unclosed tag: testsuite'],
    ['truncated after tests (none kept)', '<testsuite><testcase name="a"/><testcase name="b"/>', 'malformed', 'unclosed tag: testsuite'],
    ['mismatched tags', '<testsuite><testcase name="a"></testsuite>', 'malformed', 'unexpected close tag.'],
    ['text after the root', suite('') + 'junk', 'malformed', 'text data outside of root node.'],
    ['binary garbage', '\u0000\u0001PK', 'malformed', 'disallowed character.'],
    ['unknown entity', suite('<testcase name="&nbsp;"/>'), 'malformed', 'undefined entity.'],
    ['root other than testsuite/testsuites', '<results><testcase name="a"/></results>', 'unexpected-root', 'root element <results> is neither <testsuite> nor <testsuites>'],
    [
      'billion laughs',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
        Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
        ']><testsuite><testcase name="&lol9;"/></testsuite>',
      'dtd-entities',
      'DOCTYPE declares entities; not expanded',
    ],
    ['external SYSTEM entity', '<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + suite('<testcase name="a"><failure>&xxe;</failure></testcase>'), 'dtd-entities', 'DOCTYPE declares entities; not expanded'],
    ['parameter entity', '<!DOCTYPE t [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>' + suite(''), 'dtd-entities', 'DOCTYPE declares entities; not expanded'],
    ['entity from an external DTD is never resolved', '<!DOCTYPE t SYSTEM "http://127.0.0.1:9/t.dtd">' + suite('<testcase name="&ext;"/>'), 'malformed', 'undefined entity.'],
  ])('%s', (_name, xml, kind, detail) => {
    expect(parseJunit(xml)).toEqual({ tests: [], problem: { kind, detail }, badTimes: 0, cutTexts: 0 });
  });
});

describe('parseJunit: size', () => {
  it('reads a ~2 MB file with large failure texts', () => {
    const trace = '/go/src/k8s.io/kubernetes/test/e2e/framework/util.go:1234 Expected &lt;*errors.errorString&gt; timed out\n';
    let body = '';
    for (let i = 0; i < 4000; i++) {
      if (i % 500 === 0) body += `<testcase name="[sig-x] fails ${i}" time="${i}.5"><failure type="Failure">${trace.repeat(2500)}</failure></testcase>`;
      else if (i % 4 === 0) body += `<testcase name="[sig-x] runs ${i}" time="1"/>`;
      else body += `<testcase name="[sig-x] skipped ${i}" time="0"><skipped/></testcase>`;
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="Kubernetes e2e suite" tests="4000">${body}</testsuite>`;
    expect(xml.length).toBeGreaterThan(2_000_000);
    const r = parseJunit(xml);
    expect(r.tests).toHaveLength(1000);
    const failed = r.tests.filter((t) => t.failed);
    expect(failed).toHaveLength(8);
    expect(failed[0]).toMatchObject({ name: '[sig-x] fails 0', time: 0.5 });
    // 2,500 lines of 102 bytes = 255,000 bytes: under the cap, kept whole and decoded.
    expect(failed[0]?.failure_text).toBe(trace.replace('&lt;', '<').replace('&gt;', '>').repeat(2500));
    expect(r.cutTexts).toBe(0);
  });
});
});
