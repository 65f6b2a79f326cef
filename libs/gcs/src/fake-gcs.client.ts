import { asError, checkMaxBytes, TooLargeError } from './gcs.errors';
import { assertBucketName, formatGcsPath } from './gcs-path.util';
import type { GcsReader, ListOptions, ListResult, ObjectInfo, ReadOptions } from './gcs.types';
import { LIST_PAGE_SIZE, listEntries, pagesOf } from './list-semantics.util';

type Stored = { data: Buffer; updated: Date; generation: number };

/**
 * In-memory GcsReader for unit tests of other libs (TestGrid's fake.go):
 * objects by bucket and name, GCS listing semantics, optional per-object
 * errors, and a log of calls for assertions.
 */
export class FakeGcsClient implements GcsReader {
  readonly calls: { op: 'list' | 'read'; bucket: string; name: string }[] = [];
  private readonly buckets = new Map<string, Map<string, Stored>>();
  private readonly errors = new Map<string, Error>();
  private generation = 1;

  constructor(
    objects: Record<string, Record<string, string | Uint8Array>> = {},
    private readonly pageSize = LIST_PAGE_SIZE,
  ) {
    for (const [bucket, names] of Object.entries(objects)) {
      for (const [name, data] of Object.entries(names)) this.put(bucket, name, data);
    }
  }

  put(bucket: string, name: string, data: string | Uint8Array, updated = new Date()): void {
    assertBucketName(bucket);
    let objects = this.buckets.get(bucket);
    if (objects === undefined) {
      objects = new Map();
      this.buckets.set(bucket, objects);
    }
    objects.set(name, { data: Buffer.from(data), updated, generation: this.generation++ });
  }

  delete(bucket: string, name: string): void {
    this.buckets.get(bucket)?.delete(name);
  }

  /** Makes every read of the object throw `error` (null clears it). */
  failReads(bucket: string, name: string, error: Error | null): void {
    const key = `${bucket}/${name}`;
    if (error === null) this.errors.delete(key);
    else this.errors.set(key, error);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async generator by contract
  async *list(bucket: string, prefix: string, options: ListOptions = {}): AsyncIterable<ListResult> {
    this.calls.push({ op: 'list', bucket, name: prefix });
    const objects = this.buckets.get(bucket) ?? new Map<string, Stored>();
    const infos: ObjectInfo[] = [...objects].map(([name, stored]) => ({
      name,
      size: stored.data.length,
      updated: stored.updated,
      generation: String(stored.generation),
    }));
    yield* pagesOf(listEntries(infos, prefix, options.delimiter), this.pageSize);
  }

  read(bucket: string, name: string, options: ReadOptions): Promise<Buffer | null> {
    this.calls.push({ op: 'read', bucket, name });
    try {
      checkMaxBytes(options.maxBytes);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    const error = this.errors.get(`${bucket}/${name}`);
    if (error !== undefined) return Promise.reject(error);
    const stored = this.buckets.get(bucket)?.get(name);
    if (stored === undefined) return Promise.resolve(null);
    if (stored.data.length > options.maxBytes) {
      return Promise.reject(new TooLargeError(formatGcsPath({ bucket, object: name }), options.maxBytes, stored.data.length));
    }
    return Promise.resolve(Buffer.from(stored.data));
  }
}
