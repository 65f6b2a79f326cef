import type { BigQuery, Table } from '@google-cloud/bigquery';
import { BUILD_SCHEMA } from '@kettle/model';
import { startBigQueryServer, testClient, type BigQueryServer } from './index';

// The real client over real sockets against the server, as the loader uses it.
let server: BigQueryServer;
let bq: BigQuery;

beforeAll(async () => {
  server = await startBigQueryServer();
  bq = testClient(server.url);
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const schema = { fields: BUILD_SCHEMA.map((f) => ({ ...f })) };
const row = (n: number, extra: Record<string, unknown> = {}) => ({
  insertId: `gs://b/logs/j/${n}`,
  json: { path: `gs://b/logs/j/${n}`, number: String(n), finished: 1700000000 + n, tests_run: 0, tests_failed: 0, test: [], ...extra },
});
// Raw rows with our own insertIds and no client-side re-sends: the loader's way.
const insertRaw = (table: Table, rows: object[], opts: Record<string, unknown> = {}) => table.insert(rows, { raw: true, partialRetries: 0, ...opts });

async function buildTable(id = 'all'): Promise<Table> {
  const ds = bq.dataset('build');
  await ds.get({ autoCreate: true });
  const [table] = await ds.createTable(id, { schema, timePartitioning: { type: 'DAY', field: 'finished' } });
  return table;
}

/** The client's ApiError / PartialFailureError, for assertions. */
type ClientError = { code?: number; message: string; errors?: { reason?: string; message?: string; errors?: { reason: string; message: string }[] }[]; response?: { insertErrors?: unknown[] } };
async function failure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    return e as ClientError;
  }
  throw new Error('expected a failure');
}

describe('datasets and tables', () => {
  it('creates, gets and refuses duplicates the way BigQuery does', async () => {
    await bq.createDataset('build');
    const [meta] = await bq.dataset('build').getMetadata();
    expect(meta).toMatchObject({ id: 'test-project:build', datasetReference: { datasetId: 'build', projectId: 'test-project' } });
    const dup = await failure(bq.createDataset('build'));
    expect(dup.code).toBe(409);
    expect(dup.errors?.[0]?.reason).toBe('duplicate');
    const [exists] = await bq.dataset('nope').exists();
    expect(exists).toBe(false);
    expect((await failure(bq.dataset('nope').getMetadata())).code).toBe(404);
  });

  it('keeps the schema, partitioning and counts (int64 fields as strings)', async () => {
    const table = await buildTable();
    const [meta] = await table.getMetadata();
    expect(meta.schema.fields).toEqual(BUILD_SCHEMA);
    expect(meta.timePartitioning).toEqual({ type: 'DAY', field: 'finished' });
    expect(meta).toMatchObject({ numRows: '0', numBytes: '0', type: 'TABLE', id: 'test-project:build.all' });
    expect(meta.creationTime).toMatch(/^\d{13}$/);
    expect(meta.lastModifiedTime).toMatch(/^\d{13}$/);

    await insertRaw(table, [row(1), row(2)]);
    const [after] = await table.getMetadata();
    expect(after.numRows).toBe('2');
    expect(Number(after.numBytes)).toBeGreaterThan(0);
    expect(Number(after.lastModifiedTime)).toBeGreaterThan(Number(meta.lastModifiedTime));
    expect(server.table('build.all')).toMatchObject({ numRows: 2, numBytes: Number(after.numBytes) });

    expect((await failure(bq.dataset('build').createTable('all', { schema }))).code).toBe(409);
  });

  it('patches schemas additively, lists and deletes tables', async () => {
    const table = await buildTable();
    await table.setMetadata({ schema: { fields: [...schema.fields, { name: 'extra', type: 'STRING', mode: 'NULLABLE' }] }, description: 'd' });
    const [meta] = await table.getMetadata();
    expect((meta.schema.fields as { name: string }[]).map((f) => f.name)).toContain('extra');
    expect(meta.description).toBe('d');
    const dropped = await failure(table.setMetadata({ schema: { fields: schema.fields.slice(1) } }));
    expect(dropped.code).toBe(400);
    expect(dropped.message).toMatch(/Field path is missing/);

    await buildTable('day');
    const [tables] = await bq.dataset('build').getTables();
    expect(tables.map((t) => t.id).sort()).toEqual(['all', 'day']);
    await table.delete();
    expect((await table.exists())[0]).toBe(false);
    expect(server.tables('test-project:build')).toEqual(['day']);
  });
});

