import type { BuildRow, FinishedJson, JunitFile, StartedJson } from '@kettle/model';
import { ndjsonLine } from './ndjson.util';
import { buildRow } from './row-builder';
import { BUCKETS, CI, junitFile, stored } from './row-builder.test-util';

// started.json / finished.json as the CI systems write them (values from real
// builds, as in the old make_json_test.py).
describe('buildRow: real-world builds', () => {
  it.each<[string, string, StartedJson, FinishedJson, BuildRow]>([
    [
      'Prow pod-utils periodic (repos, metadata)',
      `${CI}/1720541231756461222`,
      {
        timestamp: 1595284709,
        repos: { 'kubernetes/kubernetes': 'master' },
        'repo-version': '5a529aa3a0dd3a050c5302329681e871ef6c162e',
        'repo-commit': '5a529aa3a0dd3a050c5302329681e871ef6c162e',
        metadata: { 'started-only': 'ignored: finished has metadata' },
      },
      {
        timestamp: 1595286616,
        passed: true,
        result: 'SUCCESS',
        revision: 'master',
        metadata: { 'job-version': 'v1.20.0-alpha.0.261+06ea384605f172', 'node_os_image': 'cos-81-12871-59-0', repo: 'k8s.io/kubernetes' },
      },
      {
        path: `${CI}/1720541231756461222`,
        job: 'ci-kubernetes-e2e-gci-gce',
        number: '1720541231756461222',
        started: 1595284709,
        finished: 1595286616,
        elapsed: 1907,
        passed: true,
        result: 'SUCCESS',
        repo_commit: '5a529aa3a0dd3a050c5302329681e871ef6c162e',
        repos: '{"kubernetes/kubernetes": "master"}',
        metadata: [
          { key: 'job-version', value: 'v1.20.0-alpha.0.261+06ea384605f172' },
          { key: 'node_os_image', value: 'cos-81-12871-59-0' },
          { key: 'repo', value: 'k8s.io/kubernetes' },
        ],
        tests_run: 0,
        tests_failed: 0,
        test: [],
      },
    ],
    [
      'Prow pod-utils presubmit under pr-logs',
      'gs://kubernetes-jenkins/pr-logs/pull/93264/pull-kubernetes-e2e-gce/1285229409335250944',
      {
        timestamp: 1595277241,
        pull: '93264',
        repos: { 'kubernetes/kubernetes': 'master:5feab0,93264:30f64c5' },
        'repo-version': '30f64c5b1fc57a3beb1476f9beb29280166954d1',
        'repo-commit': '30f64c5b1fc57a3beb1476f9beb29280166954d1',
      },
      { timestamp: 1595279434, passed: false, result: 'FAILURE', revision: '5dd9241d43f256984358354d1fec468f274f9ac4' },
      {
        path: 'gs://kubernetes-jenkins/pr-logs/pull/93264/pull-kubernetes-e2e-gce/1285229409335250944',
        job: 'pr:pull-kubernetes-e2e-gce',
        number: '1285229409335250944',
        started: 1595277241,
        finished: 1595279434,
        elapsed: 2193,
        passed: false,
        result: 'FAILURE',
        repo_commit: '30f64c5b1fc57a3beb1476f9beb29280166954d1',
        repos: '{"kubernetes/kubernetes": "master:5feab0,93264:30f64c5"}',
        tests_run: 0,
        tests_failed: 0,
        test: [],
      },
    ],
    [
      'Jenkins bootstrap (node, repo-version, pull; metadata with repos)',
      'gs://kubernetes-jenkins/pr-logs/pull/93264/pull-kubernetes-bazel-test/0042',
      {
        node: '0790211c-cacb-11ea-a4b9-4a19d9b965b2',
        pull: 'master:5a529',
        'repo-version': 'v1.20.0-alpha.0.261+06ea384605f172',
        timestamp: 1595278460,
        version: 'v1.20.0-alpha.0.261+06ea384605f172',
      },
      {
        timestamp: 1595282312,
        version: 'v1.20.0-alpha.0.261+06ea384605f172',
        result: 'SUCCESS',
        passed: true,
        'job-version': 'v1.20.0-alpha.0.261+06ea384605f172',
        metadata: {
          repo: 'k8s.io/kubernetes',
          repos: { 'k8s.io/release': 'master', 'k8s.io/kubernetes': 'master:5a529' },
          'infra-commit': '5f39b744b',
          'job-version': 'v1.20.0-alpha.0.261+06ea384605f172',
          'repo-commit': '5feab0aa1e592ab413b461bc3ad08a6b74a427b4',
        },
      },
      {
        path: 'gs://kubernetes-jenkins/pr-logs/pull/93264/pull-kubernetes-bazel-test/0042',
        job: 'pr:pull-kubernetes-bazel-test',
        number: '42',
        started: 1595278460,
        finished: 1595282312,
        elapsed: 3852,
        passed: true,
        result: 'SUCCESS',
        version: 'v1.20.0-alpha.0.261+06ea384605f172',
        executor: '0790211c-cacb-11ea-a4b9-4a19d9b965b2',
        repo_commit: 'v1.20.0-alpha.0.261+06ea384605f172',
        repos: '{"k8s.io/kubernetes": "master:5a529", "k8s.io/release": "master"}',
        metadata: [
          { key: 'infra-commit', value: '5f39b744b' },
          { key: 'repo', value: 'k8s.io/kubernetes' },
          { key: 'repo-commit', value: '5feab0aa1e592ab413b461bc3ad08a6b74a427b4' },
          { key: 'repos', value: '{"k8s.io/kubernetes": "master:5a529", "k8s.io/release": "master"}' },
        ],
        tests_run: 0,
        tests_failed: 0,
        test: [],
      },
    ],
    [
      'old e2e runner: finished with passed only',
      `${CI}/5`,
      { timestamp: 1488000000, node: 'agent-light-7' },
      { timestamp: 1488003600.25, passed: false },
      {
        path: `${CI}/5`,
        job: 'ci-kubernetes-e2e-gci-gce',
        number: '5',
        started: 1488000000,
        finished: 1488003600,
        elapsed: 3600,
        passed: false,
        result: 'FAILURE',
        executor: 'agent-light-7',
        tests_run: 0,
        tests_failed: 0,
        test: [],
      },
    ],
  ])('%s', (_name, path, started, finished, expected) => {
    expect(buildRow(stored(path, started, finished), [], BUCKETS)).toStrictEqual({ row: expected, problems: [], junitFiles: 0 });
  });

  it('writes the 19-digit Prow id exactly into the NDJSON', () => {
    const { row } = buildRow(stored(`${CI}/1720541231756461222`, { timestamp: 1 }, { timestamp: 2, result: 'SUCCESS' }), [], BUCKETS);
    expect(row && ndjsonLine(row)).toBe(
      '{"elapsed": 1, "finished": 2, "job": "ci-kubernetes-e2e-gci-gce", "number": 1720541231756461222, "passed": true, ' +
        `"path": "${CI}/1720541231756461222", "result": "SUCCESS", "started": 1, "test": [], "tests_failed": 0, "tests_run": 0}\n`,
    );
  });
});

