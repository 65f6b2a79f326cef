/**
 * The fast JUnit scanner's view of a file's UTF-8 bytes: a copy in
 * WebAssembly memory, searched 16 bytes at a time with SIMD. Copying once
 * costs less than decoding the file to a string for `String#indexOf` (which
 * also filled the heap with file-sized garbage), and `Buffer#indexOf` costs
 * more per call. The same pass checks every byte for characters saxes
 * rejects. One instance per thread; each `loadBytes` replaces the last file.
 */
export type WasmBytes = {
  /** The file's bytes, then 32 zero bytes: reads just past the end meet a byte no test accepts. */
  bytes: Uint8Array;
  /** The same memory, to decode pieces (`toString(encoding, start, end)`). */
  text: Buffer;
  length: number;
  /** `fN(b0, b1, b2, from, end)`: index of the first `b0` (`b0 b1`, `b0 b1 b2`) in [from, end), else `end`. */
  f1: Find;
  f2: Find;
  f3: Find;
};
export type Find = (b0: number, b1: number, b2: number, from: number, end: number) => number;

/** Largest file copied (memory only grows, per thread); larger ones go to saxes. */
const MAX_BYTES = 32 << 20;
const PADDING = 32;

/**
 * Copies `src` into WebAssembly memory, or returns undefined when it holds a
 * character saxes rejects (C0 controls other than TAB, LF and CR; U+FFFE and
 * U+FFFF), is too large, or WebAssembly SIMD is missing. (A UTF-8 decoder
 * never yields lone surrogates: it turns encoded ones into U+FFFD.)
 */
export function loadBytes(src: Uint8Array, ascii: boolean): WasmBytes | undefined {
  const w = instance();
  if (w === undefined || src.length > MAX_BYTES) return undefined;
  const need = src.length + PADDING;
  if (w.bytes.length < need) {
    w.exports.m.grow(Math.ceil((need - w.bytes.length) / 65536));
    w.bytes = new Uint8Array(w.exports.m.buffer); // growing replaced the buffer
    w.text = Buffer.from(w.exports.m.buffer);
  }
  const { bytes, exports: x } = w;
  bytes.set(src);
  bytes.fill(0x20, src.length, need); // the check reads whole 16-byte lanes: pad with an allowed byte
  const length = src.length;
  if (x.c(length) !== 0) return undefined;
  bytes.fill(0, src.length, need);
  // U+FFFE/U+FFFF are EF BF BE/BF: only possible in a file that is not ASCII.
  if (!ascii) {
    for (let i = x.f2(0xef, 0xbf, 0, 0, length); i < length; i = x.f2(0xef, 0xbf, 0, i + 1, length)) {
      if (bytes[i + 2] === 0xbe || bytes[i + 2] === 0xbf) return undefined;
    }
  }
  return { bytes, text: w.text, length, f1: x.f1, f2: x.f2, f3: x.f3 };
}

// The project's TypeScript libs carry no WebAssembly types; the little used here, typed by hand.
type WasmMemory = { readonly buffer: ArrayBuffer; grow(pages: number): number };
type WasmApi = { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: Record<string, unknown> } };
type Exports = { m: WasmMemory; c: (length: number) => number; f1: Find; f2: Find; f3: Find };
type Instance = { exports: Exports; bytes: Uint8Array; text: Buffer };

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let loaded: Instance | null | undefined;

function instance(): Instance | undefined {
  if (loaded === undefined) {
    try {
      if (wasm === undefined) throw new Error('no WebAssembly');
      const exports = new wasm.Instance(new wasm.Module(MODULE)).exports as Exports;
      loaded = { exports, bytes: new Uint8Array(exports.m.buffer), text: Buffer.from(exports.m.buffer) };
    } catch {
      loaded = null; // no SIMD: the scanner leaves every file to saxes
    }
  }
  return loaded ?? undefined;
}

// ---- the module, hand-assembled (no toolchain needed) ----
// (memory (export "m") 1)
// (func (export "c") (param $len i32) (result i32)  ;; any byte < 0x20 other than 9, 10, 13 in [0, len)?
//   for i in 0, 16, ... < len: acc |= (v <u 0x20) & ~(v == 9 | v == 10 | v == 13)   ;; v = v128.load(i)
//   v128.any_true(acc))
// (func (export "fN") (param $b0 $b1 $b2 $from $end i32) (result i32)  ;; N = 1, 2, 3 needle bytes
//   for i = from, from + 16, ... < end:
//     m = i8x16.bitmask((load(i) == b0) & (load(i + 1) == b1) & (load(i + 2) == b2))  ;; first N terms
//     if m: r = i + ctz(m); return r + N <= end ? r : end
//   end)
const SIMD = 0xfd;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const V128_LOAD = (offset: number): number[] => [SIMD, 0x00, 0x00, offset]; // align 1
const SPLAT_CONST = (byte: number): number[] => [SIMD, 0x0c, ...new Array<number>(16).fill(byte)]; // v128.const
const I8X16_SPLAT = [SIMD, 0x0f];
const I8X16_EQ = [SIMD, 0x23];
const V128_AND = [SIMD, 0x4e];
const V128_OR = [SIMD, 0x50];
const I8X16_BITMASK = [SIMD, 0x64];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;

