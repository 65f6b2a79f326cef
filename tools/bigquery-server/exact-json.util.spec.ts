import { JsonSyntaxError, parseExactJson, stringifyExact } from './exact-json.util';

describe('parseExactJson', () => {
  it('keeps integer literals beyond 2^53 exact, as bigint', () => {
    const v = parseExactJson('{"number": 1234567890123456789, "neg": -9223372036854775808, "small": 9007199254740991}');
    expect(v).toEqual({ number: 1234567890123456789n, neg: -9223372036854775808n, small: 9007199254740991 });
  });

  it('leaves floats and exponents to JS numbers, as BigQuery treats them as floats', () => {
    expect(parseExactJson('[1234567890123456789.0, 1e19, 0.5, -0, 12E-2]')).toEqual([1234567890123456800, 1e19, 0.5, -0, 0.12]);
  });

  it('agrees with JSON.parse on everything else', () => {
    const samples = [
      '{"a":[1,2,{"b":null}],"c":"x\\"y\\\\z\\n\\u00e9\\ud83d\\ude00","d":true,"e":false}',
      ' [ ] ',
      '{}',
      '"gs://kubernetes-jenkins/logs/job/1234567890123456789"',
      '{"k":"é ü 日本"}',
      '[-1, 0, 3.25, 1e-7, 2E+3]',
    ];
    for (const s of samples) expect(parseExactJson(s)).toEqual(JSON.parse(s));
  });

  it('adds a "__proto__" key as data instead of replacing the prototype', () => {
    const v = parseExactJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['', '{', '[1,]', '{"a" 1}', '01', '1.', '"abc', '"a\tb"', 'nul', '{"a":1}x', '-', '"\\x"'])('rejects %j', (s) => {
    expect(() => parseExactJson(s)).toThrow(JsonSyntaxError);
  });

  it('refuses hostile nesting without overflowing the stack', () => {
    expect(() => parseExactJson('['.repeat(100_000))).toThrow(/nested too deeply/);
  });

  it('parses a 10 MB batch of rows quickly', () => {
    const row = { path: 'gs://b/logs/j/1234567890123456789', number: '1', test: Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, time: i / 3 })) };
    const text = JSON.stringify({ rows: Array.from({ length: 7000 }, () => ({ json: row })) });
    const start = performance.now();
    const v = parseExactJson(text);
    // About 0.2 s here (JSON.parse: 0.1 s); the bound only catches a pathological slowdown.
    expect(performance.now() - start).toBeLessThan(1500);
    expect(JSON.stringify(v)).toBe(text);
  });
});

describe('stringifyExact', () => {
  it('writes bigints as bare digits', () => {
    expect(stringifyExact({ n: 1234567890123456789n, s: 'a"b', a: [1, null, true] })).toBe('{"n":1234567890123456789,"s":"a\\"b","a":[1,null,true]}');
  });
});
