import { pythonJson, pythonNumber } from './python-json.util';

describe('pythonJson matches json.dumps(v, sort_keys=True)', () => {
  it.each([
    // Expected texts produced by CPython 3.11.
    [{ b: [1, 2.5, 1e-5, 0.0001, 1.5e-10, -3], a: 'é😀\n"\u0001\u007f', Z: null, é: true }, '{"Z": null, "a": "\\u00e9\\ud83d\\ude00\\n\\"\\u0001\\u007f", "b": [1, 2.5, 1e-05, 0.0001, 1.5e-10, -3], "\\u00e9": true}'],
    [{ 'k8s.io/release': 'master', 'k8s.io/kubernetes': 'master' }, '{"k8s.io/kubernetes": "master", "k8s.io/release": "master"}'],
    [[], '[]'],
    [{}, '{}'],
    ['tab\there\\', '"tab\\there\\\\"'],
    [{ '\ud83d\ude00': 1, '\uffff': 2 }, '{"\\uffff": 2, "\\ud83d\\ude00": 1}'],
  ])('%j', (value, text) => expect(pythonJson(value)).toBe(text));

  it.each([
    [1e16, '10000000000000000'],
    [123.456, '123.456'],
    [1.5e-7, '1.5e-07'],
    [0.1, '0.1'],
    [-0.00012, '-0.00012'],
  ])('number %p → %s', (n, text) => expect(pythonNumber(n)).toBe(text));
});