describe('tabledata.insertAll', () => {
  it('stores valid rows', async () => {
    const table = await buildTable();
    const [resp] = await insertRaw(table, [row(1, { metadata: [{ key: 'k', value: 'v' }], test: [{ name: 't', time: 1.5, failed: true, failure_text: 'x' }] })]);
    expect(resp).toEqual({ kind: 'bigquery#tableDataInsertAllResponse' });
    expect(server.rows('build.all')).toEqual([
      { path: 'gs://b/logs/j/1', number: '1', finished: 1700000001, tests_run: '0', tests_failed: '0', metadata: [{ key: 'k', value: 'v' }], test: [{ name: 't', time: 1.5, failed: true, failure_text: 'x' }] },
    ]);
  });

  it('rejects the whole request when a row is invalid: bad rows "invalid", good rows "stopped"', async () => {
    const table = await buildTable();
    const err = await failure(insertRaw(table, [row(1), row(2, { nope: 1, number: 'x' }), row(3, { test: {} })]));
    expect(err.response?.insertErrors).toEqual([
      { index: 0, errors: [{ reason: 'stopped', location: '', debugInfo: '', message: '' }] },
      {
        index: 1,
        errors: [
          { reason: 'invalid', location: 'number', debugInfo: '', message: 'Cannot convert value to integer (bad value): x' },
          { reason: 'invalid', location: 'nope', debugInfo: '', message: 'no such field: nope.' },
        ],
      },
      { index: 2, errors: [{ reason: 'invalid', location: 'test', debugInfo: '', message: 'Field test is REPEATED: expected a JSON array.' }] },
    ]);
    expect(server.rows('build.all')).toEqual([]);
    expect(server.stats().rowsRejected).toBe(2);
  });

  it('inserts the valid rows with skipInvalidRows, and drops unknown fields with ignoreUnknownValues', async () => {
    const table = await buildTable();
    const err = await failure(insertRaw(table, [row(1), row(2, { passed: 'maybe' })], { skipInvalidRows: true }));
    expect(err.response?.insertErrors).toEqual([{ index: 1, errors: [expect.objectContaining({ reason: 'invalid', location: 'passed' })] }]);
    await insertRaw(table, [row(3, { unknown: 'x' })], { ignoreUnknownValues: true });
    expect(server.rows('build.all').map((r) => r.number)).toEqual(['1', '3']);
  });

  it('de-duplicates by insertId, within and across requests', async () => {
    const table = await buildTable();
    await insertRaw(table, [row(1), row(2), row(1)]);
    await insertRaw(table, [row(2), row(3)]);
    expect(server.rows('build.all').map((r) => r.number)).toEqual(['1', '2', '3']);
    expect(server.stats()).toMatchObject({ rowsInserted: 3, rowsDeduplicated: 2 });
  });

  it('keeps 19-digit integers exact, sent as strings or as bare JSON literals', async () => {
    const table = await buildTable();
    await insertRaw(table, [row(1, { number: '1234567890123456789' })]);
    // The client cannot send a bare 19-digit literal (it goes through a JS number), so use HTTP directly.
    const res = await fetch(`${server.url}/bigquery/v2/projects/test-project/datasets/build/tables/all/insertAll`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"rows":[{"insertId":"b","json":{"path":"gs://b/2","number":9223372036854775807,"test":[]}}]}',
    });
    expect(await res.json()).toEqual({ kind: 'bigquery#tableDataInsertAllResponse' });

    const [rows] = await table.getRows({ wrapIntegers: true });
    expect(rows.map((r) => (r.number as { value: string }).value)).toEqual(['1234567890123456789', '9223372036854775807']);
    const raw = await (await fetch(`${server.url}/bigquery/v2/projects/test-project/datasets/build/tables/all/data?selectedFields=number`)).text();
    expect(raw).toContain('{"f":[{"v":"1234567890123456789"}]}');
    expect(raw).toContain('{"f":[{"v":"9223372036854775807"}]}');
  });

  it('refuses a request over 10 MB with BigQuery\'s 400 badRequest, and takes one just under', async () => {
    const table = await buildTable();
    const big = (n: number, kb: number) => row(n, { repos: 'x'.repeat(kb * 1024) });
    const err = await failure(insertRaw(table, Array.from({ length: 11 }, (_, i) => big(i, 1000))));
    expect(err.code).toBe(400);
    expect(err.message).toBe('Request payload size exceeds the limit: 10485760 bytes.');
    expect(err.errors?.[0]?.reason).toBe('badRequest');
    expect(server.rows('build.all')).toEqual([]);
    await insertRaw(table, Array.from({ length: 9 }, (_, i) => big(i, 1100)));
    expect(server.table('build.all')?.numRows).toBe(9);
  });

  it('answers 404 for a missing table and 400 for an empty request', async () => {
    const table = await buildTable();
    expect((await failure(insertRaw(bq.dataset('build').table('missing'), [row(1)]))).code).toBe(404);
    const res = await fetch(`${server.url}/bigquery/v2/projects/test-project/datasets/build/tables/${table.id!}/insertAll`, { method: 'POST', body: '{"rows":[]}' });
    expect(res.status).toBe(400);
  });
});

describe('tabledata.list', () => {
  it('pages rows and decodes them with the client', async () => {
    const table = await buildTable();
    await insertRaw(table, Array.from({ length: 25 }, (_, i) => row(i, { passed: i % 2 === 0, elapsed: i / 4 })));
    const [page, next] = await table.getRows({ maxResults: 10, autoPaginate: false });
    expect(page).toHaveLength(10);
    expect(next).toMatchObject({ pageToken: expect.any(String) as string });
    const [all] = await table.getRows();
    expect(all).toHaveLength(25);
    expect(all[3]).toMatchObject({ path: 'gs://b/logs/j/3', passed: false, elapsed: 0.75, job: null, metadata: [], test: [] });
    expect((all[3]!.finished as { value: string }).value).toBe('2023-11-14T22:13:23.000Z');
  });

  it('writes TIMESTAMP cells in the requested format', async () => {
    const table = await buildTable();
    await insertRaw(table, [row(1, { started: '2023-11-14 22:13:20.5' })]);
    const cell = async (qs: string) => {
      const res = await fetch(`${server.url}/bigquery/v2/projects/test-project/datasets/build/tables/all/data?selectedFields=started&${qs}`);
      return ((await res.json()) as { rows: { f: { v: string }[] }[] }).rows[0].f[0].v;
    };
    expect(await cell('formatOptions.useInt64Timestamp=true')).toBe('1700000000500000');
    expect(await cell('formatOptions.timestampOutputFormat=ISO8601_STRING')).toBe('2023-11-14T22:13:20.500000Z');
    expect(await cell('')).toBe('1700000000.5');
  });
});
