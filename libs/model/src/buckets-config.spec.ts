import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BucketsConfigError, bucketForPath, loadBucketsConfig, parseBucketsConfig } from './buckets-config';

const problems = (text: string): string[] => {
  try {
    parseBucketsConfig(text, 'test.yaml');
  } catch (e) {
    if (e instanceof BucketsConfigError) return [...e.problems];
    throw e;
  }
  return [];
};

describe('parseBucketsConfig', () => {
  it('normalises keys and applies defaults', () => {
    const cfg = parseBucketsConfig(
      'gs://k8s-conformance-gardener:\n  contact: a\n  prefix: "gardener:"\ngs://kubernetes-jenkins/logs/:\n  contact: b\n  prefix: ""\n  sequential: false\n  exclude_jobs: [x]\n',
    );
    expect(cfg.buckets).toEqual([
      { key: 'gs://k8s-conformance-gardener/', bucket: 'k8s-conformance-gardener', objectPrefix: '', contact: 'a', prefix: 'gardener:', sequential: true, excludeJobs: [], pr: false },
      { key: 'gs://kubernetes-jenkins/logs/', bucket: 'kubernetes-jenkins', objectPrefix: 'logs/', contact: 'b', prefix: '', sequential: false, excludeJobs: ['x'], pr: false },
    ]);
  });

  it.each([
    ['not a gs:// URL', 'http://b/logs/:\n  contact: a\n  prefix: "a:"\n', 'http://b/logs/: not a gs://bucket/path URL'],
    ['prefix without colon', 'gs://bkt/:\n  contact: a\n  prefix: "a"\n', 'gs://bkt/: prefix "a" must end in ":"'],
    ['duplicate prefix', 'gs://bkt/a/:\n  contact: a\n  prefix: "a:"\ngs://bkt/b/:\n  contact: a\n  prefix: "a:"\n', 'gs://bkt/b/: duplicate prefix "a:" (also gs://bkt/a/)'],
    ['two empty prefixes', 'gs://bkt/a/:\n  contact: a\n  prefix: ""\ngs://bkt/b/:\n  contact: a\n  prefix: ""\n', 'gs://bkt/b/: more than one bucket has the empty prefix (also gs://bkt/a/)'],
    ['unknown key', 'gs://bkt/:\n  contact: a\n  prefix: "a:"\n  sequental: false\n', 'gs://bkt/: unknown key "sequental" (known: contact, prefix, sequential, exclude_jobs, pr)'],
    ['wrong type', 'gs://bkt/:\n  contact: a\n  prefix: "a:"\n  sequential: "no"\n', 'gs://bkt/: sequential must be true or false, got string "no"'],
    ['missing contact', 'gs://bkt/:\n  prefix: "a:"\n', 'gs://bkt/: contact is required'],
    ['settings not a mapping', 'gs://bkt/: 3\n', 'gs://bkt/: settings must be a mapping (contact, prefix, ...)'],
    ['bad exclude_jobs', 'gs://bkt/:\n  contact: a\n  prefix: "a:"\n  exclude_jobs: x\n', 'gs://bkt/: exclude_jobs must be a list of job names'],
    ['same key twice after normalising', 'gs://bkt:\n  contact: a\n  prefix: "a:"\ngs://bkt/:\n  contact: a\n  prefix: "b:"\n', 'gs://bkt/: same bucket path as gs://bkt'],
    ['empty file', '', 'the file has no buckets'],
    ['a list at top level', '- a\n', 'top level must be a mapping of gs:// keys to bucket settings'],
  ])('rejects %s', (_name, text, problem) => {
    expect(problems(text)).toContain(problem);
  });

  it('reports invalid YAML with the file name', () => {
    expect(() => parseBucketsConfig('gs://a/:\n  contact: [', 'x.yaml')).toThrow(/^x\.yaml: .*invalid YAML/s);
  });

  it('reports every problem at once', () => {
    expect(problems('gs://bkt/:\n  contact: 1\n  prefix: "a"\n')).toHaveLength(2);
  });
});

describe('the shipped buckets.yaml', () => {
  const file = join(__dirname, '../../../buckets.yaml');
  it('is valid and holds the Kubernetes CI buckets', async () => {
    const cfg = await loadBucketsConfig(file);
    const logs = cfg.buckets.find((b) => b.key === 'gs://kubernetes-jenkins/logs/');
    expect(logs).toMatchObject({ prefix: '', sequential: false, pr: false });
    expect(logs!.excludeJobs.length).toBeGreaterThan(0);
    expect(cfg.buckets.find((b) => b.key === 'gs://kubernetes-jenkins/pr-logs/')).toMatchObject({ prefix: 'pr:', pr: true });
    expect(cfg.buckets.length).toBeGreaterThanOrEqual(10);
    expect(readFileSync(file, 'utf8')).toContain('gs://istio-prow/');
  });

  it('says which file cannot be read', async () => {
    await expect(loadBucketsConfig('/nonexistent/buckets.yaml')).rejects.toThrow('/nonexistent/buckets.yaml: 1 problem(s) in buckets config:\n  - cannot read: ENOENT');
  });
});

describe('bucketForPath', () => {
  const cfg = parseBucketsConfig(
    'gs://cbk/logs/:\n  contact: a\n  prefix: "juju:"\ngs://cbk/logs-gke/:\n  contact: a\n  prefix: "ubuntu:"\ngs://cbk/:\n  contact: a\n  prefix: "c:"\n',
  );
  it.each([
    ['gs://cbk/logs/job/1', 'juju:'],
    ['gs://cbk/logs-gke/job/1', 'ubuntu:'],
    ['gs://cbk/other/job/1', 'c:'],
    ['gs://cbkk/logs/job/1', null],
  ])('%s → %s', (path, prefix) => {
    expect(bucketForPath(cfg, path)?.prefix ?? null).toBe(prefix);
  });
});
