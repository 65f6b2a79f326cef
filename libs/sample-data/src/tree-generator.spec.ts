import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBucketsConfig } from '@kettle/model';
import { generateTree } from './tree-generator';

const opts = (root: string) => ({ root, seed: 5, now: 1_800_000_000, jobsPerBucket: 4, buildsPerJob: 6, junitPerBuild: 1.8, sizeScale: 0.05, logRate: 0.2, badInputs: true });

it('is deterministic for a seed and lays out Prow-style builds, pointers and bad inputs', () => {
  const a = mkdtempSync(join(tmpdir(), 'tree-a-'));
  const b = mkdtempSync(join(tmpdir(), 'tree-b-'));
  try {
    const sa = generateTree(opts(a));
    const sb = generateTree(opts(b));
    expect(sa).toEqual(sb);
    expect(sa.builds).toBe(4 * 6 + 2 * 3 + 2 * 6);
    expect(parseBucketsConfig(sa.bucketsYaml).buckets.map((x) => x.key)).toEqual(['gs://kubernetes-jenkins/logs/', 'gs://kubernetes-jenkins/pr-logs/', 'gs://istio-prow/']);
    const prowBuilds = readdirSync(join(a, 'kubernetes-jenkins/logs/ci-kubernetes-e2e-gce'));
    expect(prowBuilds.every((n) => /^\d{19}$/.test(n))).toBe(true);
    const pointer = readdirSync(join(a, 'kubernetes-jenkins/pr-logs/directory/pull-kubernetes-e2e-gce'))[0];
    expect(readFileSync(join(a, 'kubernetes-jenkins/pr-logs/directory/pull-kubernetes-e2e-gce', pointer), 'utf8')).toMatch(/^gs:\/\/kubernetes-jenkins\/pr-logs\/pull\/\d+\/pull-kubernetes-e2e-gce\/\d+\n$/);
    expect(readFileSync(join(a, 'kubernetes-jenkins/logs/ci-kettle-bad-input/1/started.json'), 'utf8')).toBe('{"timestamp": 17');
    const seq = readFileSync(join(a, 'istio-prow/ci-kubernetes-e2e-gce/latest-build.txt'), 'utf8');
    expect(seq).toBe('6');
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
