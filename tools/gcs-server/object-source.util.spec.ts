import { CRC32C } from '@google-cloud/storage';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderSource } from './object-source.util';

const crcOf = (text: string): string => {
  const crc = new CRC32C();
  crc.update(Buffer.from(text));
  return crc.toString();
};

describe('FolderSource hashes', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gcs-hash-'));
    for (const [path, body] of [['bkt-one/logs/1/started.json', '{"timestamp":1}'], ['bkt-one/x', 'x'], ['bkt-two/y/z', 'zz']]) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), body);
    }
    writeFileSync(join(root, 'not-a-bucket.txt'), 'ignored');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('hashAll hashes every object of every bucket up front', async () => {
    const source = new FolderSource(root);
    expect(await source.hashAll()).toBe(3);
    expect((await source.body('bkt-one', 'logs/1/started.json'))?.crc32c).toBe(crcOf('{"timestamp":1}'));
  });

  it('a file rewritten after hashing is hashed again (size or mtime changed)', async () => {
    const source = new FolderSource(root);
    await source.hashAll();
    writeFileSync(join(root, 'bkt-one/x'), 'y'); // same size
    utimesSync(join(root, 'bkt-one/x'), new Date(), new Date(Date.now() + 5000));
    expect((await source.body('bkt-one', 'x'))?.crc32c).toBe(crcOf('y'));
    writeFileSync(join(root, 'bkt-two/y/z'), 'longer now');
    expect((await source.body('bkt-two', 'y/z'))?.crc32c).toBe(crcOf('longer now'));
  });
});
