import { randomUUID } from 'node:crypto';
import { alreadyExists, ApiError, invalid, notFound } from './api-error.util';
import { now, schemaFields, text, type BigQueryStore, type Table } from './bigquery.store';
import { isExactJsonObject, parseExactJson, type ExactJson, type ExactJsonObject } from './exact-json.util';
import type { FaultController } from './faults.util';
import { maybeGunzip, parseMultipart } from './multipart.util';
import { compileSchema, indexFields, rowError, schemaJson, validateRow, type Field } from './row-validate.util';
import type { JobInfo, RowError, ServerStats, StoredRow } from './server.types';

type Job = {
  projectId: string;
  jobId: string;
  location: string;
  load: ExactJsonObject;
  data: Buffer;
  inputBytes: number;
  state: JobInfo['state'];
  creationTime: number;
  startTime: number;
  endTime?: number;
  errorResult?: RowError;
  errors?: RowError[];
  outputRows: number;
  outputBytes: number;
  badRecords: number;
  pollsLeft: number;
  timer?: NodeJS.Timeout;
};

// BigQuery lists only the first errors of a failed load; keep responses small too.
const MAX_LISTED_ERRORS = 100;
const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;

/**
 * Load jobs from multipart uploads of NDJSON (optionally gzip), plus jobs.get,
 * jobs.list and jobs.cancel. A job runs when it completes: at once, or after
 * the configured delay / number of RUNNING polls, so the loader's polling and
 * "lost response → 409 → jobs.get" paths can be tested.
 */
