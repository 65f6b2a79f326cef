import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import pLimit from 'p-limit';
import { isBuildPath, timestampOf, type BucketConfig, type BucketsConfig, type KettleStore, type RawJunitFile } from '@kettle/model';
import type { GcsReader } from '@kettle/gcs';
import type { Logger } from '@kettle/service';
import { junitAsUtf8, parseBuildDocument } from './build-documents';
import type { Problem } from './collect-problems';
import { CollectStats } from './collect-stats';
import type { CollectorMetrics } from './collector-metrics';
import { stripSystemOutErrBytes } from './junit-strip.util';
import { naturalDescending } from './natural-sort.util';

const deflateAsync = promisify(deflate);

export type CollectOptions = {
  /** Concurrent GCS requests (make_db.py --threads). */
  threads: number;
  /** Newest builds walked per job (make_db.py --buildlimit). */
  buildLimit?: number;
  /** Fetch JUnit for builds that have none recorded (make_db.py --junit). */
  junit: boolean;
  maxJsonBytes: number;
  maxJunitBytes: number;
  /** A probed job stops after this many held builds (DESIGN §4b). */
  heldStopAfter: number;
  /** latest-build.txt above this is absurd (a Prow id): list instead of probing. */
  maxProbe: number;
  /** zlib level for stored JUnit (9 as the old tool is ~3x slower than 6 for ~2% size). */
  compressionLevel: number;
  /** Queue finished builds in the publish outbox (the service publishes them). */
  queuePublish: boolean;
};

export const DEFAULT_COLLECT_OPTIONS: CollectOptions = {
  threads: 32,
  junit: true,
  maxJsonBytes: 1 << 20,
  maxJunitBytes: 64 << 20,
  heldStopAfter: 40,
  maxProbe: 10_000_000,
  compressionLevel: 6,
  queuePublish: false,
};

type Candidate = { name: string; path: string; bucket: string; object: string };
export type BuildOutcome = 'stored' | 'unchanged' | 'absent' | 'failed';
const READ_FAILED = Symbol('read failed');

/**
 * Walks the buckets of buckets.yaml into the store (DESIGN §4b). Every GCS
 * call goes through one concurrency limit; builds of a job are handled a
 * window at a time and written in one transaction per window, so memory stays
 * bounded whatever the bucket's size. Bad input is counted and skipped.
 */
export class Collector {
  readonly stats: CollectStats;
  private readonly limit: pLimit.Limit;
  private readonly window: number;

  constructor(
    private readonly gcs: GcsReader,
    private readonly store: KettleStore,
    private readonly log: Logger,
    private readonly opts: CollectOptions = DEFAULT_COLLECT_OPTIONS,
    private readonly now: () => number = () => Date.now() / 1000,
    metrics?: CollectorMetrics,
  ) {
    this.stats = new CollectStats(metrics);
    this.limit = pLimit(Math.max(1, opts.threads));
    this.window = Math.max(4, Math.min(64, opts.threads));
  }

  /** One full pass: every bucket, then (with junit) every build missing JUnit. */
  async collect(config: BucketsConfig, signal?: AbortSignal): Promise<CollectStats> {
    for (const bucket of config.buckets) {
      if (signal?.aborted) break;
      await this.walkBucket(bucket, signal);
    }
    if (this.opts.junit && !signal?.aborted) await this.fetchMissingJunit(signal);
    return this.stats;
  }

  async walkBucket(bucket: BucketConfig, signal?: AbortSignal): Promise<void> {
    const root = bucket.pr ? bucket.objectPrefix + 'directory/' : bucket.objectPrefix;
    const jobs = await this.listFolders(bucket.bucket, root, signal);
    if (jobs === null) return;
    const excluded = new Set(bucket.excludeJobs);
    const todo = jobs.map((p) => p.slice(root.length, -1)).filter((j) => j !== '' && !excluded.has(j));
    // Jobs run side by side; each keeps at most one window of builds in memory.
    const jobLimit = pLimit(Math.max(1, Math.ceil(this.opts.threads / 8)));
    await Promise.all(
      todo.map((job) =>
        jobLimit(async () => {
          if (signal?.aborted) return;
          this.stats.jobs++;
          if (bucket.pr) await this.walkPrJob(bucket, root + job + '/', signal);
          else await this.walkJob(bucket, job, signal);
        }),
      ),
    );
  }

