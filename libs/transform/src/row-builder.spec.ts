import { parseBucketsConfig, type BuildRow, type FinishedJson, type StartedJson } from '@kettle/model';
import { buildRow, type RowProblem } from './row-builder';
import { BUCKETS, CI, junitFile, stored } from './row-builder.test-util';

const PATH = `${CI}/123`;
/** The expected row: fields given as undefined must be absent from the real one. */
const base = (extra: Partial<BuildRow> = {}): BuildRow => {
  const r: BuildRow = { path: PATH, job: 'ci-kubernetes-e2e-gci-gce', number: '123', finished: 15, tests_run: 0, tests_failed: 0, test: [], ...extra };
  for (const k of Object.keys(r) as (keyof BuildRow)[]) if (r[k] === undefined) delete r[k];
  return r;
};
const row = (started: StartedJson | null, finished: FinishedJson | null, path = PATH): BuildRow | null =>
  buildRow(stored(path, started, finished), [], BUCKETS).row;
const kinds = (problems: RowProblem[]): string[] => problems.map((p) => p.kind);

describe('buildRow: which builds become rows', () => {
  it.each<[string, FinishedJson | null, string]>([
    ['no finished.json', null, 'no finished.json'],
    ['finished.json without timestamp', { result: 'SUCCESS' }, 'finished.json has no usable timestamp'],
    ['unparsable finished timestamp', { timestamp: 'soon' }, 'finished.json has no usable timestamp'],
    ['finished timestamp outside BigQuery TIMESTAMP', { timestamp: 1e300 }, 'finished.json has no usable timestamp'],
  ])('%s → no row', (_name, finished, detail) => {
    const junit = [junitFile(PATH, 'junit.xml', '<testsuite><testcase name="a"/></testsuite>')];
    expect(buildRow(stored(PATH, { timestamp: 10 }, finished), junit, BUCKETS)).toStrictEqual({
      row: null,
      problems: [{ kind: 'no-finished-time', detail }],
      junitFiles: 0,
    });
  });

  it('a finished build with nothing else gives the minimal row; test, tests_run, tests_failed always present', () => {
    expect(buildRow(stored(PATH, null, { timestamp: 15 }), [], BUCKETS)).toStrictEqual({ row: base(), problems: [], junitFiles: 0 });
  });
});

describe('buildRow: job and number', () => {
  it.each<[string, string, string | undefined, string | undefined]>([
    ['bucket with empty prefix', `${CI}/123`, 'ci-kubernetes-e2e-gci-gce', '123'],
    ['pr-logs via its entry', 'gs://kubernetes-jenkins/pr-logs/pull/93264/pull-kubernetes-e2e/456', 'pr:pull-kubernetes-e2e', '456'],
    ['longest key wins', 'gs://cbk/logs/nested/job/1', 'nested:job', '1'],
    ['whole segments: logs-gke is not under logs/', 'gs://cbk/logs-gke/job/1', 'ubuntu:job', '1'],
    ['leading zeros dropped', `${CI}/007`, 'ci-kubernetes-e2e-gci-gce', '7'],
    ['all zeros', `${CI}/000`, 'ci-kubernetes-e2e-gci-gce', '0'],
    ['19-digit Prow id stays exact', `${CI}/1720541231756461222`, 'ci-kubernetes-e2e-gci-gce', '1720541231756461222'],
    ['int64 max', `${CI}/9223372036854775807`, 'ci-kubernetes-e2e-gci-gce', '9223372036854775807'],
    ['2_0 is no number', `${CI}/2_0`, 'ci-kubernetes-e2e-gci-gce', undefined],
    ['+3 is no number', `${CI}/+3`, 'ci-kubernetes-e2e-gci-gce', undefined],
    ['12a is no number', `${CI}/12a`, 'ci-kubernetes-e2e-gci-gce', undefined],
    ['non-ASCII digits are no number', `${CI}/١٢`, 'ci-kubernetes-e2e-gci-gce', undefined],
  ])('%s', (_name, path, job, number) => {
    const { row: r, problems } = buildRow(stored(path, null, { timestamp: 15 }), [], BUCKETS);
    expect(problems).toStrictEqual([]);
    expect(r).toStrictEqual(base({ path, job, number }));
  });

  it('a number beyond BigQuery INTEGER is left out and reported', () => {
    const { row: r, problems } = buildRow(stored(`${CI}/9223372036854775808`, null, { timestamp: 15 }), [], BUCKETS);
    expect(r).toStrictEqual(base({ path: `${CI}/9223372036854775808`, number: undefined }));
    expect(kinds(problems)).toStrictEqual(['number-out-of-range']);
  });

  it('pr-logs of kubernetes-jenkins get pr: even when buckets.yaml lacks the entry', () => {
    const only = parseBucketsConfig('gs://kubernetes-jenkins/logs/:\n  contact: a\n  prefix: ""\n');
    const path = 'gs://kubernetes-jenkins/pr-logs/pull/1/pull-job/9';
    expect(buildRow(stored(path, null, { timestamp: 15 }), [], only).row).toMatchObject({ job: 'pr:pull-job', number: '9' });
  });

  it('a build in no bucket still gets a row, without job', () => {
    const { row: r, problems } = buildRow(stored('gs://elsewhere/logs/j/5', null, { timestamp: 15 }), [], BUCKETS);
    expect(r).toStrictEqual({ path: 'gs://elsewhere/logs/j/5', number: '5', finished: 15, tests_run: 0, tests_failed: 0, test: [] });
    expect(kinds(problems)).toStrictEqual(['unknown-bucket']);
  });
});

