import type { BigQuery, Job } from '@google-cloud/bigquery';
import { randomBytes } from 'node:crypto';
import { BUILD_SCHEMA } from '@kettle/model';
import { backoffMs, sleep, withDeadline } from '@kettle/service';
import { classifyFailure } from './bigquery-errors.util';
import { tableLabel, type TableTarget } from './table-target';

export type LoadJobOptions = {
  writeDisposition: 'WRITE_TRUNCATE' | 'WRITE_APPEND';
  /** As the old `bq load --max_bad_records=1000`. */
  maxBadRecords?: number;
  /** Deadline for the upload, and for the whole job. */
  uploadDeadlineMs?: number;
  jobDeadlineMs?: number;
  pollMs?: number;
  attempts?: number;
};

export type LoadJobResult = { jobId: string; outputRows: number; badRecords: number; errors: string[] };

export class LoadJobError extends Error {
  constructor(
    message: string,
    readonly jobId: string,
    readonly errors: string[],
  ) {
    super(message);
  }
}

type JobStatus = { state?: string; errorResult?: { reason?: string; message?: string }; errors?: { reason?: string; message?: string; location?: string }[] };
type JobMeta = { status?: JobStatus; statistics?: { load?: { outputRows?: string; badRecords?: string } } };

/**
 * One load job from a gzip NDJSON file with our schema. The job id is ours and
 * fixed across retries: the client never retries an upload, and after a lost
 * response the same id answers 409, so we then fetch that job instead of
 * loading the rows twice.
 */
export async function runLoadJob(bq: BigQuery, target: TableTarget, file: string, opts: LoadJobOptions): Promise<LoadJobResult> {
  const label = tableLabel(target);
  const jobId = `kettle_${target.table}_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const table = bq.dataset(target.dataset, { projectId: target.project }).table(target.table);
  const attempts = opts.attempts ?? 5;
  let job: Job | undefined;
  for (let attempt = 0; !job; attempt++) {
    try {
      [job] = await withDeadline(`upload load job ${jobId} for ${label}`, opts.uploadDeadlineMs ?? 600_000, () =>
        table.createLoadJob(file, {
          jobId,
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          schema: { fields: BUILD_SCHEMA.map((f) => ({ ...f })) },
          writeDisposition: opts.writeDisposition,
          createDisposition: 'CREATE_IF_NEEDED',
          maxBadRecords: opts.maxBadRecords ?? 1000,
        }),
      );
    } catch (err) {
      if ((err as { code?: number }).code === 409) {
        job = bq.job(jobId, { projectId: target.project });
        break;
      }
      if (classifyFailure(err) !== 'retryable' || attempt + 1 >= attempts) throw err;
      await sleep(backoffMs(attempt, { attempts, baseMs: 1000, maxMs: 30_000 }));
    }
  }
  const deadline = Date.now() + (opts.jobDeadlineMs ?? 3_600_000);
  for (let attempt = 0; ; ) {
    let meta: JobMeta;
    try {
      [meta] = (await withDeadline(`get job ${jobId}`, 30_000, () => job.getMetadata())) as [JobMeta, unknown];
    } catch (err) {
      if (classifyFailure(err) !== 'retryable' || ++attempt >= attempts) throw err;
      await sleep(backoffMs(attempt, { attempts, baseMs: 1000, maxMs: 30_000 }));
      continue;
    }
    const status = meta.status ?? {};
    if (status.state === 'DONE') {
      const errors = (status.errors ?? []).map((e) => [e.reason, e.location, e.message].filter(Boolean).join(': '));
      if (status.errorResult) {
        throw new LoadJobError(`load job ${jobId} into ${label} failed: ${status.errorResult.message ?? status.errorResult.reason}`, jobId, errors);
      }
      const load = meta.statistics?.load ?? {};
      return { jobId, outputRows: Number(load.outputRows ?? 0), badRecords: Number(load.badRecords ?? 0), errors };
    }
    if (Date.now() > deadline) throw new LoadJobError(`load job ${jobId} into ${label} still ${status.state} at its deadline`, jobId, []);
    await sleep(opts.pollMs ?? 1000);
  }
}
