import type { BigQuery, Job, Table } from '@google-cloud/bigquery';
import { BUILD_SCHEMA } from '@kettle/model';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { startBigQueryServer, testClient, type BigQueryServer } from './index';

let server: BigQueryServer;
let bq: BigQuery;
let dir: string;

beforeAll(async () => {
  server = await startBigQueryServer();
  bq = testClient(server.url);
  dir = mkdtempSync(join(tmpdir(), 'bq-load-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  server.reset();
  await bq.createDataset('build');
});

const schema = { fields: BUILD_SCHEMA.map((f) => ({ ...f })) };
const line = (n: number | string, extra: Record<string, unknown> = {}) => JSON.stringify({ path: `gs://b/${n}`, number: String(n), tests_run: 0, tests_failed: 0, test: [], ...extra });
let files = 0;
/** A gzip NDJSON file, as `kettle load` writes it. */
function ndjsonGz(lines: string[]): string {
  const file = join(dir, `rows-${files++}.json.gz`);
  writeFileSync(file, gzipSync(lines.join('\n') + '\n'));
  return file;
}
const loadOptions = (extra: Record<string, unknown> = {}) => ({ sourceFormat: 'NEWLINE_DELIMITED_JSON', schema, ...extra });
const table = (): Table => bq.dataset('build').table('all');
const numbers = (): string[] => server.rows('build.all').map((r) => r.number as string);

type ClientError = { code?: number; message: string; errors?: { reason?: string; message?: string }[] };
async function failure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    return e as ClientError;
  }
  throw new Error('expected a failure');
}