  private async walkJob(bucket: BucketConfig, job: string, signal?: AbortSignal): Promise<void> {
    const jobObject = bucket.objectPrefix + job + '/';
    const jobDir = `gs://${bucket.bucket}/${jobObject}`;
    const held = this.store.heldBuildNames(jobDir, this.now());
    const latest = bucket.sequential ? await this.latestBuild(bucket.bucket, jobObject + 'latest-build.txt') : null;
    let names: string[];
    let probing = false;
    if (latest !== null) {
      probing = true;
      const count = Math.min(latest, this.opts.buildLimit ?? latest);
      names = Array.from({ length: count }, (_, i) => String(latest - i));
    } else {
      const folders = await this.listFolders(bucket.bucket, jobObject, signal);
      if (folders === null) return;
      names = naturalDescending(folders.map((f) => f.slice(jobObject.length, -1)).filter((n) => n !== ''));
      if (this.opts.buildLimit !== undefined) names = names.slice(0, this.opts.buildLimit);
    }
    let heldSeen = 0;
    let batch: Candidate[] = [];
    for (const name of names) {
      if (signal?.aborted) return;
      this.stats.buildsListed++;
      if (held.has(name)) {
        this.stats.buildsHeld++;
        // A probed job's older builds are all held once this many are.
        if (probing && ++heldSeen >= this.opts.heldStopAfter) break;
        continue;
      }
      batch.push({ name, path: jobDir + name, bucket: bucket.bucket, object: jobObject + name + '/' });
      if (batch.length >= this.window) {
        await this.readAndStore(batch);
        batch = [];
      }
    }
    await this.readAndStore(batch);
  }

  /** PR mode: `directory/<job>/<build>.txt` each holds the gs:// folder of a build. */
  private async walkPrJob(bucket: BucketConfig, dirObject: string, signal?: AbortSignal): Promise<void> {
    const names: string[] = [];
    try {
      for await (const page of this.gcs.list(bucket.bucket, dirObject, { delimiter: '/', signal })) {
        for (const item of page.items) {
          const base = item.name.slice(dirObject.length);
          if (base.endsWith('.txt') && base !== 'latest-build.txt' && !base.includes('/')) names.push(base.slice(0, -4));
        }
      }
    } catch (e) {
      this.problem({ kind: 'list_failed', object: `gs://${bucket.bucket}/${dirObject}`, detail: errorText(e) });
      return;
    }
    let todo = naturalDescending(names);
    if (this.opts.buildLimit !== undefined) todo = todo.slice(0, this.opts.buildLimit);
    for (let i = 0; i < todo.length && !signal?.aborted; i += this.window) {
      const pointers = await Promise.all(
        todo.slice(i, i + this.window).map(async (name) => {
          const object = `${dirObject}${name}.txt`;
          const data = await this.read(bucket.bucket, object, 4096);
          if (data === READ_FAILED) return null;
          const target = data?.toString('utf8').trim() ?? '';
          this.stats.buildsListed++;
          if (target === '') {
            if (data !== null) this.problem({ kind: 'empty_pointer', object: `gs://${bucket.bucket}/${object}`, detail: 'empty pointer' });
            return null;
          }
          const path = target.replace(/\/+$/, '');
          if (!isBuildPath(path)) {
            this.problem({ kind: 'invalid_pointer', object: `gs://${bucket.bucket}/${object}`, detail: `not a gs:// build folder: ${JSON.stringify(target.slice(0, 200))}` });
            return null;
          }
          if (this.store.isHeld(path, this.now())) {
            this.stats.buildsHeld++;
            return null;
          }
          return candidateOf(path);
        }),
      );
      await this.readAndStore(pointers.filter((c): c is Candidate => c !== null));
    }
  }

  /** Reads one build by path (a GCS notification) and stores it with its JUnit. */
  async collectBuild(path: string): Promise<BuildOutcome> {
    const c = candidateOf(path);
    const [outcome] = await this.readAndStore([c]);
    const b = this.store.buildByPath(path);
    if (b && this.store.isMissingJunit(b.id)) {
      const ok = await this.fetchJunitFor([{ id: b.id, path }]);
      if (!ok) return 'failed';
    }
    return outcome;
  }

  private async readAndStore(batch: Candidate[]): Promise<BuildOutcome[]> {
    if (batch.length === 0) return [];
    const docs = await Promise.all(
      batch.map(async (c) => {
        const problems: Problem[] = [];
        const [s, f] = await Promise.all([
          this.read(c.bucket, c.object + 'started.json', this.opts.maxJsonBytes),
          this.read(c.bucket, c.object + 'finished.json', this.opts.maxJsonBytes),
        ]);
        this.stats.buildsRead++;
        // A failed read (not a missing object) must not store half a build
        // that would then count as held: leave it for the next pass.
        if (s === READ_FAILED || f === READ_FAILED) return { c, started: null, finished: null, failed: true };
        const started = parseBuildDocument(`${c.path}/started.json`, s, problems);
        const finished = parseBuildDocument(`${c.path}/finished.json`, f, problems);
        for (const p of problems) this.problem(p);
        return { c, started, finished, failed: false };
      }),
    );
    return this.store.transaction(() =>
      docs.map(({ c, started, finished, failed }): BuildOutcome => {
        if (failed) return 'failed';
        if (!started && !finished) {
          this.stats.buildsAbsent++;
          return 'absent';
        }
        const r = this.store.insertBuild(c.path, started, finished);
        if (r === 'unchanged') {
          this.stats.buildsUnchanged++;
          return 'unchanged';
        }
        this.stats.stored(c.path, finished ? timestampOf(finished.timestamp) : null);
        return 'stored';
      }),
    );
  }

