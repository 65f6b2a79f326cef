// Where the test server's objects come from: a folder laid out as
// ROOT/<bucket>/<object>, or an in-memory map. Both hand out names and
// bodies; listing order, folders and pages are decided in list-page.ts.

import { NativeCrc32c } from '@kettle/gcs';
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

export type ObjectMeta = { name: string; size: number; updated: Date; generation: string };
export type ObjectBody = ObjectMeta & { data: Buffer; crc32c: string; md5: string };

export type ObjectSource = {
  hasBucket(bucket: string): Promise<boolean>;
  /** Every object name in the bucket starting with `prefix`, any order. */
  names(bucket: string, prefix: string): Promise<string[]>;
  meta(bucket: string, name: string): Promise<ObjectMeta | null>;
  body(bucket: string, name: string): Promise<ObjectBody | null>;
  put(bucket: string, name: string, data: string | Uint8Array): Promise<void>;
};

/** A request named something a folder cannot hold safely (400). */
export class BadNameError extends Error {
  override readonly name = 'BadNameError';
}

/** GCS's X-Goog-Hash values: base64 big-endian CRC32C (native, so benchmarks measure Kettle, not this server) and MD5. */
export function hashes(data: Buffer): { crc32c: string; md5: string } {
  const crc = new NativeCrc32c();
  crc.update(data);
  return { crc32c: crc.toString(), md5: createHash('md5').update(data).digest('base64') };
}

const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function checkBucket(bucket: string): void {
  if (!BUCKET.test(bucket)) throw new BadNameError(`invalid bucket name ${JSON.stringify(bucket)}`);
}

/** Path segments of an object name (or of a folder prefix ending in '/'). */
function segmentsOf(name: string, folder: boolean): string[] {
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/')) {
    throw new BadNameError(`object name ${JSON.stringify(name)} cannot be served from a folder`);
  }
  const body = folder ? name.replace(/\/$/, '') : name;
  if (body === '') return [];
  const parts = body.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new BadNameError(`object name ${JSON.stringify(name)} has an empty, "." or ".." segment`);
  }
  return parts;
}

export class MemorySource implements ObjectSource {
  private readonly buckets = new Map<string, Map<string, ObjectBody>>();
  private generation = Date.now() * 1000;

  constructor(objects: Record<string, Record<string, string | Uint8Array>> = {}) {
    for (const [bucket, names] of Object.entries(objects)) {
      checkBucket(bucket);
      this.buckets.set(bucket, new Map());
      for (const [name, data] of Object.entries(names)) this.store(bucket, name, data);
    }
  }

  hasBucket(bucket: string): Promise<boolean> {
    return Promise.resolve(this.buckets.has(bucket));
  }

  names(bucket: string, prefix: string): Promise<string[]> {
    const names = [...(this.buckets.get(bucket)?.keys() ?? [])].filter((n) => n.startsWith(prefix));
    return Promise.resolve(names);
  }

  meta(bucket: string, name: string): Promise<ObjectMeta | null> {
    return this.body(bucket, name);
  }

  body(bucket: string, name: string): Promise<ObjectBody | null> {
    return Promise.resolve(this.buckets.get(bucket)?.get(name) ?? null);
  }

  put(bucket: string, name: string, data: string | Uint8Array): Promise<void> {
    checkBucket(bucket);
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
    this.store(bucket, name, data);
    return Promise.resolve();
  }

  private store(bucket: string, name: string, data: string | Uint8Array): void {
    const buf = Buffer.from(data);
    const body: ObjectBody = {
      name,
      size: buf.length,
      updated: new Date(),
      generation: String(this.generation++),
      data: buf,
      ...hashes(buf),
    };
    this.buckets.get(bucket)?.set(name, body);
  }
}

type HashEntry = { mtimeMs: number; size: number; crc32c: string; md5: string };

/**
 * Objects are files below ROOT/<bucket>. Names that could leave ROOT are
 * rejected; symlinks are followed only when their real path is inside ROOT.
 */
export class FolderSource implements ObjectSource {
  private realRoot: Promise<string> | undefined;
  // Hashing a 2 MB JUnit file on every GET would dominate benchmark CPU.
  private readonly hashCache = new Map<string, HashEntry>();

