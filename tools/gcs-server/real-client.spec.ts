// libs/gcs's RealGcsClient, i.e. the real @google-cloud/storage client,
// against this server over real sockets, with injected faults.

import { collectListing, GcsRequestError, RealGcsClient, TooLargeError, type RealGcsClientOptions } from '@kettle/gcs';
import { Registry } from 'prom-client';
import { startGcsServer, type GcsServer } from './gcs-server';

const BUCKET = 'kubernetes-jenkins';
const FINISHED = 'logs/job/1/finished.json';
const TIMEOUT_MS = 300;

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('RealGcsClient against gcs-server', () => {
  let server: GcsServer;
  let registry: Registry;
  let client: RealGcsClient;
  const objects: Record<string, string> = {
    [FINISHED]: '{"result":"SUCCESS","timestamp":1700000000}',
    'logs/job/1/started.json': '{"timestamp":1699999000}',
    'logs/job/2/started.json': '{}',
    'logs/job/latest-build.txt': '2',
    'logs/other/7/started.json': '{}',
    'logs/big.xml': 'x'.repeat(5000),
  };
  for (let i = 0; i < 2500; i++) objects[`many/${String(i).padStart(4, '0')}.json`] = String(i);

  const newClient = (options: RealGcsClientOptions = {}): RealGcsClient =>
    new RealGcsClient({
      endpoint: server.url,
      registry,
      listTimeoutMs: TIMEOUT_MS,
      readTimeoutMs: TIMEOUT_MS,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      ...options,
    });

  beforeAll(async () => {
    server = await startGcsServer({ objects: { [BUCKET]: objects } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.setFaults({});
    server.resetRequests();
    registry = new Registry();
    client = newClient();
  });

  it('follows every page: 2,500 objects in pages of 1000', async () => {
    const pages = [];
    for await (const page of client.list(BUCKET, 'many/')) pages.push(page.items.length);
    expect(pages).toEqual([1000, 1000, 500]);
    const all = await collectListing(client.list(BUCKET, 'many/'));
    expect(all.items.map((i) => i.name)).toEqual(Object.keys(objects).filter((n) => n.startsWith('many/')));
    expect(all.items[7]).toMatchObject({ name: 'many/0007.json', size: 1, generation: expect.any(String) });
    expect(all.items[7]?.updated).toBeInstanceOf(Date);
    expect(server.countRequests({ op: 'list' })).toBe(6);
  });

  it('lists folders with a delimiter, across small pages without repeats', async () => {
    const small = newClient({ pageSize: 1 });
    const top = await collectListing(small.list(BUCKET, '', { delimiter: '/' }));
    expect(top).toEqual({ items: [], prefixes: ['logs/', 'many/'] });
    const logs = await collectListing(small.list(BUCKET, 'logs/', { delimiter: '/' }));
    expect(logs.items.map((i) => i.name)).toEqual(['logs/big.xml']);
    expect(logs.prefixes).toEqual(['logs/job/', 'logs/other/']);
    const job = await collectListing(small.list(BUCKET, 'logs/job/', { delimiter: '/' }));
    expect(job).toEqual({ items: [expect.objectContaining({ name: 'logs/job/latest-build.txt' })], prefixes: ['logs/job/1/', 'logs/job/2/'] });
  });

  it('reads an object, and a missing one as null with a single request', async () => {
    expect(String(await client.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    expect(await client.read(BUCKET, 'logs/job/3/finished.json', { maxBytes: 1000 })).toBeNull();
    expect(server.countRequests({ match: /job\/3/ })).toBe(1);
    expect(await metric(registry, 'kettle_gcs_requests_total', { op: 'read', outcome: 'not_found' })).toBe(1);
    expect(await metric(registry, 'kettle_gcs_read_bytes_total')).toBe(objects[FINISHED]?.length);
  });

  it('refuses an object over the cap, naming it, without retrying', async () => {
    const err: unknown = await client.read(BUCKET, 'logs/big.xml', { maxBytes: 4999 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooLargeError);
    expect(err).toMatchObject({ object: `gs://${BUCKET}/logs/big.xml`, maxBytes: 4999, size: 5000 });
    expect(server.countRequests({ match: /big/ })).toBe(1);
    expect((await client.read(BUCKET, 'logs/big.xml', { maxBytes: 5000 }))?.length).toBe(5000);
  });

  it('retries 429 and 503, then succeeds', async () => {
    server.setFaults({
      rules: [
        { op: 'media', times: 1, effect: { kind: 'status', status: 429 } },
        { op: 'media', times: 1, effect: { kind: 'status', status: 503 } },
      ],
    });
    expect(String(await client.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    expect(server.requests.map((r) => r.result)).toEqual([429, 503, 200]);
    expect(await metric(registry, 'kettle_gcs_retries_total', { op: 'read' })).toBe(2);
    expect(await metric(registry, 'kettle_gcs_requests_total', { outcome: 'throttled' })).toBe(1);
    expect(await metric(registry, 'kettle_gcs_requests_total', { outcome: 'server_error' })).toBe(1);
    expect(await metric(registry, 'kettle_gcs_requests_total', { outcome: 'ok' })).toBe(1);
  });

  it('retries a list page on 503 and keeps paging', async () => {
    server.setFaults({ rules: [{ op: 'list', times: 1, match: /many/, effect: { kind: 'status', status: 503 } }] });
    expect((await collectListing(client.list(BUCKET, 'many/'))).items).toHaveLength(2500);
    expect(server.countRequests({ op: 'list' })).toBe(4);
  });

  it('gives up after maxAttempts on persistent 503', async () => {
    server.setFaults({ rules: [{ effect: { kind: 'status', status: 503 } }] });
    const err: unknown = await client.read(BUCKET, FINISHED, { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcsRequestError);
    expect(err).toMatchObject({ op: 'read', outcome: 'server_error', status: 503, attempts: 3 });
    expect(server.countRequests()).toBe(3);
  });

  it('does not retry a 403, nor a listing of a missing bucket', async () => {
    server.setFaults({ rules: [{ op: 'media', times: 1, effect: { kind: 'status', status: 403 } }] });
    await expect(client.read(BUCKET, FINISHED, { maxBytes: 1000 })).rejects.toMatchObject({ outcome: 'client_error', attempts: 1 });
    await expect(collectListing(client.list('no-such-bucket', ''))).rejects.toMatchObject({ outcome: 'not_found', attempts: 1 });
    expect(server.countRequests()).toBe(2);
  });

  it('times out a hanging read within the deadline and retries it', async () => {
    server.setFaults({ rules: [{ op: 'media', times: 1, effect: { kind: 'hang' } }] });
    const started = Date.now();
    expect(String(await client.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500); // slack for a loaded CI box
    expect(server.requests.map((r) => r.result)).toEqual(['hang', 200]);
    expect(await metric(registry, 'kettle_gcs_requests_total', { outcome: 'timeout' })).toBe(1);
  });

  it('never hangs: a server that never answers fails after the last attempt', async () => {
    server.setFaults({ rules: [{ effect: { kind: 'hang' } }] });
    const started = Date.now();
    await expect(client.read(BUCKET, FINISHED, { maxBytes: 1000 })).rejects.toMatchObject({ outcome: 'timeout', attempts: 3 });
    await expect(collectListing(client.list(BUCKET, 'logs/'))).rejects.toMatchObject({ outcome: 'timeout', attempts: 3 });
    expect(Date.now() - started).toBeLessThan(6 * TIMEOUT_MS + 2000); // vs ~4 min with client defaults
  });

  it.each([
    ['short body (checksum/length)', 'short' as const, 'corrupt'],
    ['cut connection', 'close' as const, undefined],
  ])('detects a truncated body, %s, and retries', async (_name, mode, outcome) => {
    server.setFaults({ rules: [{ op: 'media', times: 1, effect: { kind: 'truncate', mode, fraction: 0.5 } }] });
    expect(String(await client.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    expect(server.countRequests()).toBe(2);
    expect(await metric(registry, 'kettle_gcs_retries_total')).toBe(1);
    if (outcome !== undefined) expect(await metric(registry, 'kettle_gcs_requests_total', { outcome })).toBe(1);
  });

  it('detects a corrupted body of the right length by its crc32c, and retries', async () => {
    server.setFaults({ rules: [{ op: 'media', times: 1, effect: { kind: 'corrupt' } }] });
    expect(String(await client.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    expect(server.requests.map((r) => r.result)).toEqual(['corrupt', 200]);
    expect(await metric(registry, 'kettle_gcs_requests_total', { outcome: 'corrupt' })).toBe(1);
  });

  it('fails a body that stays corrupted, naming the object and both checksums', async () => {
    server.setFaults({ rules: [{ op: 'media', effect: { kind: 'corrupt' } }] });
    const err = await client.read(BUCKET, FINISHED, { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ outcome: 'corrupt', attempts: 3 });
    expect(String(err)).toMatch(new RegExp(`gs://${BUCKET}/${FINISHED}.*crc32c \\S+ differs from the \\S+ GCS sent`));
  });

  it('retries a reset connection', async () => {
    server.setFaults({ rules: [{ times: 1, effect: { kind: 'reset' } }] });
    expect(String(await client.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    expect(await metric(registry, 'kettle_gcs_requests_total', { outcome: 'network_error' })).toBe(1);
  });

  it('stops at once when the caller aborts', async () => {
    server.setFaults({ rules: [{ effect: { kind: 'hang' } }] });
    const patient = newClient({ readTimeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expect(patient.read(BUCKET, FINISHED, { maxBytes: 1000, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps concurrent reads alive when one is abandoned', async () => {
    // One read stopped by the cap must not reset the sockets of the others.
    server.setFaults({ rules: [{ match: /finished/, effect: { kind: 'delay', ms: 150 } }] });
    const once = newClient({ retry: { maxAttempts: 1 } });
    const reads = Array.from({ length: 10 }, () => once.read(BUCKET, FINISHED, { maxBytes: 1000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(once.read(BUCKET, 'logs/big.xml', { maxBytes: 10 })).rejects.toBeInstanceOf(TooLargeError);
    await expect(Promise.all(reads)).resolves.toHaveLength(10);
  });

  it('works through STORAGE_EMULATOR_HOST, which drops /storage/v1', async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = server.url;
    try {
      const viaEnv = new RealGcsClient({ registry, listTimeoutMs: TIMEOUT_MS, readTimeoutMs: TIMEOUT_MS });
      expect((await collectListing(viaEnv.list(BUCKET, 'logs/', { delimiter: '/' }))).prefixes).toHaveLength(2);
      expect(String(await viaEnv.read(BUCKET, FINISHED, { maxBytes: 1000 }))).toBe(objects[FINISHED]);
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
    }
    expect(server.requests.map((r) => r.path)).toEqual([
      `/b/${BUCKET}/o`,
      `/b/${BUCKET}/o/${encodeURIComponent(FINISHED)}`,
    ]);
  });
});