describe('buildRow: started, finished, elapsed', () => {
  it.each<[string, StartedJson | null, FinishedJson, Partial<BuildRow>]>([
    ['both timestamps: elapsed', { timestamp: 10 }, { timestamp: 15 }, { started: 10, elapsed: 5 }],
    ['integer part of float timestamps', { timestamp: 10.9 }, { timestamp: 15.99 }, { started: 10, elapsed: 5 }],
    ['numeric string timestamps', { timestamp: '10' }, { timestamp: '15' }, { started: 10, elapsed: 5 }],
    ['started 0: no elapsed', { timestamp: 0 }, { timestamp: 15 }, { started: 0 }],
    ['finished before started: negative elapsed kept', { timestamp: 20 }, { timestamp: 15 }, { started: 20, elapsed: -5 }],
  ])('%s', (_name, started, finished, extra) => {
    expect(row(started, { ...finished })).toStrictEqual(base({ ...extra, finished: 15 }));
  });

  it('finished 0 is still a finished time (no elapsed)', () => {
    expect(row({ timestamp: 10 }, { timestamp: 0 })).toStrictEqual(base({ started: 10, finished: 0 }));
  });

  it.each<[string, StartedJson]>([
    ['no timestamp', { node: 'agent-1' }],
    ['unparsable timestamp', { timestamp: 'yesterday', node: 'agent-1' }],
    ['null timestamp', { timestamp: null, node: 'agent-1' }],
  ])('5. started.json with %s leaves started out, keeps the rest', (_name, started) => {
    const { row: r, problems } = buildRow(stored(PATH, started, { timestamp: 15 }), [], BUCKETS);
    expect(r).toStrictEqual(base({ executor: 'agent-1' }));
    expect(kinds(problems)).toStrictEqual(['started-timestamp']);
  });
});

describe('buildRow: result, passed, version', () => {
  it.each<[string, FinishedJson, Partial<BuildRow>]>([
    ['result SUCCESS', { result: 'SUCCESS' }, { result: 'SUCCESS', passed: true }],
    ['result FAILURE', { result: 'FAILURE' }, { result: 'FAILURE', passed: false }],
    ['result ABORTED', { result: 'ABORTED', passed: true }, { result: 'ABORTED', passed: false }],
    ['result wins over passed', { result: 'SUCCESS', passed: false }, { result: 'SUCCESS', passed: true }],
    ['result null: passed false, no result', { result: null }, { passed: false }],
    ['passed true only', { passed: true }, { result: 'SUCCESS', passed: true }],
    ['passed false only', { passed: false }, { result: 'FAILURE', passed: false }],
    ['passed not a boolean: neither', { passed: 'true' }, {}],
    ['neither key', {}, {}],
    ['version', { version: 'v1.20.0-alpha.0.261+06ea384605f172' }, { version: 'v1.20.0-alpha.0.261+06ea384605f172' }],
    ['a non-string version becomes JSON text', { version: 1.2 }, { version: '1.2' }],
  ])('%s', (_name, finished, extra) => {
    expect(row(null, { timestamp: 15, ...finished })).toStrictEqual(base(extra));
  });
});

describe('buildRow: fields from started.json', () => {
  it.each<[string, StartedJson, Partial<BuildRow>]>([
    ['executor = node', { node: 'agent-34' }, { executor: 'agent-34' }],
    ['repo_commit = repo-commit', { 'repo-commit': 'abc', 'repo-version': 'v1' }, { repo_commit: 'abc' }],
    ['repo_commit = repo-version without repo-commit', { 'repo-version': 'v1' }, { repo_commit: 'v1' }],
    ['repo-commit null: no repo_commit (as dict.get(k, default))', { 'repo-commit': null, 'repo-version': 'v1' }, {}],
    ['repos = JSON text of started repos', { repos: { 'k8s.io/release': 'master', 'k8s.io/kubernetes': 'master:5a529' } }, { repos: '{"k8s.io/kubernetes": "master:5a529", "k8s.io/release": "master"}' }],
    ['repos with non-ASCII', { repos: { 'org/é': 'main' } }, { repos: '{"org/\\u00e9": "main"}' }],
    ['empty repos: none', { repos: {} }, {}],
    ['pull is not a row field', { pull: '93264' }, {}],
  ])('%s', (_name, started, extra) => {
    expect(row({ timestamp: 10, ...started }, { timestamp: 15 })).toStrictEqual(base({ started: 10, elapsed: 5, ...extra }));
  });
});