export class LoadJobService {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly store: BigQueryStore,
    private readonly faults: FaultController,
    private readonly stats: ServerStats,
    private readonly onChange: () => void,
  ) {}

  upload(projectId: string, contentType: string | undefined, body: Buffer): ExactJsonObject {
    const [meta, media] = parseMultipart(contentType, body);
    if (!meta) throw invalid('Upload without job metadata.');
    let resource: ExactJson;
    try {
      resource = parseExactJson(meta.body.toString('utf8'));
    } catch (e) {
      throw invalid(`Invalid job metadata: ${(e as Error).message}`);
    }
    if (!isExactJsonObject(resource)) throw invalid('Invalid job metadata: expected a JSON object.');
    return this.insert(projectId, resource, media?.body ?? Buffer.alloc(0));
  }

  /** jobs.insert; without an upload only a load job's shape is accepted, and it needs data we cannot fetch. */
  insert(projectId: string, resource: ExactJsonObject, data?: Buffer): ExactJsonObject {
    const ref = isExactJsonObject(resource.jobReference) ? resource.jobReference : {};
    const jobId = typeof ref.jobId === 'string' ? ref.jobId : `job_${randomUUID().replace(/-/g, '')}`;
    if (!JOB_ID.test(jobId)) throw invalid(`Invalid job ID "${jobId}".`);
    const location = typeof ref.location === 'string' ? ref.location : 'US';
    const key = `${projectId}/${jobId}`;
    // The id is checked first, as BigQuery does: a reused id is 409 whatever the job.
    if (this.jobs.has(key)) throw alreadyExists(`Job ${projectId}:${location}.${jobId}`);
    const config = isExactJsonObject(resource.configuration) ? resource.configuration : undefined;
    const load = config && isExactJsonObject(config.load) ? config.load : undefined;
    if (!load) throw new ApiError(501, 'notImplemented', 'bigquery-server runs load jobs only (configuration.load).');
    if (!data) throw new ApiError(501, 'notImplemented', 'bigquery-server loads uploaded data only; sourceUris are not read.');
    const timing = this.faults.jobTiming();
    const t = now();
    const job: Job = {
      projectId,
      jobId,
      location,
      load,
      data,
      inputBytes: data.length,
      state: 'RUNNING',
      creationTime: t,
      startTime: t,
      outputRows: 0,
      outputBytes: 0,
      badRecords: 0,
      pollsLeft: timing.runningPolls ?? 0,
    };
    this.jobs.set(key, job);
    if (timing.delayMs) {
      job.timer = setTimeout(() => this.complete(job), timing.delayMs);
      job.timer.unref();
    } else if (job.pollsLeft === 0) this.complete(job);
    return this.resource(job);
  }

  get(projectId: string, jobId: string, location: string | null): ExactJsonObject {
    const job = this.find(projectId, jobId, location);
    // Polls are counted only when no delay is set, so the two timings never mix.
    if (job.state === 'RUNNING' && !job.timer) {
      if (job.pollsLeft > 0) job.pollsLeft--;
      else this.complete(job);
    }
    return this.resource(job);
  }

  cancel(projectId: string, jobId: string, location: string | null): ExactJsonObject {
    const job = this.find(projectId, jobId, location);
    if (job.state !== 'DONE') {
      clearTimeout(job.timer);
      this.finish(job, { errorResult: rowError('', 'Job execution was cancelled: User requested cancellation', 'stopped') });
    }
    return { kind: 'bigquery#jobCancelResponse', job: this.resource(job) };
  }

  list(projectId: string): ExactJsonObject {
    const jobs = [...this.jobs.values()].filter((j) => j.projectId === projectId).reverse();
    return { kind: 'bigquery#jobList', etag: '', jobs: jobs.map((j) => ({ ...this.resource(j), state: j.state })) };
  }

  infos(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({
      projectId: j.projectId,
      jobId: j.jobId,
      location: j.location,
      state: j.state,
      ...(j.errorResult ? { errorResult: j.errorResult } : {}),
      ...(j.errors ? { errors: j.errors } : {}),
      outputRows: j.outputRows,
      badRecords: j.badRecords,
    }));
  }

  clear(): void {
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    this.jobs.clear();
  }

  private find(projectId: string, jobId: string, location: string | null): Job {
    const job = this.jobs.get(`${projectId}/${jobId}`);
    if (!job || (location && location !== job.location)) throw notFound(`Job ${projectId}:${location ?? 'US'}.${jobId}`);
    return job;
  }

  private finish(job: Job, result: { errorResult?: RowError; errors?: RowError[] }): void {
    job.state = 'DONE';
    job.endTime = now();
    job.data = Buffer.alloc(0);
    delete job.timer;
    if (result.errorResult) job.errorResult = result.errorResult;
    if (result.errors?.length) job.errors = result.errors.slice(0, MAX_LISTED_ERRORS);
    this.onChange();
  }

  /** Read, validate and commit the job's rows: all or nothing, as a BigQuery load is. */
  private complete(job: Job): void {
    if (job.state === 'DONE') return;
    try {
      this.finish(job, this.run(job));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.finish(job, { errorResult: rowError('', e.message, e.reason), errors: [rowError('', e.message, e.reason)] });
    }
  }

  private run(job: Job): { errorResult?: RowError; errors?: RowError[] } {
    const load = job.load;
    const dest = isExactJsonObject(load.destinationTable) ? load.destinationTable : {};
    const projectId = typeof dest.projectId === 'string' ? dest.projectId : job.projectId;
    const datasetId = text(dest.datasetId);
    const tableId = text(dest.tableId);
    const format = typeof load.sourceFormat === 'string' ? load.sourceFormat : 'CSV';
    // BigQuery's default is CSV; a caller that forgets sourceFormat must fail here as it would there.
    if (format !== 'NEWLINE_DELIMITED_JSON') throw invalid(`bigquery-server loads NEWLINE_DELIMITED_JSON only; got sourceFormat ${format}.`);
    const write = typeof load.writeDisposition === 'string' ? load.writeDisposition : 'WRITE_APPEND';
    const create = typeof load.createDisposition === 'string' ? load.createDisposition : 'CREATE_IF_NEEDED';
    const maxBad = typeof load.maxBadRecords === 'number' ? load.maxBadRecords : 0;
    const ignoreUnknownValues = load.ignoreUnknownValues === true;

    this.store.dataset(projectId, datasetId);
    let table = this.store.findTable(projectId, datasetId, tableId);
    const given = load.schema !== undefined ? compileSchema(schemaFields(load.schema)) : undefined;
    if (!table && create === 'CREATE_NEVER') throw notFound(`Table ${projectId}:${datasetId}.${tableId}`);
    if (!table && !given?.length) throw invalid('No schema specified on job or table.');
    if (table && write === 'WRITE_EMPTY' && table.rows.length > 0) throw alreadyExists(`Table ${projectId}:${datasetId}.${tableId}`);
    // WRITE_TRUNCATE replaces the schema with the job's; appending needs the table's own.
    if (table && given && write !== 'WRITE_TRUNCATE' && !sameSchema(table.fields, given)) {
      throw invalid(`Provided Schema does not match Table ${projectId}:${datasetId}.${tableId}.`);
    }
    const fields = given ?? table?.fields ?? [];
    const index = indexFields(fields);

    const data = maybeGunzip(job.data);
    const rows: StoredRow[] = [];
    const errors: RowError[] = [];
    let bytes = 0;
    let position = 0;
    let read = 0;
    for (const line of data.toString('utf8').split('\n')) {
      const start = position;
      position += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      read++;
      const problem = (message: string): void => {
        errors.push(rowError('', `Error while reading data, error message: JSON parsing error in row starting at position ${start}: ${message}`));
      };
      let json: ExactJson;
      try {
        json = parseExactJson(line);
      } catch (e) {
        problem((e as Error).message);
        continue;
      }
      const result = validateRow(index, json, { ignoreUnknownValues });
      const rejected = isExactJsonObject(json) ? this.faults.rejection(json, tableId) : undefined;
      if ('errors' in result) problem(result.errors.map((err) => err.message).join(' '));
      else if (rejected !== undefined) problem(rejected);
      else {
        rows.push(result.row);
        bytes += result.bytes;
      }
      if (errors.length > maxBad) break;
    }
    job.badRecords = errors.length;
    this.stats.rowsRejected += errors.length;
    if (errors.length > maxBad) {
      const errorResult = rowError(
        '',
        `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${read}; errors: ${errors.length}. Please look into the errors[] collection for more details.`,
      );
      return { errorResult, errors: [errorResult, ...errors] };
    }

    table ??= this.store.insertTable(projectId, datasetId, {
      tableReference: { projectId, datasetId, tableId },
      schema: { fields: schemaJson(fields) as unknown as ExactJson[] },
    });
    if (write === 'WRITE_TRUNCATE') {
      if (given) setSchema(table, given);
      this.store.replaceRows(table, rows, bytes);
    } else this.store.appendRows(table, rows, bytes);
    job.outputRows = rows.length;
    job.outputBytes = bytes;
    this.stats.rowsInserted += rows.length;
    return errors.length ? { errors } : {};
  }

  private resource(job: Job): ExactJsonObject {
    const id = `${job.projectId}:${job.location}.${job.jobId}`;
    const status: ExactJsonObject = { state: job.state };
    if (job.errorResult) status.errorResult = job.errorResult;
    if (job.errors) status.errors = job.errors;
    const statistics: ExactJsonObject = { creationTime: String(job.creationTime), startTime: String(job.startTime) };
    if (job.endTime !== undefined) {
      statistics.endTime = String(job.endTime);
      statistics.load = {
        inputFiles: '1',
        inputFileBytes: String(job.inputBytes),
        outputRows: String(job.outputRows),
        outputBytes: String(job.outputBytes),
        badRecords: String(job.badRecords),
      };
    }
    return {
      kind: 'bigquery#job',
      etag: Buffer.from(`${id}/${job.state}`).toString('base64'),
      id,
      selfLink: `/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
      user_email: 'bigquery-server@localhost',
      jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location },
      configuration: { load: job.load, jobType: 'LOAD' },
      status,
      statistics,
    };
  }
}

function setSchema(table: Table, fields: Field[]): void {
  table.fields = fields;
  table.index = indexFields(fields);
}

function sameSchema(a: readonly Field[], b: readonly Field[]): boolean {
  return JSON.stringify(schemaJson(a).map(strip)) === JSON.stringify(schemaJson(b).map(strip));
}

/** Descriptions do not make schemas different. */
function strip(f: { name: string; type: string; mode?: string; fields?: unknown[] }): unknown {
  return { name: f.name.toLowerCase(), type: f.type, mode: f.mode, fields: (f.fields as (typeof f)[] | undefined)?.map(strip) };
}
