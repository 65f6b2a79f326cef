import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { junitSize, junitXml } from './junit-generator';
import { Random } from './random.util';

export type TreeOptions = {
  /** Written as ROOT/<bucket>/<object> (a `gsutil rsync` mirror layout). */
  root: string;
  seed: number;
  /** Epoch seconds; builds finish over the 10 days before it. */
  now: number;
  jobsPerBucket: number;
  buildsPerJob: number;
  /** JUnit files per build, on average (Kubernetes CI: ~1.8). */
  junitPerBuild: number;
  /** Multiplies every JUnit size (1 = realistic; the sample uses less). */
  sizeScale: number;
  /** Share of JUnit files that carry a large <system-out> log. */
  logRate: number;
  /** Include one of each kind of bad input. */
  badInputs: boolean;
};

export type TreeSummary = { builds: number; finished: number; junitFiles: number; junitBytes: number; objects: number; bucketsYaml: string };

const JOBS = ['ci-kubernetes-e2e-gce', 'ci-kubernetes-unit', 'ci-kubernetes-node-e2e', 'ci-kubernetes-e2e-kind', 'pull-kubernetes-verify', 'ci-kubernetes-integration', 'ci-kubernetes-e2e-gci-gke', 'ci-kubernetes-conformance'];

/**
 * Generates a bucket tree shaped like Kubernetes CI's: Prow builds with
 * 19-digit ids and Jenkins-style sequential builds with latest-build.txt,
 * PR builds reached through directory/ pointers, running builds without
 * finished.json, and JUnit files of realistic sizes. Deterministic per seed
 * and `now`.
 */
export function generateTree(o: TreeOptions): TreeSummary {
  const rng = new Random(o.seed);
  const s: TreeSummary = { builds: 0, finished: 0, junitFiles: 0, junitBytes: 0, objects: 0, bucketsYaml: '' };
  const put = (bucket: string, object: string, data: string | Buffer) => {
    const file = join(o.root, bucket, object);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
    s.objects++;
  };
  const jobs = JOBS.slice(0, Math.max(1, Math.min(JOBS.length, o.jobsPerBucket)));
  let prowId = 1720541231756461222n;

  const writeBuild = (bucket: string, dir: string, job: string, index: number) => {
    s.builds++;
    const finishedAt = o.now - Math.floor(((index + rng.next()) / o.buildsPerJob) * 10 * 86400);
    const startedAt = finishedAt - rng.int(60, 7200);
    const pr = dir.includes('pr-logs/');
    put(bucket, `${dir}/started.json`, JSON.stringify(startedJson(rng, startedAt, pr), null, 2));
    const running = index === 0 && rng.chance(0.5);
    if (!running) {
      s.finished++;
      put(bucket, `${dir}/finished.json`, JSON.stringify(finishedJson(rng, finishedAt, job), null, 2));
    }
    const files = Math.max(0, Math.round(o.junitPerBuild + (rng.next() - 0.5) * 1.6));
    for (let f = 1; f <= files; f++) {
      const bytes = Math.max(400, Math.round(junitSize(rng) * o.sizeScale));
      const xml = junitXml(rng, { bytes, logBytes: rng.chance(o.logRate) ? rng.int(200_000, 1_500_000) * o.sizeScale : 0, skipRate: 0.85, failRate: 0.03 });
      put(bucket, `${dir}/artifacts/junit_${String(f).padStart(2, '0')}.xml`, xml);
      s.junitFiles++;
      s.junitBytes += xml.length;
    }
    put(bucket, `${dir}/build-log.txt`, 'log\n');
    if (rng.chance(0.2)) put(bucket, `${dir}/artifacts/nested/junit_nested.xml`, '<testsuite/>');
  };

  // kubernetes-jenkins/logs: Prow ids for half the jobs, numbers for the rest.
  jobs.forEach((job, j) => {
    const prow = j % 2 === 0;
    for (let i = 0; i < o.buildsPerJob; i++) {
      const name = prow ? String((prowId += BigInt(rng.int(1000, 10_000_000_000)))) : String(o.buildsPerJob - i);
      writeBuild('kubernetes-jenkins', `logs/${job}/${name}`, job, i);
    }
    if (!prow) put('kubernetes-jenkins', `logs/${job}/latest-build.txt`, String(o.buildsPerJob));
  });
  // PR builds and their pointers.
  for (const job of jobs.slice(0, 2).map((j) => j.replace(/^ci-/, 'pull-'))) {
    for (let i = 0; i < Math.ceil(o.buildsPerJob / 2); i++) {
      const id = String((prowId += 7919n));
      const dir = `pr-logs/pull/${rng.int(100000, 130000)}/${job}/${id}`;
      writeBuild('kubernetes-jenkins', dir, job, i);
      put('kubernetes-jenkins', `pr-logs/directory/${job}/${id}.txt`, `gs://kubernetes-jenkins/${dir}\n`);
    }
    put('kubernetes-jenkins', `pr-logs/directory/${job}/latest-build.txt`, '1');
  }
  // A community bucket with sequential numbering, probed from latest-build.txt.
  for (const job of jobs.slice(0, 2)) {
    for (let i = 0; i < o.buildsPerJob; i++) writeBuild('istio-prow', `${job}/${o.buildsPerJob - i}`, job, i);
    put('istio-prow', `${job}/latest-build.txt`, String(o.buildsPerJob));
  }
  if (o.badInputs) writeBadInputs(put);
  s.bucketsYaml = BUCKETS_YAML;
  return s;
}

