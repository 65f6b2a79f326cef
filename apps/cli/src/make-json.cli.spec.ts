import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gunzipSync } from 'node:zlib';
import { kettle } from './test/run-kettle.util';

const NOW = Math.floor(Date.now() / 1000);
const JOB = 'gs://kubernetes-jenkins/logs/ci-e2e';
let dir: string;
let db: string;
let buckets: string;

/** A build.db exactly as the old Python make_db.py wrote it. */
function oldDatabase(path: string): void {
  const d = new Database(path);
  d.exec(`create table build(gcs_path primary key, started_json, finished_json, finished_time);
          create table file(path string primary key, data);
          create table build_junit_missing(build_id integer primary key);
          create index build_finished_time_idx on build(finished_time);`);
  const put = d.prepare('insert into build values (?,?,?,?)');
  put.run(`${JOB}/1720541231756461222`, `{"node": "n1", "timestamp": ${NOW - 3 * 86400 - 60}}`, `{"result": "SUCCESS", "timestamp": ${NOW - 3 * 86400}}`, NOW - 3 * 86400);
  put.run(`${JOB}/2`, `{"timestamp": ${NOW - 120}}`, `{"passed": false, "timestamp": ${NOW - 60}}`, NOW - 60);
  put.run(`${JOB}/3`, `{"timestamp": ${NOW - 30}}`, null, null);
  const file = d.prepare('insert into file values (?,?)');
  file.run(`${JOB}/2/artifacts/junit_01.xml`, deflateSync('<testsuite><testcase name="a" time="1.5"/><testcase name="b"><failure>boom</failure></testcase></testsuite>', { level: 9 }));
  file.run(`${JOB}/20/artifacts/junit_01.xml`, deflateSync('<testsuite><testcase name="not mine"/></testsuite>', { level: 9 }));
  d.close();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kettle-cli-'));
  db = join(dir, 'build.db');
  buckets = join(dir, 'buckets.yaml');
  writeFileSync(buckets, 'gs://kubernetes-jenkins/logs/:\n  contact: k\n  prefix: ""\n  sequential: false\n');
  oldDatabase(db);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => kettle(['make-json', '--buckets', buckets, ...args], { env: { KETTLE_DB: db } });
const rows = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path: string; number: number });

describe('kettle make-json on a build.db written by the old Kettle', () => {
  it('emits every finished build oldest first, then nothing new (incremental generations)', async () => {
    const first = await run([]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('incremental progress gen #0');
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // The 19-digit Prow id stays exact as a bare JSON integer, keys sorted.
    expect(lines[0]).toContain('"number": 1720541231756461222,');
    expect(JSON.parse(lines[1])).toEqual({
      path: `${JOB}/2`,
      job: 'ci-e2e',
      number: 2,
      started: NOW - 120,
      finished: NOW - 60,
      elapsed: 60,
      passed: false,
      result: 'FAILURE',
      tests_run: 2,
      tests_failed: 1,
      test: [
        { name: 'a', time: 1.5 },
        { name: 'b', time: 0.0, failed: true, failure_text: 'boom' },
      ],
    });
    const again = await run([]);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('no rows emitted');
  });

  it('--days N uses its own window table; --reset-emitted emits the window again', async () => {
    await run([]);
    const day = await run(['--days', '1']);
    expect(rows(day.stdout).map((r) => r.path)).toEqual([`${JOB}/2`]);
    expect(day.stderr).toContain('incremental progress gen #0');
    expect((await run(['--days', '1'])).stdout).toBe('');
    const reset = await run(['--days', '1', '--reset-emitted']);
    expect(rows(reset.stdout)).toHaveLength(1);
    const tables = new Database(db).prepare("select name from sqlite_master where name like 'build_emitted%' order by name").all();
    expect(tables).toEqual([{ name: 'build_emitted' }, { name: 'build_emitted_1' }]);
  });

  it('--assert-oldest exits 1 when the window holds a build older than D days, else 0, writing nothing', async () => {
    expect((await run(['--assert-oldest', '1'])).code).toBe(0); // nothing emitted yet
    await run([]);
    const old = await run(['--assert-oldest', '2']);
    expect(old).toMatchObject({ code: 1, stdout: '' });
    expect((await run(['--assert-oldest', '5'])).code).toBe(0);
  });

  it('explicit paths are emitted every time, into a scratch table', async () => {
    await run([]);
    const r = await run([`${JOB}/2`, `${JOB}/2/`]);
    expect(rows(r.stdout).map((x) => x.path)).toEqual([`${JOB}/2`]);
    expect(rows((await run([`${JOB}/2`])).stdout)).toHaveLength(1);
    expect((await run([])).stdout).toBe('');
  });

  it('--output FILE.gz writes gzip NDJSON atomically; stdout stays empty', async () => {
    const out = join(dir, 'rows.json.gz');
    const r = await run(['--output', out]);
    expect(r.stdout).toBe('');
    expect(gunzipSync(readFileSync(out)).toString().trim().split('\n')).toHaveLength(2);
  });

  it('rejects a bad path and a bad --days with a clear error', async () => {
    const bad = await run(['not-a-path']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('not gs:// build paths: not-a-path');
    const days = await run(['--days', 'x']);
    expect(days.code).not.toBe(0);
    expect(days.stderr).toContain('--days must be a number >= 0, got "x"');
  });
});

describe('kettle validate-buckets', () => {
  it('prints the buckets of the shipped buckets.yaml', async () => {
    const r = await kettle(['validate-buckets', join(__dirname, '../../../buckets.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gs://kubernetes-jenkins/pr-logs/\tprefix="pr:"');
    expect(r.stderr).toMatch(/buckets\.yaml: \d+ buckets OK/);
  });

  it('exits 1 naming each problem', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'gs://bkt/:\n  contact: a\n  prefix: "x"\n');
    const r = await kettle(['validate-buckets', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gs://bkt/: prefix "x" must end in ":"');
  });
});
