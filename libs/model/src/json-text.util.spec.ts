import type { JsonValue } from './build-json.types';
import { compareCodePoints, pythonFloat, pythonInt, pythonJsonText, pythonString } from './json-text.util';

// Every expected text below was printed by CPython 3.11's
// json.dumps(value, sort_keys=True) / repr(float) for the same value.
describe('pythonJsonText = json.dumps(v, sort_keys=True)', () => {
  it.each<[string, JsonValue, string]>([
    [
      'escapes, ensure_ascii, nested list, sorted keys',
      { b: [1, 2.5, 1e-5, 0.0001, 1.5e-10, -3], a: 'é😀\n"\u0001\u007f\t\b\f\r\\', Z: null, é: true },
      '{"Z": null, "a": "\\u00e9\\ud83d\\ude00\\n\\"\\u0001\\u007f\\t\\b\\f\\r\\\\", "b": [1, 2.5, 1e-05, 0.0001, 1.5e-10, -3], "\\u00e9": true}',
    ],
    ['pod-utils repos', { 'k8s.io/release': 'master', 'k8s.io/kubernetes': 'master' }, '{"k8s.io/kubernetes": "master", "k8s.io/release": "master"}'],
    ['empty list', [], '[]'],
    ['empty object', {}, '{}'],
    ['lone surrogate', '\ud800x', '"\\ud800x"'],
    // JS puts integer-like keys first; Python sorts them as strings, and by code point (astral after U+FFFF).
    ['key order: code points, integer-like keys', { '\u{1F600}': 1, '\uffff': 2, '10': 3, '9': 4 }, '{"10": 3, "9": 4, "\\uffff": 2, "\\ud83d\\ude00": 1}'],
    ['nested objects sorted too', { b: { d: 1, c: [{ f: 1, e: 2 }] }, a: false }, '{"a": false, "b": {"c": [{"e": 2, "f": 1}], "d": 1}}'],
  ])('%s', (_name, value, text) => expect(pythonJsonText(value)).toBe(text));

  it('writes integer-valued numbers as Python ints (JSON.parse has already lost `1.0`)', () => {
    expect(pythonJsonText(JSON.parse('{"a": 1.0, "b": 1}') as JsonValue)).toBe('{"a": 1, "b": 1}');
  });

  it('writes big integers in full digits (already rounded by JSON.parse beyond 2^53)', () => {
    expect(pythonJsonText(1e21)).toBe('1000000000000000000000');
    expect(pythonJsonText(JSON.parse('12345678901234567890') as number)).toBe('12345678901234567168');
  });
});

describe('pythonFloat = repr(float)', () => {
  it.each<[number, string]>([
    [3, '3.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [2.065e-5, '2.065e-05'],
    [6.342e-6, '6.342e-06'],
    [654.279097299, '654.279097299'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [1e-4, '0.0001'],
    [0.00012345, '0.00012345'],
    [1e22, '1e+22'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.1 + 0.2, '0.30000000000000004'],
    [100, '100.0'],
    [1234567890123456, '1234567890123456.0'],
  ])('%p → %s', (n, text) => expect(pythonFloat(n)).toBe(text));
});

describe('helpers', () => {
  it('pythonInt never uses an exponent', () => {
    expect(pythonInt(1595284709)).toBe('1595284709');
    expect(pythonInt(-0)).toBe('0');
    expect(pythonInt(1e22)).toBe('10000000000000000000000');
  });
  it('pythonString leaves plain ASCII to JSON.stringify', () => {
    expect(pythonString('plain [sig-node] text')).toBe('"plain [sig-node] text"');
    expect(pythonString('\u2028')).toBe('"\\u2028"');
  });
  it('compareCodePoints orders astral characters after U+FFFF', () => {
    expect(['\u{1F600}', '\uffff', 'a', 'ab', ''].sort(compareCodePoints)).toEqual(['', 'a', 'ab', '\uffff', '\u{1F600}']);
  });
});