describe('load jobs (multipart upload)', () => {
  it('loads gzip NDJSON with WRITE_TRUNCATE, then WRITE_APPEND, creating the table when needed', async () => {
    const [job] = await table().load(ndjsonGz([line(1), line('1234567890123456789')]), loadOptions({ writeDisposition: 'WRITE_TRUNCATE' }));
    expect(job.status).toEqual({ state: 'DONE' });
    expect(job.statistics?.load).toMatchObject({ outputRows: '2', badRecords: '0', inputFiles: '1' });
    expect(job.configuration?.load?.destinationTable).toEqual({ projectId: 'test-project', datasetId: 'build', tableId: 'all' });
    expect(numbers()).toEqual(['1', '1234567890123456789']);

    await table().insert([{ insertId: 's', json: JSON.parse(line(9)) as object }], { raw: true, partialRetries: 0 });
    await table().load(ndjsonGz([line(3)]), loadOptions({ writeDisposition: 'WRITE_APPEND' }));
    expect(numbers()).toEqual(['1', '1234567890123456789', '9', '3']);

    // A rebuild replaces everything, streamed rows included.
    await table().load(ndjsonGz([line(4), line(5)]), loadOptions({ writeDisposition: 'WRITE_TRUNCATE' }));
    expect(numbers()).toEqual(['4', '5']);
    const [meta] = await table().getMetadata();
    expect(meta.numRows).toBe('2');
  });

  it('takes a stream through createWriteStream, plain or gzip', async () => {
    for (const gzip of [false, true]) {
      const source = Readable.from([line(gzip ? 2 : 1) + '\n']);
      const sink = table().createWriteStream(loadOptions({ writeDisposition: 'WRITE_APPEND' }));
      const completed = new Promise<Job>((resolve, reject) => sink.on('complete', resolve).on('error', reject));
      await pipeline(gzip ? [source, createGzip(), sink] : [source, sink]);
      expect((await completed).metadata.status.state).toBe('DONE');
    }
    expect(numbers()).toEqual(['1', '2']);
  });

  it('counts bad records: within maxBadRecords the good rows load and the bad ones are listed', async () => {
    const file = ndjsonGz([line(1), line(2, { nope: 1 }), '{not json', line(3), line(4, { number: 'x' })]);
    const [job] = await table().load(file, loadOptions({ maxBadRecords: 3 }));
    expect(job.status?.state).toBe('DONE');
    expect(job.status?.errorResult).toBeUndefined();
    expect(job.status?.errors?.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Error while reading data, error message: JSON parsing error in row starting at position \d+: no such field: nope\.$/),
      expect.stringMatching(/position \d+: Expected a string key at position 1$/),
      expect.stringMatching(/Cannot convert value to integer/),
    ]);
    expect(job.statistics?.load).toMatchObject({ outputRows: '2', badRecords: '3' });
    expect(numbers()).toEqual(['1', '3']);
  });

  it('fails the whole job when bad records exceed maxBadRecords, loading nothing', async () => {
    await table().load(ndjsonGz([line(0)]), loadOptions());
    const err = await failure(table().load(ndjsonGz([line(1), line(2, { nope: 1 }), line(3, { passed: 'x' })]), loadOptions({ maxBadRecords: 1, writeDisposition: 'WRITE_TRUNCATE' })));
    expect(err.message).toMatch(/JSON table encountered too many errors, giving up\. Rows: 3; errors: 2\./);
    expect(err.errors).toHaveLength(3);
    expect(numbers()).toEqual(['0']);
    const failed = server.jobs().at(-1);
    expect(failed).toMatchObject({ state: 'DONE', badRecords: 2, outputRows: 0, errorResult: { reason: 'invalid' } });
  });

  it('answers 409 duplicate for a reused job id; jobs.get then gives the first job', async () => {
    const file = ndjsonGz([line(1)]);
    await table().createLoadJob(file, loadOptions({ jobId: 'kettle-load-1' }));
    const dup = await failure(table().createLoadJob(file, loadOptions({ jobId: 'kettle-load-1' })));
    expect(dup.code).toBe(409);
    expect(dup.errors?.[0]?.reason).toBe('duplicate');
    const [meta] = await bq.job('kettle-load-1', { location: 'US' }).getMetadata();
    expect(meta).toMatchObject({ jobReference: { jobId: 'kettle-load-1', location: 'US' }, status: { state: 'DONE' } });
    expect(numbers()).toEqual(['1']);
    expect((await failure(bq.job('no-such-job').getMetadata())).code).toBe(404);
  });

  it('stays RUNNING for a given number of polls, and commits only when DONE', async () => {
    server.setFaults({ jobs: { runningPolls: 2 } });
    const [job] = await table().createLoadJob(ndjsonGz([line(1)]), loadOptions({ jobId: 'slow' }));
    expect(job.metadata.status.state).toBe('RUNNING');
    const state = async () => ((await job.getMetadata())[0] as { status: { state: string } }).status.state;
    expect(await state()).toBe('RUNNING');
    expect(await state()).toBe('RUNNING');
    expect(server.table('build.all')).toBeUndefined();
    expect(await state()).toBe('DONE');
    expect(numbers()).toEqual(['1']);
  });

  it('stays RUNNING for a given time; table.load() polls until DONE', async () => {
    server.setFaults({ jobs: { delayMs: 300 } });
    const started = Date.now();
    const [job] = await table().load(ndjsonGz([line(1)]), loadOptions());
    expect(job.status?.state).toBe('DONE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(numbers()).toEqual(['1']);
  });

  it('fails like BigQuery without sourceFormat (CSV), with CREATE_NEVER on a missing table, and without a schema', async () => {
    const file = ndjsonGz([line(1)]);
    expect((await failure(table().load(file, { schema }))).message).toMatch(/NEWLINE_DELIMITED_JSON only; got sourceFormat CSV/);
    expect((await failure(table().load(file, loadOptions({ createDisposition: 'CREATE_NEVER' })))).message).toBe('Not found: Table test-project:build.all');
    expect((await failure(table().load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON' }))).message).toBe('No schema specified on job or table.');
    expect(server.table('build.all')).toBeUndefined();
  });

  it('refuses a different schema when appending', async () => {
    await bq.dataset('build').createTable('all', { schema });
    const other = { fields: [{ name: 'path', type: 'STRING', mode: 'NULLABLE' }] };
    const err = await failure(table().load(ndjsonGz([line(1)]), { sourceFormat: 'NEWLINE_DELIMITED_JSON', schema: other }));
    expect(err.message).toMatch(/Provided Schema does not match Table/);
    // Without a schema the table's own is used.
    await table().load(ndjsonGz([line(1)]), { sourceFormat: 'NEWLINE_DELIMITED_JSON' });
    expect(numbers()).toEqual(['1']);
  });
});
