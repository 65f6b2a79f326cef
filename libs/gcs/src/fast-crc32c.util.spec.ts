import { CRC32C } from '@google-cloud/storage';
import { NativeCrc32c } from './fast-crc32c.util';

it.each([[''], ['a'], ['hello world'], ['x'.repeat(100_000)]])('agrees with the storage client CRC32C for %#', (text) => {
  const ours = new NativeCrc32c();
  const theirs = new CRC32C();
  // Fed in two pieces: the value carries across chunks of a download.
  const data = Buffer.from(text);
  const cut = Math.floor(data.length / 3);
  for (const part of [data.subarray(0, cut), data.subarray(cut)]) {
    ours.update(part);
    theirs.update(part);
  }
  expect(ours.toString()).toBe(theirs.toString());
  expect(ours.validate(theirs.toString())).toBe(true);
  expect(ours.validate('AAAAAA==')).toBe(text === '' ? true : false);
});
