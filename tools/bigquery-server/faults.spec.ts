import type { BigQuery, Table } from '@google-cloud/bigquery';
import { BUILD_SCHEMA } from '@kettle/model';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startBigQueryServer, testClient, type BigQueryServer } from './index';

let server: BigQueryServer;
let bq: BigQuery;
let table: Table;

beforeAll(async () => {
  server = await startBigQueryServer();
  bq = testClient(server.url);
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  [table] = await (await bq.createDataset('build'))[0].createTable('all', { schema: { fields: BUILD_SCHEMA.map((f) => ({ ...f })) } });
});

const row = (n: number) => ({ insertId: `gs://b/${n}`, json: { path: `gs://b/${n}`, number: String(n), tests_run: 0, tests_failed: 0, test: [] } });
const insert = (rows: object[], opts: Record<string, unknown> = {}) => table.insert(rows, { raw: true, partialRetries: 0, ...opts });
const paths = () => server.rows('build.all').map((r) => r.path);

type ClientError = { code?: number; message: string; errors?: { reason?: string; message?: string }[]; response?: { insertErrors?: unknown[] } };
async function failure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    return e as ClientError;
  }
  throw new Error('expected a failure');
}

describe('request faults', () => {
  it('answers the next N matching requests with 429 rateLimitExceeded, then recovers', async () => {
    server.addFaultRule({ method: 'POST', path: /\/insertAll$/, times: 2, fault: { kind: 'status', status: 429 } });
    for (let i = 0; i < 2; i++) {
      const err = await failure(insert([row(1)]));
      expect(err.code).toBe(429);
      expect(err.errors?.[0]?.reason).toBe('rateLimitExceeded');
    }
    await table.getMetadata(); // other routes are not affected
    await insert([row(1)]);
    expect(paths()).toEqual(['gs://b/1']);
    expect(server.stats().faultsInjected).toBe(2);
    expect(server.requests().filter((r) => r.route === 'tabledata.insertAll').map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it.each([
    [500, 'internalError', 'INTERNAL'],
    [503, 'backendError', 'UNAVAILABLE'],
  ])('answers %i with a BigQuery-shaped body', async (status, reason, statusText) => {
    server.setFaults({ rules: [{ path: '/tables/all$', times: 1, fault: { kind: 'status', status } }] });
    const res = await fetch(`${server.url}/bigquery/v2/projects/test-project/datasets/build/tables/all`);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: number; errors: { reason: string }[]; status: string; message: string } };
    expect(body.error).toMatchObject({ code: status, status: statusText, errors: [{ reason, domain: 'global' }] });
    await table.getMetadata(); // the rule's one use is spent
  });

  it('lets the client retry a 503 itself when asked to', async () => {
    server.addFaultRule({ method: 'GET', path: /\/tables\/all$/, times: 1, fault: { kind: 'status', status: 503 } });
    const [meta] = await testClient(server.url, { retryOptions: { autoRetry: true, maxRetries: 2, maxRetryDelay: 0.05 } }).dataset('build').table('all').getMetadata();
    expect(meta.id).toBe('test-project:build.all');
    expect(server.requests().filter((r) => r.route === 'tables.get').map((r) => r.status)).toEqual([503, 200]);
  });

  it('adds latency, for every request or for matching ones', async () => {
    server.setFaults({ latencyMs: 100, rules: [{ method: 'GET', fault: { kind: 'latency', ms: 150 } }] });
    let t = Date.now();
    await insert([row(1)]);
    expect(Date.now() - t).toBeGreaterThanOrEqual(95);
    t = Date.now();
    await table.getMetadata();
    expect(Date.now() - t).toBeGreaterThanOrEqual(245);
  });

  it('hangs matching requests without answering', async () => {
    server.addFaultRule({ path: /insertAll/, times: 1, fault: { kind: 'hang' } });
    const pending = insert([row(1)]).then(
      () => 'answered',
      () => 'failed',
    );
    const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))]);
    expect(outcome).toBe('still waiting');
    expect(server.requests().at(-1)).toMatchObject({ route: 'tabledata.insertAll', status: 0, fault: 'hang' });
    expect(paths()).toEqual([]);
    await insert([row(2)]); // later requests are answered
    expect(paths()).toEqual(['gs://b/2']);
  });

  it('resets the connection before handling', async () => {
    server.addFaultRule({ path: /insertAll/, times: 1, fault: { kind: 'reset' } });
    const err = await failure(insert([row(1)]));
    expect(err.message).toMatch(/socket hang up|ECONNRESET|closed/i);
    expect(paths()).toEqual([]);
  });

  it('drops the response after handling: a re-send with the same insertId is de-duplicated', async () => {
    server.addFaultRule({ path: /insertAll/, times: 1, fault: { kind: 'drop-response' } });
    await failure(insert([row(1)]));
    expect(paths()).toEqual(['gs://b/1']);
    await insert([row(1)]);
    expect(paths()).toEqual(['gs://b/1']);
    expect(server.stats().rowsDeduplicated).toBe(1);
  });

  it('drops a load job upload response: re-sending the job id answers 409, jobs.get has the result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bq-faults-'));
    try {
      const file = join(dir, 'rows.json.gz');
      writeFileSync(file, gzipSync(JSON.stringify(row(1).json) + '\n'));
      server.addFaultRule({ method: 'POST', path: /^\/upload\//, times: 1, fault: { kind: 'drop-response' } });
      const options = { sourceFormat: 'NEWLINE_DELIMITED_JSON', jobId: 'load-7' };
      await failure(table.createLoadJob(file, options));
      expect((await failure(table.createLoadJob(file, options))).code).toBe(409);
      const [meta] = await bq.job('load-7').getMetadata();
      expect(meta.status).toEqual({ state: 'DONE' });
      expect(paths()).toEqual(['gs://b/1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('row rejection', () => {
  it('rejects rows whose JSON matches a regex with a row-level invalid error', async () => {
    server.setFaults({ rejectRows: [{ match: /"path":"gs:\/\/b\/2"/, message: 'poisoned row' }] });
    const err = await failure(insert([row(1), row(2), row(3)]));
    expect(err.response?.insertErrors).toEqual([
      { index: 0, errors: [expect.objectContaining({ reason: 'stopped' })] },
      { index: 1, errors: [{ reason: 'invalid', location: '', debugInfo: '', message: 'poisoned row' }] },
      { index: 2, errors: [expect.objectContaining({ reason: 'stopped' })] },
    ]);
    await failure(insert([row(1), row(2), row(3)], { skipInvalidRows: true }));
    expect(paths()).toEqual(['gs://b/1', 'gs://b/3']);
  });

  it('rejects rows matching a predicate, per table, in load jobs too', async () => {
    server.setFaults({ rejectRows: [{ tableId: 'all', match: (r) => r.path === 'gs://b/1' }] });
    const err = await failure(insert([row(1)]));
    expect(err.errors?.[0]).toMatchObject({ errors: [{ reason: 'invalid', message: 'Row rejected by bigquery-server fault injection.' }] });
    const dir = mkdtempSync(join(tmpdir(), 'bq-faults-'));
    try {
      const file = join(dir, 'rows.json');
      writeFileSync(file, [row(1), row(2)].map((r) => JSON.stringify(r.json)).join('\n'));
      const [job] = await table.load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', maxBadRecords: 1 });
      expect(job.statistics?.load?.badRecords).toBe('1');
      expect(paths()).toEqual(['gs://b/2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runtime control over HTTP', () => {
  it('takes faults as JSON on PUT /_admin/faults and reports stats', async () => {
    const put = await fetch(`${server.url}/_admin/faults`, {
      method: 'PUT',
      body: JSON.stringify({ rules: [{ method: 'GET', path: '/tables/all$', times: 1, fault: { kind: 'status', status: 503 } }] }),
    });
    expect(put.status).toBe(204);
    expect((await failure(table.getMetadata())).code).toBe(503);
    await table.getMetadata();
    const stats = (await (await fetch(`${server.url}/_admin/stats`)).json()) as { faultsInjected: number };
    expect(stats.faultsInjected).toBe(1);
    const bad = await fetch(`${server.url}/_admin/faults`, { method: 'PUT', body: '{"rules":[{"fault":{"kind":"explode"}}]}' });
    expect(bad.status).toBe(400);
  });
});
