// The server spoken to with plain HTTP, to pin down the wire format the real
// client relies on (real-client.spec.ts covers the client side).

import { CRC32C } from '@google-cloud/storage';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGcsServer, type GcsServer } from './gcs-server';

type ListJson = { items?: { name: string; size: string }[]; prefixes?: string[]; nextPageToken?: string };

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

describe('gcs-server over HTTP', () => {
  let server: GcsServer;
  const objects: Record<string, string> = {
    'logs/job/1/finished.json': '{"result":"SUCCESS"}',
    'logs/job/1/artifacts/junit_01.xml': '<testsuite/>',
    'logs/job/2/started.json': '{}',
    'logs/top.txt': 'top',
    'odd name/with space+plus%.txt': 'odd',
  };

  beforeAll(async () => {
    server = await startGcsServer({ objects: { 'kubernetes-jenkins': objects } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.setFaults({});
    server.resetRequests();
  });

  it.each(['/storage/v1/b', '/b'])('lists with and without /storage/v1 (%s)', async (base) => {
    const { status, body } = await getJson<ListJson>(`${server.url}${base}/kubernetes-jenkins/o?prefix=logs/&delimiter=/`);
    expect(status).toBe(200);
    expect(body.items?.map((i) => i.name)).toEqual(['logs/top.txt']);
    expect(body.items?.[0]?.size).toBe('3');
    expect(body.prefixes).toEqual(['logs/job/']);
  });

  it('paginates 2,500 objects in pages of at most 1000', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) many[`o/${String(i).padStart(5, '0')}`] = '';
    const big = await startGcsServer({ objects: { 'big-bucket': many } });
    try {
      const seen: string[] = [];
      const sizes: number[] = [];
      let token = '';
      do {
        const q = new URLSearchParams({ maxResults: '5000', ...(token ? { pageToken: token } : {}) });
        const { body } = await getJson<ListJson>(`${big.url}/storage/v1/b/big-bucket/o?${q.toString()}`);
        sizes.push(body.items?.length ?? 0);
        seen.push(...(body.items ?? []).map((i) => i.name));
        token = body.nextPageToken ?? '';
      } while (token);
      expect(sizes).toEqual([1000, 1000, 500]);
      expect(seen).toEqual(Object.keys(many));
    } finally {
      await big.close();
    }
  });

  it.each([
    ['/storage/v1/b/kubernetes-jenkins/o/', '?alt=media'],
    ['/b/kubernetes-jenkins/o/', '?alt=media'],
    ['/download/storage/v1/b/kubernetes-jenkins/o/', '?alt=media'],
  ])('serves media with a correct X-Goog-Hash at %s', async (base, query) => {
    const name = 'odd name/with space+plus%.txt';
    const res = await fetch(`${server.url}${base}${encodeURIComponent(name)}${query}`);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.toString()).toBe('odd');
    const crc = new CRC32C();
    crc.update(body);
    expect(res.headers.get('x-goog-hash')).toContain(`crc32c=${crc.toString()}`);
    expect(res.headers.get('x-goog-stored-content-encoding')).toBe('identity');
    expect(res.headers.get('x-goog-stored-content-length')).toBe('3');
  });

  it('serves metadata with hashes, and GCS-style 404s', async () => {
    const meta = await getJson<Record<string, string>>(
      `${server.url}/storage/v1/b/kubernetes-jenkins/o/${encodeURIComponent('logs/top.txt')}`,
    );
    expect(meta.body).toMatchObject({ name: 'logs/top.txt', bucket: 'kubernetes-jenkins', size: '3' });
    expect(meta.body.crc32c).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const missing = await getJson<{ error: { code: number } }>(`${server.url}/b/kubernetes-jenkins/o/nope?alt=media`);
    expect(missing).toEqual({ status: 404, body: expect.objectContaining({ error: expect.objectContaining({ code: 404 }) }) });
    expect((await fetch(`${server.url}/b/no-bucket/o`)).status).toBe(404);
  });

  it.each(['startOffset=a', 'matchGlob=**', 'versions=true'])('refuses list parameters it does not implement (%s)', async (q) => {
    expect((await fetch(`${server.url}/b/kubernetes-jenkins/o?${q}`)).status).toBe(400);
  });

  it('fails the next N matching requests, then recovers, and counts them', async () => {
    server.setFaults({ rules: [{ op: 'media', match: /finished\.json$/, times: 2, effect: { kind: 'status', status: 503 } }] });
    const url = `${server.url}/b/kubernetes-jenkins/o/${encodeURIComponent('logs/job/1/finished.json')}?alt=media`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await fetch(`${server.url}/b/kubernetes-jenkins/o/${encodeURIComponent('logs/top.txt')}?alt=media`)).status).toBe(200);
    expect(server.countRequests({ op: 'media', match: /finished/ })).toBe(3);
    expect(server.requestCounts()).toEqual({
      'media kubernetes-jenkins/logs/job/1/finished.json': 3,
      'media kubernetes-jenkins/logs/top.txt': 1,
    });
    expect(server.requests.map((r) => r.fault ?? '-')).toEqual(['status', 'status', '-', '-']);
  });

  it('applies a rate with the given random source, and latency', async () => {
    const draws = [0.1, 0.9, 0.1, 0.9];
    server.setFaults({ latencyMs: 30, random: () => draws.shift() ?? 1, rules: [{ rate: 0.5, effect: { kind: 'status', status: 429 } }] });
    const started = Date.now();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/b/kubernetes-jenkins/o`)).status);
    expect(statuses).toEqual([429, 200, 429, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 30);
  });

  it('hangs, resets and truncates on request', async () => {
    const url = `${server.url}/b/kubernetes-jenkins/o/${encodeURIComponent('logs/job/1/finished.json')}?alt=media`;
    server.setFaults({ rules: [{ times: 1, effect: { kind: 'hang' } }] });
    await expect(fetch(url, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    server.setFaults({ rules: [{ times: 1, effect: { kind: 'reset' } }] });
    await expect(fetch(url)).rejects.toThrow();
    server.setFaults({ rules: [{ times: 1, effect: { kind: 'truncate', mode: 'short', fraction: 0.5 } }] });
    expect(await (await fetch(url)).text()).toBe('{"result":');
    server.setFaults({ rules: [{ times: 1, effect: { kind: 'truncate', mode: 'close' } }] });
    await expect(fetch(url).then((r) => r.text())).rejects.toThrow();
    expect(await (await fetch(url)).text()).toBe(objects['logs/job/1/finished.json']);
    expect(server.requests.map((r) => r.result)).toEqual(['hang', 'reset', 200, 200, 200]);
  });

  it('refuses traversal names in folder mode and rejects forged page tokens', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kettle-gcs-server-'));
    mkdirSync(join(base, 'root/b-one/d'), { recursive: true });
    writeFileSync(join(base, 'root/b-one/d/f.txt'), 'in');
    writeFileSync(join(base, 'secret.txt'), 'out');
    const folder = await startGcsServer({ root: join(base, 'root') });
    try {
      const get = (name: string): Promise<number> =>
        fetch(`${folder.url}/b/b-one/o/${encodeURIComponent(name)}?alt=media`).then((r) => r.status);
      expect(await get('d/f.txt')).toBe(200);
      expect(await get('../../secret.txt')).toBe(400);
      expect(await get('d/../../../secret.txt')).toBe(400);
      expect(await get('/etc/passwd')).toBe(400);
      expect((await fetch(`${folder.url}/b/b-one/o?prefix=${encodeURIComponent('../')}`)).status).toBe(400);
      expect((await fetch(`${folder.url}/b/b-one/o?pageToken=forged`)).status).toBe(400);
      await folder.putObject('b-one', 'new/obj.txt', 'fresh');
      expect(await get('new/obj.txt')).toBe(200);
    } finally {
      await folder.close();
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('runs as a CLI', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kettle-gcs-cli-'));
    mkdirSync(join(base, 'cli-bucket'));
    writeFileSync(join(base, 'cli-bucket/x.txt'), 'from cli');
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'main.ts'), '--root', base, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /at (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`gcs-server exited with ${code}`)));
      });
      expect(await (await fetch(`${url}/b/cli-bucket/o/x.txt?alt=media`)).text()).toBe('from cli');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(base, { recursive: true, force: true });
    }
  }, 20_000);
});
