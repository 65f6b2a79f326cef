import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { KettleStore, HELD_UNFINISHED_SECONDS } from './kettle-store';
import { SCHEMA_VERSION } from './store-schema';
import { emittedTableForBigQuery, emittedTableForDays, folderRange } from './store-names.util';

const NOW = 1_700_000_000;
let dir: string;
let store: KettleStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kettle-store-'));
  store = KettleStore.open(join(dir, 'build.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const JOB = 'gs://kubernetes-jenkins/logs/ci-e2e/';

describe('insertBuild', () => {
  it.each([
    ['started only', { timestamp: NOW }, null, null],
    ['started and finished', { timestamp: NOW }, { timestamp: NOW + 60, result: 'SUCCESS' }, NOW + 60],
    ['finished only', null, { timestamp: NOW + 1 }, NOW + 1],
    ['string timestamp', null, { timestamp: '1700000005' }, NOW + 5],
    ['bad timestamp', null, { timestamp: 'soon' }, null],
  ])('stores %s with finished_time', (_name, started, finished, finishedTime) => {
    expect(store.insertBuild(JOB + '1', started, finished)).toBe('inserted');
    const b = store.buildByPath(JOB + '1');
    expect(b).toMatchObject({ path: JOB + '1', started, finished, finishedTime });
  });

  it('writes JSON text as the old tool did (sorted keys, Python separators, ASCII escapes)', () => {
    store.insertBuild(JOB + '1', { timestamp: NOW, node: 'né', repos: { b: 'x', a: 'y' } }, null);
    const r = store.db.prepare('select started_json from build').get() as { started_json: string };
    expect(r.started_json).toBe(`{"node": "n\\u00e9", "repos": {"a": "y", "b": "x"}, "timestamp": ${NOW}}`);
  });

  it('is unchanged when the same JSON arrives again, updated (same id, re-queued) when it changes', () => {
    expect(store.insertBuild(JOB + '1', { timestamp: NOW }, null)).toBe('inserted');
    const id = store.buildByPath(JOB + '1')!.id;
    store.insertJunit(id, []);
    expect(store.insertBuild(JOB + '1', { timestamp: NOW }, null)).toBe('unchanged');
    expect(store.countMissingJunit()).toBe(0);
    expect(store.insertBuild(JOB + '1', { timestamp: NOW }, { timestamp: NOW + 9 })).toBe('updated');
    expect(store.buildByPath(JOB + '1')!.id).toBe(id);
    expect(store.buildsMissingJunit()).toEqual([{ id, path: JOB + '1' }]);
  });
});

describe('held builds (DESIGN §4b)', () => {
  const old = NOW - HELD_UNFINISHED_SECONDS - 1;
  const recent = NOW - HELD_UNFINISHED_SECONDS + 3600;
  it.each([
    ['finished', { timestamp: recent }, { timestamp: NOW }, true],
    ['finished without started', null, { timestamp: NOW }, true],
    ['started over 5 days ago, unfinished', { timestamp: old }, null, true],
    ['started recently, unfinished', { timestamp: recent }, null, false],
    ['started without timestamp', { node: 'x' }, null, false],
  ])('%s → held=%s', (_name, started, finished, held) => {
    store.insertBuild(JOB + '7', started, finished);
    expect(store.heldBuildNames(JOB, NOW).has('7')).toBe(held);
    expect(store.isHeld(JOB + '7', NOW)).toBe(held);
  });

  it('lists only direct children of the job folder, not a sibling job with a longer name', () => {
    store.insertBuild(JOB + '1', null, { timestamp: NOW });
    store.insertBuild('gs://kubernetes-jenkins/logs/ci-e2e-2/1', null, { timestamp: NOW });
    store.insertBuild(JOB + '2/nested', null, { timestamp: NOW });
    expect([...store.heldBuildNames(JOB, NOW)]).toEqual(['1']);
  });
});

describe('JUnit files', () => {
  it('returns exactly the files of its own folder (not .../10 for .../1), decompressed, skipping empty', () => {
    for (const n of ['1', '10', '1a']) store.insertBuild(JOB + n, null, { timestamp: NOW });
    const b1 = store.buildByPath(JOB + '1')!;
    store.insertJunit(b1.id, [
      { path: JOB + '1/artifacts/junit_01.xml', data: deflateSync('<testsuite/>') },
      { path: JOB + '1/artifacts/junit_02.xml', data: deflateSync('') },
    ]);
    store.insertJunit(store.buildByPath(JOB + '10')!.id, [{ path: JOB + '10/artifacts/junit.xml', data: deflateSync('<x/>') }]);
    store.insertJunit(store.buildByPath(JOB + '1a')!.id, [{ path: JOB + '1a/artifacts/junit.xml', data: deflateSync('<y/>') }]);
    expect(store.junitFiles(JOB + '1')).toEqual([{ path: JOB + '1/artifacts/junit_01.xml', xml: '<testsuite/>' }]);
    expect(store.countMissingJunit()).toBe(0);
  });

  it('queues finished builds for publishing once their JUnit is stored, until marked published', () => {
    store.insertBuild(JOB + '1', { timestamp: NOW }, null);
    store.insertBuild(JOB + '2', { timestamp: NOW }, { timestamp: NOW + 1 });
    const [b1, b2] = store.buildsMissingJunit();
    expect(store.insertJunit(b1.id, [])).toBe(false); // still running: nothing to publish
    expect(store.insertJunit(b2.id, [])).toBe(true);
    expect(store.pendingPublish()).toEqual([{ id: b2.id, path: JOB + '2' }]);
    store.markPublished([b2.id]);
    expect(store.pendingPublish()).toEqual([]);
  });

  it('pages builds missing JUnit by id', () => {
    for (let i = 1; i <= 5; i++) store.insertBuild(JOB + i, null, { timestamp: NOW + i });
    const first = store.buildsMissingJunit(0, 2);
    expect(first.map((b) => b.path)).toEqual([JOB + '1', JOB + '2']);
    expect(store.buildsMissingJunit(first[1].id, 10)).toHaveLength(3);
  });
});

describe('emitted tables', () => {
  beforeEach(() => {
    store.insertBuild(JOB + '3', null, { timestamp: NOW + 30 });
    store.insertBuild(JOB + '1', null, { timestamp: NOW + 10 });
    store.insertBuild(JOB + '2', null, { timestamp: NOW + 20 });
    store.insertBuild(JOB + '4', { timestamp: NOW }, null);
  });
  const paths = (it: Iterable<{ path: string }>) => [...it].map((b) => b.path);

  it('streams finished builds not yet emitted, oldest first, since a finished time', () => {
    expect(paths(store.buildsToEmit('build_emitted'))).toEqual([JOB + '1', JOB + '2', JOB + '3']);
    expect(paths(store.buildsToEmit('build_emitted_1', NOW + 15))).toEqual([JOB + '2', JOB + '3']);
    expect(store.countBuildsToEmit('build_emitted')).toBe(3);
  });

  it('records generations 0, 1, ... per table, and each table is independent', () => {
    const ids = [...store.buildsToEmit('build_emitted')].map((b) => b.id);
    expect(store.recordEmitted('build_emitted', ids.slice(0, 1))).toBe(0);
    expect(store.recordEmitted('build_emitted', ids.slice(1, 2))).toBe(1);
    expect(paths(store.buildsToEmit('build_emitted'))).toEqual([JOB + '3']);
    expect(paths(store.buildsToEmit('build_emitted_7'))).toHaveLength(3);
    expect(store.oldestEmitted('build_emitted')).toBe(NOW + 10);
    expect(store.oldestEmitted('build_emitted_7')).toBeNull();
    expect(store.emittedIds('build_emitted', ids)).toEqual(new Set(ids.slice(0, 2)));
    store.resetEmitted('build_emitted');
    expect(paths(store.buildsToEmit('build_emitted'))).toHaveLength(3);
    expect(store.recordEmitted('build_emitted', ids)).toBe(0);
  });

  it('finds explicit paths not yet emitted, oldest first', () => {
    expect(paths(store.buildsByPaths([JOB + '3', JOB + '1', 'gs://x/none', JOB + '3'], 'build_emitted_scratch'))).toEqual([
      JOB + '1',
      JOB + '3',
    ]);
  });

  it.each(['build', 'build_emitted;drop table build', 'file', 'build_emitted_1 x', ''])('rejects table name %j', (t) => {
    expect(() => store.resetEmitted(t)).toThrow(/invalid emitted-table name/);
  });
});

describe('names', () => {
  it.each([
    [undefined, 'build_emitted'],
    [0, 'build_emitted'],
    [1, 'build_emitted_1'],
    [7, 'build_emitted_7'],
    [0.5, 'build_emitted_0_5'],
    [1.23456789, 'build_emitted_1_23457'],
  ])('days %p → %s', (days, name) => expect(emittedTableForDays(days)).toBe(name));

  it('names a loader table per BigQuery table', () => {
    expect(emittedTableForBigQuery('k8s-gubernator:build', 'day')).toBe('build_emitted_bq_k8s_gubernator_build_day');
  });

  it('bounds a folder without catching longer siblings', () => {
    expect(folderRange('gs://b/j/1/')).toEqual(['gs://b/j/1/', 'gs://b/j/10']);
  });
});

describe('an existing build.db from the old Kettle', () => {
  it.each(['build_junit_missing', 'build_junit_grabbed'])('opens one with %s and answers every operation', (queue) => {
    const path = join(dir, `old-${queue}.db`);
    const old = new Database(path);
    // The exact DDL and data of make_db.py / make_json.py.
    old.exec(`
      create table build(gcs_path primary key, started_json, finished_json, finished_time);
      create table file(path string primary key, data);
      create table ${queue}(build_id integer primary key);
      create index build_finished_time_idx on build(finished_time);
      create table build_emitted_1(build_id integer primary key, gen);
    `);
    const put = old.prepare('insert into build values (?,?,?,?)');
    put.run(JOB + '1', `{"timestamp": ${NOW}}`, `{"result": "SUCCESS", "timestamp": ${NOW + 5}}`, NOW + 5);
    put.run(JOB + '2', `{"timestamp": ${NOW}}`, null, null);
    old.prepare('insert into file values (?,?)').run(JOB + '1/artifacts/junit.xml', deflateSync('<testsuite/>', { level: 9 }));
    old.prepare(`insert into ${queue} values (1)`).run();
    old.prepare('insert into build_emitted_1 values (1, 0)').run();
    old.close();

    const s = KettleStore.open(path);
    try {
      expect(s.buildByPath(JOB + '1')).toMatchObject({ id: 1, finishedTime: NOW + 5, finished: { result: 'SUCCESS' } });
      expect(s.junitFiles(JOB + '1')).toEqual([{ path: JOB + '1/artifacts/junit.xml', xml: '<testsuite/>' }]);
      // missing: build 1 itself in the new layout; build 2 (never grabbed) in the old one.
      expect(s.buildsMissingJunit().map((b) => b.id)).toEqual(queue === 'build_junit_missing' ? [1] : [2]);
      expect(s.heldBuildNames(JOB, NOW)).toEqual(new Set(['1']));
      expect(s.insertBuild(JOB + '1', { timestamp: NOW }, { result: 'SUCCESS', timestamp: NOW + 5 })).toBe('unchanged');
      expect([...s.buildsToEmit('build_emitted_1')]).toHaveLength(0);
      expect([...s.buildsToEmit('build_emitted')].map((b) => b.id)).toEqual([1]);
      expect(s.oldestEmitted('build_emitted_1')).toBe(NOW + 5);
      expect(s.recordEmitted('build_emitted_1', [])).toBe(1);
      s.resetEmitted('build_emitted_1');
      expect(s.oldestEmitted('build_emitted_1')).toBeNull();
    } finally {
      s.close();
    }
    // Re-opening does not run migrations twice.
    const again = KettleStore.open(path);
    expect((again.db.prepare('select count(*) as n from kettle_schema').get() as { n: number }).n).toBe(SCHEMA_VERSION);
    again.close();
  });
});
