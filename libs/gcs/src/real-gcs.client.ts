import { Storage, type Bucket, type GetFilesOptions, type StorageOptions } from '@google-cloud/storage';
import { crc32cBase64, nativeCrc32cGenerator } from './fast-crc32c.util';
import type { Registry } from 'prom-client';
import { asError, checkMaxBytes, ChecksumMismatchError, GcsTimeoutError, TooLargeError, TruncatedBodyError } from './gcs.errors';
import { createGcsMetrics, type GcsMetrics } from './gcs-metrics.util';
import { assertBucketName, formatGcsPath, GcsPathError, objectNameProblem } from './gcs-path.util';
import type { GcsOutcome, GcsReader, ListOptions, ListResult, ObjectInfo, ReadOptions } from './gcs.types';
import { LIST_PAGE_SIZE } from './list-semantics.util';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryContext, type RetryPolicy } from './retry.util';

/**
 * 'anonymous' sends no credentials (the Kubernetes CI buckets are public);
 * 'default' uses Application Default Credentials.
 */
export type GcsAuth = 'anonymous' | 'default';

export type RealGcsClientOptions = {
  /** API endpoint, e.g. an emulator "http://localhost:9023"; default GCS. */
  endpoint?: string;
  /**
   * Default 'anonymous'. Note: the storage client itself also reads
   * process.env.STORAGE_EMULATOR_HOST; when that is set it wins over
   * `endpoint` for the base URL (and drops /storage/v1).
   */
  auth?: GcsAuth;
  projectId?: string;
  /** Deadline of one list-page request. */
  listTimeoutMs?: number;
  /** Deadline of one object read, headers and body. */
  readTimeoutMs?: number;
  /** maxResults per list request (GCS caps it at 1000). */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Where kettle_gcs_* metrics go. */
  registry?: Registry;
  /** Jitter source; tests pass a constant. */
  random?: () => number;
};

export const DEFAULT_LIST_TIMEOUT_MS = 10_000;
export const DEFAULT_READ_TIMEOUT_MS = 15_000;

// Only the fields we use: GCS sends ~1 KB of metadata per object otherwise.
const LIST_FIELDS = 'items(name,size,updated,generation),prefixes,nextPageToken';

/**
 * GcsReader over @google-cloud/storage 7.x, with the client's own retries
 * off: each request gets our deadline, and transient failures are retried
 * here with full-jitter backoff and counted.
 */
