import { deflateSync } from 'node:zlib';
import { KettleStore, type StoredBuild } from '@kettle/model';
import { ndjsonLine } from './ndjson.util';
import { buildRow } from './row-builder';
import { BUCKETS, CI } from './row-builder.test-util';
import { runRowBatch, type RowTask } from './row-task';

const NOW = 1_720_000_000;
const suite = (cases: string): Buffer => deflateSync(`<testsuite name="S">${cases}</testsuite>`);

/** A store with builds `1`, `10` (whose folder name starts like `1`'s) and `2` (corrupt JUnit). */
function fixture(): { store: KettleStore; builds: StoredBuild[] } {
  const store = KettleStore.open(':memory:');
  const builds: StoredBuild[] = [];
  const files: [string, { path: string; data: Buffer }[]][] = [
    ['1', [{ path: 'artifacts/junit_01.xml', data: suite('<testcase name="a" time="1.5"/><testcase name="b"><failure>boom &lt;x&gt;</failure></testcase>') }]],
    [
      '10',
      [
        { path: 'artifacts/junit_02.xml', data: suite('<testcase name="ten" time="2"/>') },
        { path: 'artifacts/junit_01.xml', data: suite('<testcase name="é 😀" time="3"/>') },
      ],
    ],
    ['2', [{ path: 'artifacts/junit_01.xml', data: Buffer.from('not zlib') }]],
  ];
  for (const [n, junit] of files) {
    const path = `${CI}/${n}`;
    store.insertBuild(path, { timestamp: NOW - 60 }, { timestamp: NOW, result: 'SUCCESS' });
    const build = store.buildByPath(path)!;
    store.insertJunit(build.id, junit.map((f) => ({ path: `${path}/${f.path}`, data: f.data })));
    builds.push(build);
  }
  return { store, builds };
}

describe('runRowBatch', () => {
  it('reads a build’s JUnit from the store exactly as KettleStore.junitFilesRaw does (never `.../10`’s for `.../1`)', () => {
    const { store, builds } = fixture();
    const fromStore = runRowBatch(builds.map((build, seq): RowTask => ({ seq, build })), BUCKETS, store);
    const carried = runRowBatch(builds.map((build, seq): RowTask => ({ seq, build, junit: store.junitFilesRaw(build.path) })), BUCKETS);
    expect(fromStore).toEqual(carried);
    expect(fromStore.results.map((r) => r.junitFiles)).toEqual([1, 2, 0]);
    store.close();
  });

  it('writes the lines ndjsonLine writes, in order; a build that fails is reported and skipped', () => {
    const { store, builds } = fixture();
    const r = runRowBatch(builds.map((build, seq): RowTask => ({ seq, build })), BUCKETS, store);
    const expected = builds
      .slice(0, 2)
      .map((b) => ndjsonLine(buildRow(b, store.junitFiles(b.path), BUCKETS).row!))
      .join('');
    expect(Buffer.from(r.ndjson!).toString('latin1')).toBe(expected);
    expect(r.length).toBe(expected.length);
    expect(r.results.map((x) => [x.seq, x.row, x.error === undefined])).toEqual([
      [0, true, true],
      [1, true, true],
      [2, false, false],
    ]);
    store.close();
  });

  it('fills the shared slot, or moves to a buffer of its own when the lines outgrow it', () => {
    const { store, builds } = fixture();
    const tasks = builds.slice(0, 2).map((build, seq): RowTask => ({ seq, build }));
    const reference = Buffer.from(runRowBatch(tasks, BUCKETS, store).ndjson!).toString('latin1');
    const roomy = new Uint8Array(new SharedArrayBuffer(1 << 16));
    const inSlot = runRowBatch(tasks, BUCKETS, store, roomy);
    expect(inSlot.ndjson).toBeUndefined();
    expect(Buffer.from(roomy.buffer, 0, inSlot.length).toString('latin1')).toBe(reference);
    const tight = runRowBatch(tasks, BUCKETS, store, new Uint8Array(new SharedArrayBuffer(100)));
    expect(Buffer.from(tight.ndjson!).toString('latin1')).toBe(reference);
    store.close();
  });
});
