import { FAILURE_TEXT_MAX_BYTES, cutFailureText, decodeCharData, parseJunitTime } from './junit-values.util';

describe('parseJunitTime (Python float() syntax, finite only)', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['12.5', 12.5],
    [' 2.5 ', 2.5],
    ['1E3', 1000],
    ['1e-3', 0.001],
    ['.5', 0.5],
    ['5.', 5],
    ['+3', 3],
    ['-1', -1],
    ['1_000.5', 1000.5],
    ['2.065e-05', 2.065e-5],
    ['1.5s', undefined],
    ['N/A', undefined],
    ['nan', undefined],
    ['NaN', undefined],
    ['inf', undefined],
    ['Infinity', undefined],
    ['1e999', undefined],
    ['0x10', undefined],
    ['1__0', undefined],
    ['_1', undefined],
    [' ', undefined],
    ['1,5', undefined],
    ['.', undefined],
    ['1.2.3', undefined],
    ['007.50', 7.5],
    ['9'.repeat(400), undefined],
  ])('%p → %p', (raw, n) => expect(parseJunitTime(raw)).toBe(n));
});

describe('cutFailureText', () => {
  it('keeps texts up to the cap whole', () => {
    const atCap = 'x'.repeat(FAILURE_TEXT_MAX_BYTES);
    expect(cutFailureText(atCap)).toBe(atCap);
    expect(cutFailureText('€'.repeat(87_381))).toHaveLength(87_381); // 262,143 bytes
  });

  it('cuts longer texts at a character boundary and says so', () => {
    const text = 'a' + '😀'.repeat(100_000); // 400,001 bytes
    const cut = cutFailureText(text);
    expect(cut).toBe('a' + '😀'.repeat(65_510) + '\n[kettle: failure text cut, first 262041 of 400001 bytes kept]');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(FAILURE_TEXT_MAX_BYTES);
  });
});

describe('decodeCharData (content saxes already checked)', () => {
  it.each<[string, string]>([
    ['plain text', 'plain text'],
    ['a &lt;b&gt; &quot;c&quot; &apos;d&apos; &amp;', 'a <b> "c" \'d\' &'],
    ['&amp;lt; is a literal &lt;', '&lt; is a literal <'],
    ['1\r\n2\r3', '1\n2\n3'],
    ['&#233;&#xE9;&#x1F600;&#13;', 'éé😀\r'],
    ['a<![CDATA[<&amp;>\r\n]]>b', 'a<&amp;>\nb'],
    ['a<!-- &lt; -->b<?pi &amp; ?>c', 'abc'],
  ])('%j → %j', (raw, text) => expect(decodeCharData(raw)).toBe(text));
});
