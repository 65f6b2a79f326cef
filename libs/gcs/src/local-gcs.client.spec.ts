import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
import { TooLargeError } from './gcs.errors';
import { GcsPathError } from './gcs-path.util';
import { collectListing } from './list-semantics.util';
import { LocalGcsClient } from './local-gcs.client';

const BUCKET = 'kubernetes-jenkins';

describe('LocalGcsClient', () => {
  let base: string;
  let root: string;
  let client: LocalGcsClient;

  const put = (path: string, data = 'x'): void => {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  };

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'kettle-local-gcs-'));
    root = join(base, 'root');
    put(`${BUCKET}/logs/job/1/started.json`, '{"timestamp":1}');
    put(`${BUCKET}/logs/job/1/finished.json`, '{"timestamp":2}');
    put(`${BUCKET}/logs/job/2/started.json`);
    put(`${BUCKET}/logs/job/latest-build.txt`, '2');
    put(`${BUCKET}/logs/job-b/10/started.json`);
    mkdirSync(join(root, BUCKET, 'logs/empty/deeper'), { recursive: true }); // no objects: not a folder
    put('other-bucket/secret.txt', 'other bucket, still inside ROOT');
    writeFileSync(join(base, 'outside.txt'), 'secret outside ROOT');
    mkdirSync(join(base, 'outside-dir'));
    writeFileSync(join(base, 'outside-dir', 'f.txt'), 'secret');
    // Links: two escape ROOT, two stay inside, one loops.
    symlinkSync(join(base, 'outside.txt'), join(root, BUCKET, 'logs/escape-file'));
    symlinkSync(join(base, 'outside-dir'), join(root, BUCKET, 'logs/escape-dir'));
    symlinkSync(join(root, 'other-bucket/secret.txt'), join(root, BUCKET, 'logs/inside-link'));
    symlinkSync(join(root, BUCKET, 'logs/job'), join(root, BUCKET, 'logs/job-link'));
    symlinkSync(join(root, BUCKET, 'logs'), join(root, BUCKET, 'logs/job/loop'));
    client = new LocalGcsClient({ root, pageSize: 2 });
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('lists folders and objects under a prefix with a delimiter', async () => {
    const listing = await collectListing(client.list(BUCKET, 'logs/', { delimiter: '/' }));
    expect(listing.items.map((i) => i.name)).toEqual(['logs/inside-link']);
    expect(listing.prefixes).toEqual(['logs/job-b/', 'logs/job-link/', 'logs/job/']);
  });

  it('matches a prefix that ends mid-name', async () => {
    const listing = await collectListing(client.list(BUCKET, 'logs/job/', { delimiter: '/' }));
    expect(listing.items.map((i) => i.name)).toEqual(['logs/job/latest-build.txt']);
    expect(listing.prefixes).toEqual(['logs/job/1/', 'logs/job/2/', 'logs/job/loop/']);
    const partial = await collectListing(client.list(BUCKET, 'logs/job-', { delimiter: '/' }));
    expect(partial.prefixes).toEqual(['logs/job-b/', 'logs/job-link/']);
  });

  it('lists recursively without a delimiter, following inside links once', async () => {
    const listing = await collectListing(client.list(BUCKET, 'logs/job/1'));
    expect(listing.items.map((i) => [i.name, i.size])).toEqual([
      ['logs/job/1/finished.json', 15],
      ['logs/job/1/started.json', 15],
    ]);
    const all = await collectListing(client.list(BUCKET, ''));
    const names = all.items.map((i) => i.name);
    expect(names).toContain('logs/job-link/1/started.json');
    expect(names.some((n) => n.includes('escape'))).toBe(false);
    expect(names.every((n) => n.split('/loop/').length <= 2)).toBe(true);
  });

  it('pages listings and yields one empty page when nothing matches', async () => {
    const pages = [];
    for await (const page of client.list(BUCKET, 'logs/job/', { delimiter: '/' })) pages.push(page);
    expect(pages.map((p) => p.items.length + p.prefixes.length)).toEqual([2, 2]);
    const none = [];
    for await (const page of client.list(BUCKET, 'nothing/')) none.push(page);
    expect(none).toEqual([{ items: [], prefixes: [] }]);
  });

  it('reads objects, null when missing or a folder, TooLargeError over the cap', async () => {
    expect(String(await client.read(BUCKET, 'logs/job/1/finished.json', { maxBytes: 100 }))).toBe('{"timestamp":2}');
    expect(await client.read(BUCKET, 'logs/job/3/finished.json', { maxBytes: 100 })).toBeNull();
    expect(await client.read(BUCKET, 'logs/job/1', { maxBytes: 100 })).toBeNull();
    expect(await client.read(BUCKET, 'logs/job/1/finished.json/x', { maxBytes: 100 })).toBeNull();
    await expect(client.read(BUCKET, 'logs/job/1/finished.json', { maxBytes: 14 })).rejects.toBeInstanceOf(TooLargeError);
    expect(String(await client.read(BUCKET, 'logs/job/1/finished.json', { maxBytes: 15 }))).toHaveLength(15);
  });

  it('fails a listing of a bucket that is not in the mirror', async () => {
    await expect(collectListing(client.list('no-such-bucket', ''))).rejects.toThrow(/bucket folder not found/);
  });

  it.each([
    ['../other-bucket/secret.txt'],
    ['logs/../../other-bucket/secret.txt'],
    ['logs/./job/1/started.json'],
    ['..'],
    ['/etc/passwd'],
    [`${'../'.repeat(10)}etc/passwd`],
    ['logs//job/1/started.json'],
    ['logs\\..\\..\\outside.txt'],
    ['logs/job/1/started.json\0.txt'],
    ['logs/job/'],
    [''],
  ])('refuses to read the name %j', async (name) => {
    await expect(client.read(BUCKET, name, { maxBytes: 1000 })).rejects.toBeInstanceOf(GcsPathError);
  });

  it.each([['../'], ['../x'], ['x/../../y/'], ['./'], ['/abs/'], ['a//b/']])('refuses to list the prefix %j', async (prefix) => {
    await expect(collectListing(client.list(BUCKET, prefix, { delimiter: '/' }))).rejects.toBeInstanceOf(GcsPathError);
  });

  it.each([['..'], ['.'], ['logs/..']])('treats the prefix %j as a name filter, not a path', async (prefix) => {
    // GCS names may start with dots; the part after the last '/' only filters
    // entries of an already checked folder, so it cannot climb out.
    expect(await collectListing(client.list(BUCKET, prefix, { delimiter: '/' }))).toEqual({ items: [], prefixes: [] });
  });

  it.each([['../x'], ['..'], ['Upper'], ['a/b'], ['']])('refuses the bucket %j', async (bucket) => {
    await expect(client.read(bucket, 'x', { maxBytes: 10 })).rejects.toBeInstanceOf(GcsPathError);
  });

  it('does not follow symlinks out of ROOT, but follows those inside', async () => {
    expect(await client.read(BUCKET, 'logs/escape-file', { maxBytes: 1000 })).toBeNull();
    expect(await client.read(BUCKET, 'logs/escape-dir/f.txt', { maxBytes: 1000 })).toBeNull();
    expect(await collectListing(client.list(BUCKET, 'logs/escape-dir/'))).toEqual({ items: [], prefixes: [] });
    expect(String(await client.read(BUCKET, 'logs/inside-link', { maxBytes: 1000 }))).toMatch(/still inside ROOT/);
    expect(await client.read(BUCKET, 'logs/job-link/2/started.json', { maxBytes: 1000 })).not.toBeNull();
  });

  it('refuses a ROOT that is itself reached through a bucket symlink escaping it', async () => {
    const evil = join(root, 'evil-bucket');
    symlinkSync(join(base, 'outside-dir'), evil);
    try {
      expect(await client.read('evil-bucket', 'f.txt', { maxBytes: 1000 })).toBeNull();
    } finally {
      rmSync(evil);
    }
  });

  it('records metrics like the real client', async () => {
    const registry = new Registry();
    const measured = new LocalGcsClient({ root, registry });
    await measured.read(BUCKET, 'logs/job/1/finished.json', { maxBytes: 100 });
    await measured.read(BUCKET, 'logs/nope', { maxBytes: 100 });
    await measured.read(BUCKET, '../x', { maxBytes: 100 }).catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toMatch(/kettle_gcs_requests_total\{op="read",outcome="ok"\} 1/);
    expect(text).toMatch(/kettle_gcs_requests_total\{op="read",outcome="not_found"\} 1/);
    expect(text).toMatch(/kettle_gcs_requests_total\{op="read",outcome="invalid"\} 1/);
    expect(text).toMatch(/kettle_gcs_read_bytes_total 15/);
  });
});
