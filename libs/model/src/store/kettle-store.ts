import Database from 'better-sqlite3';
import { inflateSync } from 'node:zlib';
import type { FinishedJson, JsonValue, StartedJson } from '../build-json.types';
import { isJsonObject } from '../build-json.types';
import { pythonJsonText } from '../json-text.util';
import type { JunitFile, StoredBuild } from '../stored-build.types';
import { migrate } from './store-schema';
import { assertEmittedTable, folderRange } from './store-names.util';

export type StoreOptions = {
  readonly?: boolean;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
};

export type InsertOutcome = 'inserted' | 'updated' | 'unchanged';
export type RawJunitFile = { path: string; data: Buffer };
type BuildRecord = { id: number; path: string; started_json: string | null; finished_json: string | null; finished_time: unknown };

/** A build with finished.json or a started.json older than this is not looked at again. */
export const HELD_UNFINISHED_SECONDS = 5 * 24 * 3600;

/**
 * The SQLite store shared by the three services (DESIGN §4), over one file in
 * WAL mode so a writer never blocks readers. All reads stream through
 * iterators; callers must not write on the same store while iterating (SQLite
 * forbids it on one connection), so writers take ids first or page.
 */
export class KettleStore {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  static open(path: string, options: StoreOptions = {}): KettleStore {
    const db = new Database(path, { readonly: options.readonly ?? false });
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 15_000}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: a commit survives power loss, so acking a message after it is safe.
      db.pragma('synchronous = FULL');
      migrate(db);
    }
    return new KettleStore(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs fn in one transaction (batched writes are ~100x faster than autocommit).
   * BEGIN IMMEDIATE: a deferred transaction that reads first and then writes
   * gets SQLITE_BUSY at once, without the busy timeout, while another process
   * holds the write lock (SQLite cannot upgrade a read snapshot by waiting).
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- collection (make_db) ----

  /**
   * Names of the build folders directly under `jobDir` (ending in `/`) that are
   * already held: finished.json stored, or started over 5 days ago and never finished.
   */
  heldBuildNames(jobDir: string, nowSeconds = Date.now() / 1000): Set<string> {
    const [lo, hi] = folderRange(jobDir);
    const held = new Set<string>();
    const rows = this.db
      .prepare('select gcs_path, started_json, finished_json from build where gcs_path >= ? and gcs_path < ?')
      .iterate(lo, hi) as IterableIterator<{ gcs_path: string; started_json: string | null; finished_json: string | null }>;
    for (const r of rows) {
      const name = r.gcs_path.slice(lo.length);
      if (name.includes('/')) continue;
      if (isHeld(r.started_json, r.finished_json, nowSeconds)) held.add(name);
    }
    return held;
  }

  /** Whether one build (by path) is held, for PR pointers that name builds anywhere. */
  isHeld(path: string, nowSeconds = Date.now() / 1000): boolean {
    const r = this.db.prepare('select started_json, finished_json from build where gcs_path = ?').get(path) as
      | { started_json: string | null; finished_json: string | null }
      | undefined;
    return r !== undefined && isHeld(r.started_json, r.finished_json, nowSeconds);
  }

  /**
   * Stores a build when new or changed, and queues it for JUnit. Its id stays
   * the same on change, so an emitted build is never sent to a table twice.
   */
  insertBuild(path: string, started: StartedJson | null, finished: FinishedJson | null): InsertOutcome {
    const startedJson = started ? pythonJsonText(started) : null;
    const finishedJson = finished ? pythonJsonText(finished) : null;
    const old = this.db.prepare('select rowid as id, started_json, finished_json from build where gcs_path = ?').get(path) as
      | { id: number; started_json: string | null; finished_json: string | null }
      | undefined;
    if (old && old.started_json === startedJson && old.finished_json === finishedJson) return 'unchanged';
    const finishedTime = finished ? timestampOf(finished.timestamp) : null;
    const { lastInsertRowid } = this.db
      .prepare(
        `insert into build(gcs_path, started_json, finished_json, finished_time) values (?, ?, ?, ?)
         on conflict(gcs_path) do update set started_json = excluded.started_json,
           finished_json = excluded.finished_json, finished_time = excluded.finished_time`,
      )
      .run(path, startedJson, finishedJson, finishedTime);
    const id = old ? old.id : Number(lastInsertRowid);
    this.db.prepare('insert or ignore into build_junit_missing(build_id) values (?)').run(id);
    return old ? 'updated' : 'inserted';
  }

  /** Builds queued for JUnit, by id, a page at a time (the caller writes between pages). */
  buildsMissingJunit(afterId = 0, limit = 1000): { id: number; path: string }[] {
    return this.db
      .prepare(
        `select b.rowid as id, b.gcs_path as path from build_junit_missing m join build b on b.rowid = m.build_id
         where m.build_id > ? order by m.build_id limit ?`,
      )
      .all(afterId, limit) as { id: number; path: string }[];
  }

  isMissingJunit(buildId: number): boolean {
    return this.db.prepare('select 1 from build_junit_missing where build_id = ?').get(buildId) !== undefined;
  }

  countMissingJunit(): number {
    return (this.db.prepare('select count(*) as n from build_junit_missing').get() as { n: number }).n;
  }

  /**
   * Stores a build's JUnit files (zlib-compressed), takes it off the queue and,
   * when it is finished, puts it in the publish outbox, in one transaction.
   * Returns whether the build was queued for publishing.
   */
  insertJunit(buildId: number, files: readonly RawJunitFile[], opts: { queuePublish: boolean } = { queuePublish: true }): boolean {
    const put = this.db.prepare('insert or replace into file(path, data) values (?, ?)');
    return this.transaction(() => {
      for (const f of files) put.run(f.path, f.data);
      this.db.prepare('delete from build_junit_missing where build_id = ?').run(buildId);
      if (!opts.queuePublish) return false;
      const r = this.db
        .prepare('insert or ignore into build_publish_pending(build_id) select rowid from build where rowid = ? and finished_json is not null')
        .run(buildId);
      return r.changes > 0;
    });
  }

  /** Finished builds whose kettle-builds message is not yet accepted, oldest first. */
  pendingPublish(limit = 1000): { id: number; path: string }[] {
    return this.db
      .prepare(
        `select b.rowid as id, b.gcs_path as path from build_publish_pending p join build b on b.rowid = p.build_id
         order by p.build_id limit ?`,
      )
      .all(limit) as { id: number; path: string }[];
  }

  markPublished(ids: Iterable<number>): void {
    const del = this.db.prepare('delete from build_publish_pending where build_id = ?');
    this.transaction(() => {
      for (const id of ids) del.run(id);
    });
  }

  // ---- reading builds (make_json) ----

  buildByPath(path: string): StoredBuild | null {
    const r = this.db
      .prepare('select rowid as id, gcs_path as path, started_json, finished_json, finished_time from build where gcs_path = ?')
      .get(path) as BuildRecord | undefined;
    return r ? toStoredBuild(r) : null;
  }

  /** Finished builds not yet in `table`, finished at or after `minFinished`, oldest first. */
  *buildsToEmit(table: string, minFinished = 0): IterableIterator<StoredBuild> {
    this.ensureEmittedTable(table);
    const rows = this.db
      .prepare(
        `select rowid as id, gcs_path as path, started_json, finished_json, finished_time from build
         where finished_time >= ? and rowid not in (select build_id from ${table}) order by finished_time`,
      )
      .iterate(minFinished) as IterableIterator<BuildRecord>;
    for (const r of rows) yield toStoredBuild(r);
  }

  countBuildsToEmit(table: string, minFinished = 0): number {
    this.ensureEmittedTable(table);
    const r = this.db
      .prepare(`select count(*) as n from build where finished_time >= ? and rowid not in (select build_id from ${table})`)
      .get(minFinished) as { n: number };
    return r.n;
  }

  /** The named builds not yet in `table`, oldest first (make_json's explicit paths). */
  *buildsByPaths(paths: readonly string[], table: string): IterableIterator<StoredBuild> {
    this.ensureEmittedTable(table);
    const stmt = this.db.prepare(
      `select rowid as id, gcs_path as path, started_json, finished_json, finished_time from build
       where gcs_path = ? and rowid not in (select build_id from ${table})`,
    );
    const found: StoredBuild[] = [];
    for (const p of new Set(paths)) {
      const r = stmt.get(p) as BuildRecord | undefined;
      if (r) found.push(toStoredBuild(r));
    }
    found.sort((a, b) => (a.finishedTime ?? -Infinity) - (b.finishedTime ?? -Infinity));
    yield* found;
  }

  /** The JUnit files of exactly this build's folder (never `.../10`'s for `.../1`), compressed. */
  junitFilesRaw(buildPath: string): RawJunitFile[] {
    const [lo, hi] = folderRange(buildPath.endsWith('/') ? buildPath : buildPath + '/');
    return this.db.prepare('select path, data from file where path >= ? and path < ? order by path').all(lo, hi) as RawJunitFile[];
  }

  junitFiles(buildPath: string): JunitFile[] {
    return this.junitFilesRaw(buildPath)
      .map((f) => ({ path: f.path, xml: inflateSync(f.data).toString('utf8') }))
      .filter((f) => f.xml.length > 0);
  }

  // ---- emitted state ----

  ensureEmittedTable(table: string): void {
    assertEmittedTable(table);
    this.db.exec(`create table if not exists ${table}(build_id integer primary key, gen)`);
  }

  /** Oldest finished time among the builds already in `table` (null when empty). */
  oldestEmitted(table: string): number | null {
    this.ensureEmittedTable(table);
    const r = this.db
      .prepare(`select min(finished_time) as t from build where rowid in (select build_id from ${table})`)
      .get() as { t: number | null };
    return r.t;
  }

  resetEmitted(table: string): void {
    assertEmittedTable(table);
    this.db.exec(`drop table if exists ${table}`);
  }

  /** Records builds as emitted to `table` under a new generation number, which it returns. */
  recordEmitted(table: string, ids: Iterable<number>): number {
    this.ensureEmittedTable(table);
    return this.transaction(() => {
      const { gen } = this.db.prepare(`select coalesce(max(gen) + 1, 0) as gen from ${table}`).get() as { gen: number };
      const put = this.db.prepare(`insert or ignore into ${table}(build_id, gen) values (?, ?)`);
      for (const id of ids) put.run(id, gen);
      return gen;
    });
  }

  countEmitted(table: string): number {
    this.ensureEmittedTable(table);
    return (this.db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  }

  /** Which of these build ids `table` already has. */
  emittedIds(table: string, ids: readonly number[]): Set<number> {
    this.ensureEmittedTable(table);
    const stmt = this.db.prepare(`select 1 from ${table} where build_id = ?`);
    return new Set(ids.filter((id) => stmt.get(id) !== undefined));
  }
}

function isHeld(startedJson: string | null, finishedJson: string | null, now: number): boolean {
  if (finishedJson !== null) return true;
  if (startedJson === null) return false;
  try {
    const started: unknown = JSON.parse(startedJson);
    const ts = isJsonObject(started) ? timestampOf(started.timestamp) : null;
    return ts !== null && ts < now - HELD_UNFINISHED_SECONDS;
  } catch {
    return false;
  }
}

/** A timestamp as a finite number of seconds; numeric strings count, as Python's int() took them. */
export function timestampOf(v: JsonValue | undefined): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function parseJsonObject(text: string | null): Record<string, JsonValue> | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return isJsonObject(v) ? v : null;
  } catch {
    return null;
  }
}

function toStoredBuild(r: BuildRecord): StoredBuild {
  const t = r.finished_time;
  return {
    id: r.id,
    path: r.path,
    started: parseJsonObject(r.started_json),
    finished: parseJsonObject(r.finished_json),
    finishedTime: typeof t === 'number' ? t : typeof t === 'string' ? timestampOf(t) : null,
  };
}