describe('buildRow: metadata', () => {
  const meta = (started: StartedJson | null, finished: FinishedJson): BuildRow | null => row(started, { timestamp: 15, ...finished });
  const pairs = (...kv: [string, string][]): { key: string; value: string }[] => kv.map(([key, value]) => ({ key, value }));

  it.each<[string, StartedJson | null, FinishedJson, Partial<BuildRow>]>([
    ['from finished, sorted by key', null, { metadata: { pull: 'asdf', 'infra-commit': '2a9a0f868', Zed: 'z' } }, { metadata: pairs(['Zed', 'z'], ['infra-commit', '2a9a0f868'], ['pull', 'asdf']) }],
    ['from started when finished has no metadata key', { metadata: { a: 'b' } }, {}, { metadata: pairs(['a', 'b']) }],
    ['finished metadata key wins even when empty', { metadata: { a: 'b' } }, { metadata: {} }, {}],
    ['finished metadata key wins even when null', { metadata: { a: 'b' } }, { metadata: null }, {}],
    ['a truthy repo is kept', null, { metadata: { repo: 'ignored', pull: 'asdf' } }, { metadata: pairs(['pull', 'asdf'], ['repo', 'ignored']) }],
    ['falsy repo dropped: ""', null, { metadata: { repo: '', a: 'x' } }, { metadata: pairs(['a', 'x']) }],
    ['falsy repo dropped: null', null, { metadata: { repo: null, a: 'x' } }, { metadata: pairs(['a', 'x']) }],
    ['falsy repo dropped: false', null, { metadata: { repo: false, a: 'x' } }, { metadata: pairs(['a', 'x']) }],
    ['falsy repo dropped: {}', null, { metadata: { repo: {}, a: 'x' } }, { metadata: pairs(['a', 'x']) }],
    ['only a falsy repo: no metadata field', null, { metadata: { repo: 0 } }, {}],
    [
      'job-version and version equal to finished version dropped',
      null,
      { version: 'v1', metadata: { 'job-version': 'v1', version: 'v1', other: 'v1' } },
      { version: 'v1', metadata: pairs(['other', 'v1']) },
    ],
    ['job-version different from finished version kept', null, { version: 'v1', metadata: { 'job-version': 'v2' } }, { version: 'v1', metadata: pairs(['job-version', 'v2']) }],
    ['no finished version: nothing dropped', null, { metadata: { 'job-version': 'N/A', version: 'v1' } }, { metadata: pairs(['job-version', 'N/A'], ['version', 'v1']) }],
    [
      'non-string values become JSON text',
      null,
      { metadata: { n: 3, f: 2.5, b: true, z: null, l: [1, 'é'], o: { y: 1, x: { q: 'r' } } } },
      { metadata: pairs(['b', 'true'], ['f', '2.5'], ['l', '[1, "\\u00e9"]'], ['n', '3'], ['o', '{"x": {"q": "r"}, "y": 1}'], ['z', 'null']) },
    ],
    ['string values stay as they are, non-ASCII included', null, { metadata: { s: 'é "q"' } }, { metadata: pairs(['s', 'é "q"']) }],
    [
      'repos from metadata when started has none',
      { repos: {} },
      { metadata: { repos: { 'k8s.io/kubernetes': 'master' } } },
      { started: undefined, repos: '{"k8s.io/kubernetes": "master"}', metadata: pairs(['repos', '{"k8s.io/kubernetes": "master"}']) },
    ],
    [
      'started repos win over metadata repos',
      { repos: { a: 'b' } },
      { metadata: { repos: { c: 'd' } } },
      { started: undefined, repos: '{"a": "b"}', metadata: pairs(['repos', '{"c": "d"}']) },
    ],
    ['a string metadata repos is not JSON, so no repos (old rule)', null, { metadata: { repos: 'k8s.io/kubernetes=master' } }, { metadata: pairs(['repos', 'k8s.io/kubernetes=master']) }],
    ['a null metadata repos gives no repos', null, { metadata: { repos: null } }, { metadata: pairs(['repos', 'null']) }],
  ])('%s', (_name, started, finished, extra) => {
    expect(meta(started, finished)).toStrictEqual(base(extra));
  });

  it('metadata that is not an object is left out and reported', () => {
    const { row: r, problems } = buildRow(stored(PATH, null, { timestamp: 15, metadata: ['a'] }), [], BUCKETS);
    expect(r).toStrictEqual(base());
    expect(problems).toStrictEqual([{ kind: 'metadata-not-object', detail: 'metadata is ["a"]; left out' }]);
  });

  it('does not modify the stored build', () => {
    const finished: FinishedJson = { timestamp: 15, version: 'v1', metadata: { repo: '', version: 'v1', n: 1 } };
    const copy = structuredClone(finished);
    row(null, finished);
    expect(finished).toStrictEqual(copy);
  });
});