  /** JUnit for every build queued for it, a page at a time, one transaction per page. */
  async fetchMissingJunit(signal?: AbortSignal): Promise<void> {
    let after = 0;
    for (;;) {
      if (signal?.aborted) return;
      const page = this.store.buildsMissingJunit(after, Math.max(64, this.opts.threads * 4));
      if (page.length === 0) return;
      after = page[page.length - 1].id;
      await this.fetchJunitFor(page);
    }
  }

  /** Returns whether every build's JUnit was stored. */
  private async fetchJunitFor(builds: { id: number; path: string }[]): Promise<boolean> {
    const results = await Promise.all(builds.map((b) => this.junitOf(b.path)));
    this.store.transaction(() => {
      builds.forEach((b, i) => {
        const files = results[i];
        // null: a listing or read failed; the build stays queued for the next pass.
        if (files !== null) this.store.insertJunit(b.id, files, { queuePublish: this.opts.queuePublish });
      });
    });
    return results.every((r) => r !== null);
  }

  private async junitOf(buildPath: string): Promise<RawJunitFile[] | null> {
    const { bucket, object } = candidateOf(buildPath);
    const artifacts = object + 'artifacts/';
    const names: string[] = [];
    try {
      for await (const page of this.gcs.list(bucket, artifacts, { delimiter: '/' })) {
        for (const item of page.items) {
          const base = item.name.slice(artifacts.length);
          if (base.startsWith('junit') && base.endsWith('.xml')) names.push(item.name);
        }
      }
    } catch (e) {
      this.problem({ kind: 'list_failed', object: `gs://${bucket}/${artifacts}`, detail: errorText(e) });
      return null;
    }
    const files: RawJunitFile[] = [];
    let failed = false;
    let bytes = 0;
    await Promise.all(
      names.map(async (name) => {
        const object = `gs://${bucket}/${name}`;
        let data: Buffer | null;
        try {
          data = await this.limit(() => this.gcs.read(bucket, name, { maxBytes: this.opts.maxJunitBytes }));
        } catch (e) {
          if (isTooLarge(e)) {
            this.problem({ kind: 'too_large', object, detail: `over the ${this.opts.maxJunitBytes} byte cap` });
          } else {
            this.problem({ kind: 'read_failed', object, detail: errorText(e) });
            failed = true;
          }
          return;
        }
        if (data === null) return;
        this.stats.junitBytes += data.length;
        bytes += data.length;
        const problems: Problem[] = [];
        const utf8 = junitAsUtf8(object, stripSystemOutErrBytes(data), problems);
        problems.forEach((p) => this.problem(p));
        if (utf8 === null) return;
        const compressed = await deflateAsync(utf8, { level: this.opts.compressionLevel });
        this.stats.junitStoredBytes += compressed.length;
        files.push({ path: object, data: compressed });
      }),
    );
    if (failed) return null;
    this.stats.junit(files.length, bytes);
    return files;
  }

  private async latestBuild(bucket: string, object: string): Promise<number | null> {
    const data = await this.read(bucket, object, 1024);
    const text = data === READ_FAILED ? '' : (data?.toString('utf8').trim() ?? '');
    if (!/^\d{1,15}$/.test(text)) return null;
    const n = Number(text);
    return n >= 1 && n <= this.opts.maxProbe ? n : null;
  }

  private async listFolders(bucket: string, prefix: string, signal?: AbortSignal): Promise<string[] | null> {
    const out: string[] = [];
    try {
      for await (const page of this.gcs.list(bucket, prefix, { delimiter: '/', signal })) out.push(...page.prefixes);
      return out;
    } catch (e) {
      this.problem({ kind: 'list_failed', object: `gs://${bucket}/${prefix}`, detail: errorText(e) });
      return null;
    }
  }

  /**
   * A read whose failure (after the client's retries) is counted: a missing
   * object is null, an object over the cap is bad input (null), anything else
   * is READ_FAILED so the caller retries later.
   */
  private async read(bucket: string, object: string, maxBytes: number): Promise<Buffer | null | typeof READ_FAILED> {
    try {
      return await this.limit(() => this.gcs.read(bucket, object, { maxBytes }));
    } catch (e) {
      const tooLarge = isTooLarge(e);
      this.problem({ kind: tooLarge ? 'too_large' : 'read_failed', object: `gs://${bucket}/${object}`, detail: errorText(e) });
      return tooLarge ? null : READ_FAILED;
    }
  }

  private problem(p: Problem): void {
    this.stats.problem(p);
    this.log.warn(`${p.object}: ${p.kind}: ${p.detail}`, { path: p.object, kind: p.kind });
  }
}

function candidateOf(path: string): Candidate {
  const rest = path.slice('gs://'.length);
  const slash = rest.indexOf('/');
  return { name: rest.slice(rest.lastIndexOf('/') + 1), path, bucket: rest.slice(0, slash), object: rest.slice(slash + 1) + '/' };
}

const isTooLarge = (e: unknown): boolean => e instanceof Error && e.name === 'TooLargeError';
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