const CONTROLS_FN = [
  ...[2, 1, 0x7f, 2, 0x7b], // locals: $i i32 (1); $acc, $v v128 (2, 3)
  ...BLOCK,
  ...LOOP,
  ...[LOCAL_GET, 1, LOCAL_GET, 0, I32_GE_U, 0x0d, 1], // br_if 1 (i >= len)
  ...[LOCAL_GET, 1, ...V128_LOAD(0), LOCAL_SET, 3],
  ...[LOCAL_GET, 2],
  ...[LOCAL_GET, 3, ...SPLAT_CONST(0x20), SIMD, 0x26], // i8x16.lt_u
  ...[LOCAL_GET, 3, ...SPLAT_CONST(0x09), ...I8X16_EQ],
  ...[LOCAL_GET, 3, ...SPLAT_CONST(0x0a), ...I8X16_EQ, ...V128_OR],
  ...[LOCAL_GET, 3, ...SPLAT_CONST(0x0d), ...I8X16_EQ, ...V128_OR],
  ...[SIMD, 0x4f, ...V128_OR, LOCAL_SET, 2], // v128.andnot, acc |=
  ...[LOCAL_GET, 1, 0x41, 16, I32_ADD, LOCAL_SET, 1], // i += 16
  ...[0x0c, 0, END, END], // br 0
  ...[LOCAL_GET, 2, SIMD, 0x53, END], // v128.any_true
];

function findFn(n: number): number[] {
  // params: 0..2 needle bytes, 3 from, 4 end; locals: 5 i, 6 m, 7 r (i32); 8..10 splats (v128)
  const needle = (k: number): number[] => [LOCAL_GET, 5, ...V128_LOAD(k), LOCAL_GET, 8 + k, ...I8X16_EQ];
  const matches = [...needle(0), ...(n > 1 ? [...needle(1), ...V128_AND] : []), ...(n > 2 ? [...needle(2), ...V128_AND] : [])];
  return [
    ...[2, 3, 0x7f, 3, 0x7b],
    ...[0, 1, 2].flatMap((k) => [LOCAL_GET, k, ...I8X16_SPLAT, LOCAL_SET, 8 + k]),
    ...[LOCAL_GET, 3, LOCAL_SET, 5],
    ...BLOCK,
    ...LOOP,
    ...[LOCAL_GET, 5, LOCAL_GET, 4, I32_GE_U, 0x0d, 1], // br_if 1 (i >= end)
    ...matches,
    ...I8X16_BITMASK,
    ...[0x22, 6, 0x04, 0x40], // local.tee m; if
    ...[LOCAL_GET, 5, LOCAL_GET, 6, 0x68, I32_ADD, LOCAL_SET, 7], // r = i + ctz(m)
    ...[LOCAL_GET, 7, LOCAL_GET, 4, LOCAL_GET, 7, 0x41, n, I32_ADD, LOCAL_GET, 4, 0x4d, 0x1b, 0x0f], // return r + n <= end ? r : end
    END,
    ...[LOCAL_GET, 5, 0x41, 16, I32_ADD, LOCAL_SET, 5], // i += 16
    ...[0x0c, 0, END, END], // br 0
    ...[LOCAL_GET, 4, END],
  ];
}

const section = (id: number, bytes: number[]): number[] => [id, ...leb128(bytes.length), ...bytes];
const body = (fn: number[]): number[] => [...leb128(fn.length), ...fn];
const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
const MODULE = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...section(1, [2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]), // types: (i32)->i32, (i32 x5)->i32
  ...section(3, [4, 0, 1, 1, 1]), // functions: c, f1, f2, f3
  ...section(5, [1, 0x00, 1]), // one memory, 1 page to start
  ...section(7, [5, ...name('m'), 0x02, 0, ...name('c'), 0x00, 0, ...name('f1'), 0x00, 1, ...name('f2'), 0x00, 2, ...name('f3'), 0x00, 3]),
  ...section(10, [4, ...body(CONTROLS_FN), ...body(findFn(1)), ...body(findFn(2)), ...body(findFn(3))]),
]);

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
}