  constructor(private readonly root: string) {}

  async hasBucket(bucket: string): Promise<boolean> {
    checkBucket(bucket);
    const dir = await this.inside(join(this.root, bucket));
    return dir !== null && (await stat(dir)).isDirectory();
  }

  async names(bucket: string, prefix: string): Promise<string[]> {
    checkBucket(bucket);
    const dirPart = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = await this.inside(join(this.root, bucket, ...segmentsOf(dirPart, true)));
    const out: string[] = [];
    if (start !== null) await this.walk(start, dirPart, prefix, out, new Set());
    return out;
  }

  async meta(bucket: string, name: string): Promise<ObjectMeta | null> {
    const file = await this.file(bucket, name);
    if (file === null) return null;
    return { name, size: file.size, updated: file.mtime, generation: generationOf(file.mtimeMs) };
  }

  async body(bucket: string, name: string): Promise<ObjectBody | null> {
    const file = await this.file(bucket, name);
    if (file === null) return null;
    const data = await readFile(file.real);
    const { crc32c, md5 } = this.hashesOf(file.real, file.mtimeMs, data);
    return { name, size: data.length, updated: file.mtime, generation: generationOf(file.mtimeMs), data, crc32c, md5 };
  }

  /** Hashes every object of every bucket now (see GcsServerOptions.hashOnStart). */
  async hashAll(): Promise<number> {
    let n = 0;
    for (const bucket of await readdir(this.root)) {
      if (!(await this.hasBucket(bucket).catch(() => false))) continue;
      for (const name of await this.names(bucket, '')) {
        const file = await this.file(bucket, name);
        if (file === null) continue;
        this.hashesOf(file.real, file.mtimeMs, await readFile(file.real));
        n++;
      }
    }
    return n;
  }

  private hashesOf(real: string, mtimeMs: number, data: Buffer): HashEntry {
    let cached = this.hashCache.get(real);
    if (cached === undefined || cached.mtimeMs !== mtimeMs || cached.size !== data.length) {
      cached = { mtimeMs, size: data.length, ...hashes(data) };
      if (this.hashCache.size > 100_000) this.hashCache.clear();
      this.hashCache.set(real, cached);
    }
    return cached;
  }

  async put(bucket: string, name: string, data: string | Uint8Array): Promise<void> {
    checkBucket(bucket);
    const path = join(this.root, bucket, ...segmentsOf(name, false));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }

  private async file(
    bucket: string,
    name: string,
  ): Promise<{ real: string; size: number; mtime: Date; mtimeMs: number } | null> {
    checkBucket(bucket);
    const real = await this.inside(join(this.root, bucket, ...segmentsOf(name, false)));
    if (real === null) return null;
    const info = await stat(real);
    return info.isFile() ? { real, size: info.size, mtime: info.mtime, mtimeMs: info.mtimeMs } : null;
  }

  /** `ancestors`: real folders on the current path; a link back to one is a loop. */
  private async walk(dir: string, dirPart: string, prefix: string, out: string[], ancestors: Set<string>): Promise<void> {
    if (ancestors.has(dir)) return;
    ancestors.add(dir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (missing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const name = dirPart + entry.name;
      if (!name.startsWith(prefix) && !prefix.startsWith(`${name}/`)) continue;
      let path = join(dir, entry.name);
      let isFile = entry.isFile();
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const real = await this.inside(path);
        if (real === null) continue;
        path = real;
        const info = await stat(path).catch(() => undefined);
        isFile = info?.isFile() ?? false;
        isDir = info?.isDirectory() ?? false;
      }
      if (isFile && name.startsWith(prefix)) out.push(name);
      else if (isDir) await this.walk(path, `${name}/`, prefix, out, ancestors);
    }
    ancestors.delete(dir);
  }

  private async inside(path: string): Promise<string | null> {
    this.realRoot ??= realpath(this.root);
    const root = await this.realRoot;
    try {
      const real = await realpath(path);
      return real === root || real.startsWith(root + sep) ? real : null;
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }
}

function generationOf(mtimeMs: number): string {
  return String(Math.floor(mtimeMs * 1000));
}

function missing(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}
