import type Database from 'better-sqlite3';

/**
 * The tables of the old Kettle's build.db (same names and columns, so an
 * existing database opens and carries on), plus `kettle_schema` for our own
 * additions. Each migration runs once, in order, inside a transaction.
 */
export const SCHEMA_VERSION = 3;

const BASE = `
  create table if not exists build(gcs_path primary key, started_json, finished_json, finished_time);
  create table if not exists file(path string primary key, data);
  create table if not exists build_junit_missing(build_id integer primary key);
  create index if not exists build_finished_time_idx on build(finished_time);
  create table if not exists kettle_schema(version integer not null);
`;

type Migration = { version: number; run(db: Database.Database): void };

const MIGRATIONS: readonly Migration[] = [
  {
    // Databases from the older make_db.py recorded the opposite set,
    // `build_junit_grabbed`: queue every build not in it.
    version: 1,
    run(db) {
      const grabbed = db
        .prepare("select 1 from sqlite_master where type = 'table' and name = 'build_junit_grabbed'")
        .get();
      if (grabbed) {
        db.exec(`insert or ignore into build_junit_missing(build_id)
                   select rowid from build where rowid not in (select build_id from build_junit_grabbed)`);
      }
    },
  },
  {
    // Looking builds up by their JUnit folder and listing a bucket's builds
    // are range scans on gcs_path, served by its primary-key index; the
    // emitted-tables are per window and created on demand.
    version: 2,
    run(db) {
      db.exec('create index if not exists build_started_unfinished_idx on build(gcs_path) where finished_json is null');
    },
  },
  {
    // Outbox: a finished build whose JUnit is stored waits here until its
    // kettle-builds message is accepted by Pub/Sub, so a crash between the
    // commit and the publish never loses the build.
    version: 3,
    run(db) {
      db.exec('create table if not exists build_publish_pending(build_id integer primary key)');
    },
  },
];

export function migrate(db: Database.Database): void {
  // IMMEDIATE, and the version read inside: three services starting at once on
  // a new file must not fail on "database is locked" or migrate twice.
  db.transaction(() => {
    db.exec(BASE);
    const row = db.prepare('select max(version) as v from kettle_schema').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this Kettle (${SCHEMA_VERSION}); upgrade Kettle`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      m.run(db);
      db.prepare('insert into kettle_schema(version) values (?)').run(m.version);
    }
  }).immediate();
}