export class RealGcsClient implements GcsReader {
  private readonly storage: Storage;
  private readonly metrics: GcsMetrics;
  private readonly policy: RetryPolicy;
  private readonly listTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly pageSize: number;
  private readonly random: () => number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RealGcsClientOptions = {}) {
    this.listTimeoutMs = options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
    this.readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.pageSize = Math.min(options.pageSize ?? LIST_PAGE_SIZE, LIST_PAGE_SIZE);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new RangeError(`pageSize ${options.pageSize} is not >= 1`);
    for (const [name, ms] of [['listTimeoutMs', this.listTimeoutMs], ['readTimeoutMs', this.readTimeoutMs]] as const) {
      if (!(ms > 0)) throw new RangeError(`${name} must be positive, got ${ms}`);
    }
    if (!(Number.isInteger(this.policy.maxAttempts) && this.policy.maxAttempts >= 1)) {
      throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${this.policy.maxAttempts}`);
    }
    this.metrics = createGcsMetrics(options.registry);
    this.random = options.random ?? Math.random;
    this.storage = new Storage(storageOptions(options, Math.max(this.listTimeoutMs, this.readTimeoutMs)));
  }

  async *list(bucket: string, prefix: string, options: ListOptions = {}): AsyncIterable<ListResult> {
    assertBucketName(bucket);
    assertName(bucket, prefix, true);
    const ctx = this.context('list', formatGcsPath({ bucket, object: prefix }), options.signal);
    let pageToken: string | undefined;
    do {
      const token = pageToken;
      const page = await withRetries(ctx, async () => ({
        value: await this.listPage(bucket, prefix, options.delimiter, token, ctx),
        outcome: 'ok' as const,
      }));
      yield { items: page.items, prefixes: page.prefixes };
      // A server that hands back the token it was given would loop forever.
      if (page.nextPageToken !== undefined && page.nextPageToken === token) {
        throw new Error(`objects.list of ${ctx.target} returned the same pageToken twice`);
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }

  async read(bucket: string, name: string, options: ReadOptions): Promise<Buffer | null> {
    assertBucketName(bucket);
    assertName(bucket, name, false);
    checkMaxBytes(options.maxBytes);
    const ctx = this.context('read', formatGcsPath({ bucket, object: name }), options.signal);
    const data = await withRetries(ctx, async () => {
      const value = await this.readOnce(bucket, name, options.maxBytes, ctx);
      const outcome: GcsOutcome = value === null ? 'not_found' : 'ok';
      return { value, outcome };
    });
    if (data !== null) this.metrics.readBytes(data.length);
    return data;
  }

  /** The client's Bucket, made once per name: each one builds ACL helpers (~0.15 ms of CPU, profiled). */
  private bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (b === undefined) {
      b = this.storage.bucket(name);
      if (this.buckets.size < 1000) this.buckets.set(name, b);
    }
    return b;
  }

  private context(op: 'list' | 'read', target: string, signal: AbortSignal | undefined): RetryContext {
    return { op, target, policy: this.policy, metrics: this.metrics, random: this.random, signal };
  }

  private async listPage(
    bucket: string,
    prefix: string,
    delimiter: string | undefined,
    pageToken: string | undefined,
    ctx: RetryContext,
  ): Promise<ListResult & { nextPageToken?: string }> {
    const query: GetFilesOptions = { autoPaginate: false, maxResults: this.pageSize, fields: LIST_FIELDS };
    if (prefix !== '') query.prefix = prefix;
    if (delimiter) query.delimiter = delimiter;
    if (pageToken !== undefined) query.pageToken = pageToken;
    const [, , response] = await withDeadline(
      this.bucket(bucket).getFiles(query),
      this.listTimeoutMs,
      () => new GcsTimeoutError('list', ctx.target, this.listTimeoutMs),
      ctx.signal,
    );
    return parseListResponse(response);
  }

  /** One attempt: null when missing; buffers at most maxBytes. */
  private readOnce(bucket: string, name: string, maxBytes: number, ctx: RetryContext): Promise<Buffer | null> {
    return new Promise<Buffer | null>((resolve, reject) => {
      // The body is checked here against X-Goog-Hash's crc32c (which catches
      // a body cut short without an error from the socket), in one native
      // pass over the whole buffer: the client's own validation adds a
      // hashing stream per read and cost ~0.3 ms of CPU per object, a fifth
      // of the collector's per-request cost on small objects.
      const stream = this.bucket(bucket).file(name).createReadStream({ validation: false });
      const chunks: Buffer[] = [];
      let received = 0;
      let expected: number | undefined;
      let crc32c: string | undefined;
      let settled = false;
      const settle = (err: unknown, value: Buffer | null = null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ctx.signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve(value);
        else reject(asError(err));
      };
      const stop = (err: unknown): void => {
        settle(err);
        stream.destroy();
      };
      const onAbort = (): void => stop(ctx.signal?.reason);
      const timer = setTimeout(() => stop(new GcsTimeoutError('read', ctx.target, this.readTimeoutMs)), this.readTimeoutMs);
      ctx.signal?.addEventListener('abort', onAbort, { once: true });

      stream.on('response', (res: unknown) => {
        const head = responseHead(res);
        if (head.status < 200 || head.status >= 300) return; // the 'error' event follows
        // Stored length, unless GCS serves it gzip-decoded (then only the hash checks).
        const length = head.gzip ? undefined : (head.storedLength ?? head.contentLength);
        if (length !== undefined && length > maxBytes) {
          stop(new TooLargeError(ctx.target, maxBytes, length));
          return;
        }
        expected = length;
        crc32c = head.checkable ? head.crc32c : undefined;
      });
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          stop(new TooLargeError(ctx.target, maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err: unknown) => {
        if (httpCode(err) === 404) settle(undefined, null);
        else settle(err);
      });
      stream.on('end', () => {
        if (expected !== undefined && received !== expected) {
          settle(new TruncatedBodyError(ctx.target, expected, received));
          return;
        }
        const body = Buffer.concat(chunks, received);
        if (crc32c !== undefined) {
          const actual = crc32cBase64(body);
          if (actual !== crc32c) {
            settle(new ChecksumMismatchError(ctx.target, crc32c, actual));
            return;
          }
        }
        settle(undefined, body);
      });
    });
  }
}

function storageOptions(options: RealGcsClientOptions, backstopMs: number): StorageOptions {
  const storage: StorageOptions = {
    // Ours: every attempt is timed, classified and counted in withRetries.
    retryOptions: { autoRetry: false, maxRetries: 0 },
    // Backstop for requests we abandoned at our deadline: the client drops
    // them too instead of holding the socket for its default 60 s.
    timeout: backstopMs,
    // Authentication follows `auth` alone, custom endpoint or not, so the
    // anonymous client is the same code path against the emulator and GCS.
    useAuthWithCustomEndpoint: true,
    crc32cGenerator: nativeCrc32cGenerator,
    interceptors_: [
      {
        // On a failed download stream the client destroys the request's agent;
        // with `forever` that is the process-wide keep-alive agent, so one
        // timeout or oversized object would reset every concurrent read.
        request: (reqOpts) => ({ ...reqOpts, uri: 'uri' in reqOpts ? reqOpts.uri : reqOpts.url, forever: false }),
      },
    ],
  };
  if (options.endpoint !== undefined) storage.apiEndpoint = options.endpoint;
  if (options.projectId !== undefined) storage.projectId = options.projectId;
  if ((options.auth ?? 'anonymous') === 'anonymous') storage.authClient = anonymousAuthClient();
  return storage;
}

/**
 * A credential that adds no headers. Without it the client looks for
 * Application Default Credentials, which off GCP means probing the GCE
 * metadata server (seconds of delay, and a warning) before every first
 * request. The storage package bundles its own google-auth-library and does
 * not re-export its PassThroughClient; GoogleAuth only calls
 * getRequestHeaders on a client it is handed (and getAccessToken/
 * getProjectId for operations Kettle does not use), so this duck-typed
 * object is all it needs.
 */
function anonymousAuthClient(): StorageOptions['authClient'] {
  const client = {
    getRequestHeaders: (): Promise<Record<string, string>> => Promise.resolve({}),
    getAccessToken: (): Promise<{ token?: string }> => Promise.resolve({}),
    getProjectId: (): Promise<string | null> => Promise.resolve(null),
  };
  return client as unknown as StorageOptions['authClient'];
}

function assertName(bucket: string, name: string, allowEmpty: boolean): void {
  const problem = objectNameProblem(name, allowEmpty);
  if (problem !== undefined) throw new GcsPathError(formatGcsPath({ bucket, object: name }), problem);
}

/** Rejects with `onTimeout()` after `ms`, or with the signal's reason. */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => done(() => reject(asError(signal?.reason)));
    const timer = setTimeout(() => done(() => reject(onTimeout())), ms);
    const done = (action: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => done(() => resolve(value)),
      (err: unknown) => done(() => reject(asError(err))),
    );
  });
}

/** Validates a JSON objects.list response into our types. */
export function parseListResponse(body: unknown): ListResult & { nextPageToken?: string } {
  if (typeof body !== 'object' || body === null) throw new Error('objects.list: response is not an object');
  const { items, prefixes, nextPageToken } = body as Record<string, unknown>;
  const result: ListResult & { nextPageToken?: string } = { items: [], prefixes: [] };
  if (items !== undefined) {
    if (!Array.isArray(items)) throw new Error('objects.list: items is not an array');
    result.items = items.map(parseObject);
  }
  if (prefixes !== undefined) {
    if (!Array.isArray(prefixes) || !prefixes.every((p) => typeof p === 'string')) {
      throw new Error('objects.list: prefixes is not an array of strings');
    }
    result.prefixes = prefixes;
  }
  if (typeof nextPageToken === 'string' && nextPageToken !== '') result.nextPageToken = nextPageToken;
  return result;
}

function parseObject(raw: unknown): ObjectInfo {
  if (typeof raw !== 'object' || raw === null) throw new Error('objects.list: item is not an object');
  const { name, size, updated, generation } = raw as Record<string, unknown>;
  if (typeof name !== 'string') throw new Error('objects.list: item without a name');
  const bytes = typeof size === 'string' || typeof size === 'number' ? Number(size) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`objects.list: ${name} has no valid size`);
  const info: ObjectInfo = { name, size: bytes };
  if (typeof updated === 'string' && !Number.isNaN(Date.parse(updated))) info.updated = new Date(updated);
  if (typeof generation === 'string' || typeof generation === 'number') info.generation = String(generation);
  return info;
}

type ResponseHead = {
  status: number;
  gzip: boolean;
  storedLength?: number;
  contentLength?: number;
  /** The crc32c of X-Goog-Hash (base64), when the header has one. */
  crc32c?: string;
  /** Whether the body is the stored bytes, so the hash applies to it (the client's own rule). */
  checkable: boolean;
};

/** The parts of the client's response object we need, checked at runtime. */
function responseHead(res: unknown): ResponseHead {
  const rec = typeof res === 'object' && res !== null ? (res as Record<string, unknown>) : {};
  const status = typeof rec.statusCode === 'number' ? rec.statusCode : 0;
  const headers =
    typeof rec.headers === 'object' && rec.headers !== null ? (rec.headers as Record<string, unknown>) : {};
  const num = (key: string): number | undefined => {
    const value = headers[key];
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const gzip = headers['content-encoding'] === 'gzip';
  const stored = headers['x-goog-stored-content-encoding'];
  const hash = typeof headers['x-goog-hash'] === 'string' ? headers['x-goog-hash'] : '';
  return {
    status,
    gzip,
    storedLength: num('x-goog-stored-content-length'),
    contentLength: num('content-length'),
    crc32c: /(?:^|,)\s*crc32c=([A-Za-z0-9+/=]+)/.exec(hash)?.[1],
    checkable: (stored === 'identity' && !gzip) || (stored === 'gzip' && gzip),
  };
}

function httpCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>).code : undefined;
}
