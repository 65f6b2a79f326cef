import type { Dirent } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Registry } from 'prom-client';
import { checkMaxBytes, TooLargeError } from './gcs.errors';
import { createGcsMetrics, type GcsMetrics } from './gcs-metrics.util';
import { assertBucketName, formatGcsPath, GcsPathError, objectNameProblem } from './gcs-path.util';
import type { GcsOp, GcsOutcome, GcsReader, ListOptions, ListResult, ObjectInfo, ReadOptions } from './gcs.types';
import { compareObjectNames, LIST_PAGE_SIZE, listEntries, pagesOf, type ListEntry } from './list-semantics.util';
import { classifyError } from './retry.util';

export type LocalGcsClientOptions = {
  /** Folder laid out as ROOT/<bucket>/<object> (a `gsutil rsync` mirror). */
  root: string;
  pageSize?: number;
  registry?: Registry;
};

/**
 * GcsReader over a local mirror. Object names map to paths below
 * ROOT/<bucket>; a name that could leave ROOT ('..', '.', empty segments,
 * absolute, NUL, backslash) is refused with GcsPathError, and symlinks are
 * followed only when their real path stays inside ROOT (checked with
 * realpath, so chains and links to links are covered).
 */
export class LocalGcsClient implements GcsReader {
  private readonly root: string;
  private readonly pageSize: number;
  private readonly metrics: GcsMetrics;
  private realRoot: Promise<string> | undefined;

  constructor(options: LocalGcsClientOptions) {
    this.root = options.root;
    this.pageSize = options.pageSize ?? LIST_PAGE_SIZE;
    this.metrics = createGcsMetrics(options.registry);
  }

  async *list(bucket: string, prefix: string, options: ListOptions = {}): AsyncIterable<ListResult> {
    const entries = await this.measure('list', async () => {
      options.signal?.throwIfAborted();
      const value = await this.listAll(bucket, prefix, options.delimiter);
      return { value, outcome: 'ok' };
    });
    yield* pagesOf(entries, this.pageSize);
  }

  async read(bucket: string, name: string, options: ReadOptions): Promise<Buffer | null> {
    const data = await this.measure('read', async () => {
      options.signal?.throwIfAborted();
      const value = await this.readFile(bucket, name, options.maxBytes);
      return { value, outcome: value === null ? 'not_found' : 'ok' };
    });
    if (data !== null) this.metrics.readBytes(data.length);
    return data;
  }