describe('buildRow: tests from the JUnit files', () => {
  const PATH = `${CI}/1`;
  const build = stored(PATH, { timestamp: 10 }, { timestamp: 15, result: 'FAILURE' });
  const run = (files: JunitFile[]): ReturnType<typeof buildRow> => buildRow(build, files, BUCKETS);

  it('every case of every file, in file order; tests_run and tests_failed count them', () => {
    const r = run([
      junitFile(PATH, 'junit_01.xml', '<testsuite><testcase name="t1" time="1.0"><failure>stacktrace</failure></testcase><testcase name="t2" time="2.0"/><testcase name="t2#1" time="2.0"/></testsuite>'),
      junitFile(PATH, 'junit_02.xml', '<testsuites><testsuite name="S"><testcase name="t3" time="3"/></testsuite></testsuites>'),
    ]);
    expect(r.row).toMatchObject({
      tests_run: 3,
      tests_failed: 1,
      test: [
        { name: 't1', time: 1, failed: true, failure_text: 'stacktrace' },
        { name: 't2', time: 2 },
        { name: 'S t3', time: 3 },
      ],
    });
    expect(r.problems).toStrictEqual([]);
    expect(r.junitFiles).toBe(2);
  });

  it('4. files of another build (.../10 for .../1) are never taken', () => {
    const r = run([
      junitFile(`${CI}/10`, 'junit.xml', '<testsuite><testcase name="other"/></testsuite>'),
      junitFile(PATH, 'junit.xml', '<testsuite><testcase name="mine"/></testsuite>'),
    ]);
    expect(r.row?.test).toStrictEqual([{ name: 'mine', time: 0 }]);
    expect(r.problems).toStrictEqual([{ kind: 'junit-foreign-file', detail: `not under ${PATH}/`, file: `${CI}/10/artifacts/junit.xml` }]);
  });

  it('a build path with a trailing slash still owns its files', () => {
    const r = buildRow(stored(`${PATH}/`, null, { timestamp: 15 }), [junitFile(PATH, 'junit.xml', '<testsuite><testcase name="a"/></testsuite>')], BUCKETS);
    expect(r.row).toMatchObject({ job: 'ci-kubernetes-e2e-gci-gce', number: '1', tests_run: 1 });
    expect(r.problems).toStrictEqual([]);
  });

  it('a malformed, empty or foreign-rooted file is skipped alone and reported', () => {
    const r = run([
      junitFile(PATH, 'junit_1.xml', '<testsuite><testcase name="a"/>'),
      junitFile(PATH, 'junit_2.xml', ''),
      junitFile(PATH, 'junit_3.xml', '<html/>'),
      junitFile(PATH, 'junit_4.xml', '<testsuite><testcase name="ok" time="1.5s"/></testsuite>'),
    ]);
    expect(r.row).toMatchObject({ tests_run: 1, tests_failed: 0, test: [{ name: 'ok' }] });
    expect(r.problems).toStrictEqual([
      { kind: 'junit-malformed', detail: 'unclosed tag: testsuite', file: `${PATH}/artifacts/junit_1.xml` },
      { kind: 'junit-empty', detail: 'empty file', file: `${PATH}/artifacts/junit_2.xml` },
      { kind: 'junit-unexpected-root', detail: 'root element <html> is neither <testsuite> nor <testsuites>', file: `${PATH}/artifacts/junit_3.xml` },
      { kind: 'junit-bad-time', detail: '1 test(s) with an unparsable time', file: `${PATH}/artifacts/junit_4.xml` },
    ]);
    expect(r.junitFiles).toBe(4);
  });

  it('reports cut failure texts', () => {
    const r = run([junitFile(PATH, 'junit.xml', `<testsuite><testcase name="a"><failure>${'x'.repeat(300_000)}</failure></testcase></testsuite>`)]);
    expect(r.row?.tests_failed).toBe(1);
    expect(r.problems.map((p) => p.kind)).toStrictEqual(['junit-failure-text-cut']);
  });

  it('reads the JUnit iterable lazily and not at all for an unfinished build', () => {
    let pulled = 0;
    function* files(): Generator<JunitFile> {
      pulled++;
      yield junitFile(PATH, 'junit.xml', '<testsuite/>');
    }
    expect(buildRow(stored(PATH, { timestamp: 10 }, null), files(), BUCKETS).row).toBeNull();
    expect(pulled).toBe(0);
  });
});
