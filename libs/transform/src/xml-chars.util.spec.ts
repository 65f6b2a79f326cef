import { loadBytes, type WasmBytes } from './xml-chars.util';

const load = (s: string | Uint8Array): WasmBytes | undefined => {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return loadBytes(bytes, bytes.every((b) => b < 0x80));
};

describe('loadBytes: the character check', () => {
  it('refuses every C0 control but TAB, LF and CR, wherever it sits in the 16-byte lanes', () => {
    const wrong: string[] = [];
    for (let byte = 0; byte < 0x80; byte++) {
      for (const length of [1, 15, 16, 17, 33, 100]) {
        for (const at of [0, length >> 1, length - 1]) {
          const bytes = Buffer.alloc(length, 0x61);
          bytes[at] = byte;
          const refused = load(bytes) === undefined;
          if (refused !== (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) wrong.push(`${byte}@${at}/${length}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses U+FFFE and U+FFFF, takes U+FFFD, astral characters and bytes that are not UTF-8', () => {
    expect(load('a\ufffeb')).toBeUndefined();
    expect(load('é\uffff')).toBeUndefined();
    expect(load('a\ufffdb😀é')).toBeDefined();
    expect(load(Buffer.from([0x61, 0xef, 0xbf, 0xbd, 0xed, 0xa0, 0x80, 0xff]))).toBeDefined(); // each decodes to U+FFFD
  });

  it('copies a file larger than the memory it had, and pads it with zeros', () => {
    const big = Buffer.alloc(300_000, 0x78);
    big[299_999] = 0x3c;
    const w = load(big);
    expect(w?.length).toBe(300_000);
    expect(w?.bytes[299_999]).toBe(0x3c);
    expect(w?.bytes[300_000]).toBe(0);
    expect(w?.text.toString('latin1', 0, 3)).toBe('xxx');
  });
});

describe('loadBytes: the SIMD searches agree with Buffer#indexOf', () => {
  it('for one, two and three bytes, from every offset', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = Buffer.from('<>&]]>-?ab \n');
    const wrong: string[] = [];
    for (let round = 0; round < 60; round++) {
      const length = 1 + (next() % 120);
      const src = Buffer.from(Array.from({ length }, () => alphabet[next() % alphabet.length]));
      const w = load(src);
      if (w === undefined) throw new Error('refused a clean file');
      for (const needle of ['<', '&', '--', '?>', ']]>', 'b']) {
        const n = Buffer.from(needle);
        for (let from = 0; from <= length; from++) {
          const expected = src.indexOf(n, from) < 0 ? length : src.indexOf(n, from);
          const found = n.length === 1 ? w.f1(n[0], 0, 0, from, length) : n.length === 2 ? w.f2(n[0], n[1], 0, from, length) : w.f3(n[0], n[1], n[2], from, length);
          if (found !== expected) wrong.push(`${JSON.stringify(src.toString())} ${needle} from ${from}: ${found} != ${expected}`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
