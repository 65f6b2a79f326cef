// One tree on disk, three readers: the real client through this server
// (folder mode), libs/gcs's LocalGcsClient on the same folder, and the
// in-memory fake. Listings must agree exactly, page boundaries included.

import {
  collectListing,
  FakeGcsClient,
  LocalGcsClient,
  RealGcsClient,
  type GcsReader,
  type ListResult,
} from '@kettle/gcs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startGcsServer, type GcsServer } from './gcs-server';

const BUCKET = 'kubernetes-jenkins';

// Names chosen to trip naive implementations: '-' and '0' around '/',
// a prefix that is also a file name's start, non-ASCII (both sides of the
// UTF-16/UTF-8 ordering difference), deep nesting.
// (A mirror cannot hold both a file 'a' and a folder 'a/'.)
const NAMES = [
  'a.txt',
  'a-b',
  'a0',
  'a/1',
  'a/2/x',
  'a/2/y',
  'a/20',
  'b/c/d/e/f.txt',
  'logs/job/1/started.json',
  'logs/job/1/finished.json',
  'logs/job/1/artifacts/junit_01.xml',
  'logs/job/1/artifacts/junit_02.xml',
  'logs/job/1/artifacts/sub/junit_03.xml',
  'logs/job/10/started.json',
  'logs/job/2/started.json',
  'logs/job/latest-build.txt',
  'logs/job-other/5/started.json',
  'logs/jobs.txt',
  'pr-logs/directory/job/123.txt',
  'unicode/é.txt',
  'unicode/\uFF5E.txt',
  'unicode/\u{1F600}.txt',
  'unicode/z.txt',
];

const CASES: [prefix: string, delimiter: string | undefined][] = [
  ['', undefined],
  ['', '/'],
  ['a', '/'],
  ['a/', '/'],
  ['a/2', '/'],
  ['a/2/', undefined],
  ['logs/', '/'],
  ['logs/job', '/'],
  ['logs/job/', '/'],
  ['logs/job/1/', '/'],
  ['logs/job/1/artifacts/', '/'],
  ['logs/job/1/artifacts/junit', '/'],
  ['logs/job/1', undefined],
  ['logs/', '-'],
  ['unicode/', '/'],
  ['missing/', '/'],
  ['b/c/d/e/f.txt', '/'],
];

type Simplified = { items: [string, number][]; prefixes: string[] };
const simplify = (r: ListResult): Simplified => ({ items: r.items.map((i) => [i.name, i.size]), prefixes: r.prefixes });

async function pages(reader: GcsReader, prefix: string, delimiter: string | undefined): Promise<Simplified[]> {
  const out: Simplified[] = [];
  for await (const page of reader.list(BUCKET, prefix, { delimiter })) out.push(simplify(page));
  return out;
}

describe('the same tree through the server, the local mirror and the fake', () => {
  let base: string;
  let server: GcsServer;
  let readers: Record<'server' | 'local' | 'fake', GcsReader>;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kettle-same-listing-'));
    const fake = new FakeGcsClient({}, 3);
    for (const [i, name] of NAMES.entries()) {
      const file = join(base, BUCKET, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, 'x'.repeat(i));
      fake.put(BUCKET, name, 'x'.repeat(i));
    }
    mkdirSync(join(base, BUCKET, 'empty/folder'), { recursive: true }); // no objects, no prefix
    server = await startGcsServer({ root: base });
    readers = {
      server: new RealGcsClient({ endpoint: server.url, pageSize: 3, readTimeoutMs: 2000, listTimeoutMs: 2000 }),
      local: new LocalGcsClient({ root: base, pageSize: 3 }),
      fake,
    };
  });

  afterAll(async () => {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  });

  it.each(CASES)('prefix %j, delimiter %j', async (prefix, delimiter) => {
    const viaServer = await pages(readers.server, prefix, delimiter);
    expect(await pages(readers.local, prefix, delimiter)).toEqual(viaServer);
    expect(await pages(readers.fake, prefix, delimiter)).toEqual(viaServer);
  });

  it('agrees with a from-first-principles listing', async () => {
    const all = simplify(await collectListing(readers.server.list(BUCKET, 'unicode/')));
    expect(all.items.map(([n]) => n)).toEqual(['unicode/z.txt', 'unicode/é.txt', 'unicode/\uFF5E.txt', 'unicode/\u{1F600}.txt']);
    const top = await collectListing(readers.server.list(BUCKET, '', { delimiter: '/' }));
    expect([...top.items.map((i) => i.name), ...top.prefixes]).toEqual(['a-b', 'a.txt', 'a0', 'a/', 'b/', 'logs/', 'pr-logs/', 'unicode/']);
  });

  it('reads the same bytes through each', async () => {
    for (const name of ['logs/job/1/finished.json', 'unicode/\u{1F600}.txt']) {
      const expected = await readers.fake.read(BUCKET, name, { maxBytes: 100 });
      expect(await readers.server.read(BUCKET, name, { maxBytes: 100 })).toEqual(expected);
      expect(await readers.local.read(BUCKET, name, { maxBytes: 100 })).toEqual(expected);
    }
  });
});