function writeBadInputs(put: (bucket: string, object: string, data: string | Buffer) => void): void {
  const dir = 'logs/ci-kettle-bad-input';
  put('kubernetes-jenkins', `${dir}/1/started.json`, '{"timestamp": 17');
  put('kubernetes-jenkins', `${dir}/1/finished.json`, '{"timestamp": 1700000000, "result": "SUCCESS"}');
  put('kubernetes-jenkins', `${dir}/2/started.json`, '{}');
  put('kubernetes-jenkins', `${dir}/2/finished.json`, '{"timestamp": 1700000100, "passed": false}');
  put('kubernetes-jenkins', `${dir}/2/artifacts/junit_bad.xml`, Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]));
  put('kubernetes-jenkins', `${dir}/2/artifacts/junit_malformed.xml`, '<testsuite><testcase name="x"><failure>');
  put('kubernetes-jenkins', 'pr-logs/directory/pull-kettle-bad/1.txt', '');
  put('kubernetes-jenkins', 'pr-logs/directory/pull-kettle-bad/2.txt', 'not a gs path');
}

function startedJson(rng: Random, t: number, pr: boolean): Record<string, unknown> {
  const commit = rng.hex(40);
  const base: Record<string, unknown> = {
    timestamp: t,
    node: `${rng.hex(8)}-${rng.hex(4)}`,
    'repo-version': `v1.3${rng.int(0, 5)}.0-alpha.${rng.int(0, 9)}+${commit.slice(0, 12)}`,
    repos: { 'k8s.io/kubernetes': pr ? `master:${commit},${rng.int(100000, 130000)}:${rng.hex(40)}` : 'master', 'k8s.io/release': 'master' },
  };
  if (pr) base.pull = `${rng.int(100000, 130000)}`;
  if (rng.chance(0.3)) base['repo-commit'] = commit;
  return base;
}

function finishedJson(rng: Random, t: number, job: string): Record<string, unknown> {
  const passed = rng.chance(0.8);
  const version = `v1.3${rng.int(0, 5)}.0-alpha.${rng.int(0, 9)}`;
  if (rng.chance(0.15)) return { timestamp: t, passed, version, 'job-version': version };
  return {
    timestamp: t,
    passed,
    result: passed ? 'SUCCESS' : rng.pick(['FAILURE', 'ABORTED', 'FAILURE']),
    revision: `v1.3${rng.int(0, 5)}.0`,
    metadata: {
      repo: rng.chance(0.1) ? '' : 'k8s.io/kubernetes',
      'job-version': version,
      'infra-commit': rng.hex(9),
      pod: `${job}-${rng.hex(6)}`,
      'node_os_image': 'cos-109-17800-66-32',
      ...(rng.chance(0.3) ? { repos: { 'k8s.io/kubernetes': 'master' }, count: rng.int(1, 9) } : {}),
    },
  };
}

export const BUCKETS_YAML = `# Buckets of the generated sample tree (tools/generate).
gs://kubernetes-jenkins/logs/:
  contact: "kettle"
  prefix: ""
  sequential: false
gs://kubernetes-jenkins/pr-logs/:
  contact: "kettle"
  prefix: "pr:"
  sequential: false
  pr: true
gs://istio-prow/:
  contact: "kettle"
  prefix: "istio:"
`;