  private async measure<T>(op: GcsOp, run: () => Promise<{ value: T; outcome: GcsOutcome }>): Promise<T> {
    const started = performance.now();
    try {
      const { value, outcome } = await run();
      this.metrics.request(op, outcome, (performance.now() - started) / 1000);
      return value;
    } catch (err) {
      const outcome = err instanceof GcsPathError ? 'invalid' : classifyError(err).outcome;
      this.metrics.request(op, outcome, (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async readFile(bucket: string, name: string, maxBytes: number): Promise<Buffer | null> {
    const target = formatGcsPath({ bucket, object: name });
    checkMaxBytes(maxBytes);
    const segments = safeSegments(bucket, name, false);
    const real = await this.resolveInside(join(this.root, bucket, ...segments));
    if (real === null) return null;
    const info = await stat(real);
    if (!info.isFile()) return null; // a folder is not an object
    if (info.size > maxBytes) throw new TooLargeError(target, maxBytes, info.size);
    const handle = await open(real, 'r');
    try {
      // Read one byte past the cap: the file may have grown since stat.
      const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
        if (filled === buffer.length) break;
      }
      if (filled > maxBytes) throw new TooLargeError(target, maxBytes);
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  private async listAll(bucket: string, prefix: string, delimiter: string | undefined): Promise<ListEntry[]> {
    // Only the folder named by the prefix up to its last '/' can hold matches.
    const dirPart = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const segments = safeSegments(bucket, dirPart, true);
    const bucketDir = await this.resolveInside(join(this.root, bucket));
    if (bucketDir === null || !(await stat(bucketDir)).isDirectory()) {
      throw new GcsPathError(formatGcsPath({ bucket, object: '' }), `bucket folder not found under ${this.root}`);
    }
    const start = await this.resolveInside(join(this.root, bucket, ...segments));
    if (start === null) return [];
    if (delimiter === '/') return this.listShallow(start, dirPart, prefix);
    const objects: ObjectInfo[] = [];
    await this.walk(start, dirPart, prefix, objects, new Set());
    return listEntries(objects, prefix, delimiter);
  }

  /** Delimiter '/': one readdir; sub-folders count only if they hold a file. */
  private async listShallow(dir: string, dirPart: string, prefix: string): Promise<ListEntry[]> {
    const objects: ObjectInfo[] = [];
    const folders: ListEntry[] = [];
    for (const entry of await readDir(dir)) {
      const name = dirPart + entry.name;
      if (!name.startsWith(prefix)) continue;
      const kind = await this.kindOf(dir, entry);
      if (kind?.type === 'file') objects.push(objectInfo(name, kind));
      else if (kind?.type === 'dir' && (await this.holdsFile(kind.real, new Set()))) {
        folders.push({ kind: 'prefix', key: `${name}/` });
      }
    }
    return [...listEntries(objects, prefix), ...folders].sort((a, b) => compareObjectNames(a.key, b.key));
  }

  /**
   * `ancestors` holds the real folders on the current path: a link to one
   * of them is a loop and is skipped; any other link inside ROOT is listed
   * like a copy, as `gsutil rsync` would have uploaded it.
   */
  private async walk(
    dir: string,
    dirPart: string,
    prefix: string,
    out: ObjectInfo[],
    ancestors: Set<string>,
  ): Promise<void> {
    if (ancestors.has(dir)) return;
    ancestors.add(dir);
    for (const entry of await readDir(dir)) {
      const name = dirPart + entry.name;
      const folder = `${name}/`;
      // Skip what cannot match: a file outside the prefix, a folder that is
      // neither under the prefix nor on the way to it.
      if (!name.startsWith(prefix) && !prefix.startsWith(folder)) continue;
      const kind = await this.kindOf(dir, entry);
      if (kind?.type === 'file' && name.startsWith(prefix)) out.push(objectInfo(name, kind));
      else if (kind?.type === 'dir') await this.walk(kind.real, folder, prefix, out, ancestors);
    }
    ancestors.delete(dir);
  }

  private async holdsFile(dir: string, seen: Set<string>): Promise<boolean> {
    // Any-path search: a folder seen once need not be searched again.
    if (seen.has(dir)) return false;
    seen.add(dir);
    for (const entry of await readDir(dir)) {
      const kind = await this.kindOf(dir, entry);
      if (kind?.type === 'file') return true;
      if (kind?.type === 'dir' && (await this.holdsFile(kind.real, seen))) return true;
    }
    return false;
  }

  /** File or folder, following a symlink only if it stays inside ROOT. */
  private async kindOf(dir: string, entry: Dirent): Promise<EntryKind | undefined> {
    const path = join(dir, entry.name);
    if (!entry.isSymbolicLink() && !entry.isFile() && !entry.isDirectory()) return undefined;
    const real = entry.isSymbolicLink() ? await this.resolveInside(path) : path;
    if (real === null) return undefined;
    const info = await stat(real).catch(() => undefined);
    if (info?.isFile()) return { type: 'file', real, size: info.size, mtime: info.mtime };
    if (info?.isDirectory()) return { type: 'dir', real };
    return undefined;
  }

  /** The real path of `path` if it exists and lies inside ROOT, else null. */
  private async resolveInside(path: string): Promise<string | null> {
    this.realRoot ??= realpath(this.root);
    const root = await this.realRoot;
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    return real === root || real.startsWith(root + sep) ? real : null;
  }
}

type EntryKind = { type: 'file'; real: string; size: number; mtime: Date } | { type: 'dir'; real: string };

function objectInfo(name: string, file: { size: number; mtime: Date }): ObjectInfo {
  return { name, size: file.size, updated: file.mtime, generation: String(Math.floor(file.mtime.getTime() * 1000)) };
}

/**
 * Splits an object name (or a folder prefix ending in '/', when `isFolder`)
 * into path segments that cannot leave the bucket folder.
 */
export function safeSegments(bucket: string, name: string, isFolder: boolean): string[] {
  assertBucketName(bucket);
  const fail = (reason: string): never => {
    throw new GcsPathError(formatGcsPath({ bucket, object: name }), reason);
  };
  const problem = objectNameProblem(name, isFolder);
  if (problem !== undefined) fail(problem);
  if (name.startsWith('/')) fail('absolute names are not allowed in a local mirror');
  if (name.includes('\\')) fail('backslashes are not allowed in a local mirror');
  const body = isFolder && name.endsWith('/') ? name.slice(0, -1) : name;
  if (body === '') return [];
  const segments = body.split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') fail(`"${segment}" segments are not allowed in a local mirror`);
    if (segment === '') fail('empty path segments ("//" or a trailing "/") cannot be mapped to files');
  }
  return segments;
}

async function readDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}
