/**
 * Builds as CI writes them (started.json, JUnit, then finished.json last) and
 * the GCS notifications they cause, in the real `JSON_API_V1` format, so the
 * collector sees exactly what a bucket's Pub/Sub notification config sends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { GcsServer } from '@kettle/gcs-server';

export const BUCKET = 'kubernetes-jenkins';

export type TestCase = { name: string; failure?: string };

export type NewBuild = {
  job: string;
  /** A 19-digit Prow id (beyond 2^53: it must stay exact end to end). */
  id: string;
  started: number;
  finished: number;
  result: 'SUCCESS' | 'FAILURE';
  tests: TestCase[];
};

/** gs:// folder of a build under `gs://kubernetes-jenkins/logs/` (buckets.yaml prefix ""). */
export const buildPath = (b: Pick<NewBuild, 'job' | 'id'>): string => `gs://${BUCKET}/logs/${b.job}/${b.id}`;
const objectDir = (b: Pick<NewBuild, 'job' | 'id'>): string => `logs/${b.job}/${b.id}`;

let nextId = 1_790_000_000_000_000_000n + BigInt(Date.now() % 1_000_000) * 1_000_000n;

/** A fresh build with unique 19-digit id, `tests` cases of which `failures` fail. */
export function newBuild(job: string, opts: { tests?: number; failures?: number; finished?: number; failureBytes?: number } = {}): NewBuild {
  const id = String((nextId += 7919n));
  const finished = opts.finished ?? Math.floor(Date.now() / 1000);
  const n = opts.tests ?? 3;
  const failures = opts.failures ?? 0;
  const tests = Array.from({ length: n }, (_, i): TestCase => ({
    name: `[sig-e2e] ${job} case ${i} of build ${id}`,
    ...(i < failures ? { failure: `expected ok, got failure ${i}\n${'x'.repeat(opts.failureBytes ?? 0)}` } : {}),
  }));
  return { job, id, started: finished - 120, finished, result: failures > 0 ? 'FAILURE' : 'SUCCESS', tests };
}

export function junitXml(b: NewBuild): string {
  const cases = b.tests.map((t) =>
    t.failure === undefined ? `  <testcase name="${t.name}" time="1.5"/>` : `  <testcase name="${t.name}" time="2"><failure>${t.failure}</failure></testcase>`,
  );
  return `<?xml version="1.0"?>\n<testsuite name="e2e" tests="${b.tests.length}">\n${cases.join('\n')}\n</testsuite>\n`;
}

/** Objects of a build in the order CI uploads them: finished.json last. */
export function buildObjects(b: NewBuild): { name: string; data: string }[] {
  const dir = objectDir(b);
  return [
    { name: `${dir}/started.json`, data: JSON.stringify({ timestamp: b.started, node: 'e2e-node', repos: { 'k8s.io/kubernetes': 'master' } }) },
    { name: `${dir}/artifacts/junit_01.xml`, data: junitXml(b) },
    { name: `${dir}/build-log.txt`, data: 'log\n' },
    { name: `${dir}/finished.json`, data: JSON.stringify({ timestamp: b.finished, passed: b.result === 'SUCCESS', result: b.result, metadata: { 'infra-commit': 'e2e' } }) },
  ];
}

export const finishedObject = (b: NewBuild): string => `${objectDir(b)}/finished.json`;

export type Notification = { data: Buffer; attributes: Record<string, string> };

/**
 * The notification GCS publishes for an object: the JSON_API_V1 attributes and
 * the object resource as data. The resource is read back from the GCS server,
 * so generation and size are the stored object's.
 */
export async function notificationFor(gcs: GcsServer, bucket: string, object: string, eventType = 'OBJECT_FINALIZE'): Promise<Notification> {
  const res = await fetch(`${gcs.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(object)}`);
  if (!res.ok) throw new Error(`GET ${bucket}/${object}: HTTP ${res.status}`);
  const resource = (await res.json()) as { generation: string; updated: string };
  return {
    data: Buffer.from(JSON.stringify(resource)),
    attributes: {
      eventType,
      bucketId: bucket,
      objectId: object,
      objectGeneration: resource.generation,
      eventTime: resource.updated,
      notificationConfig: `projects/_/buckets/${bucket}/notificationConfigs/1`,
      payloadFormat: 'JSON_API_V1',
    },
  };
}

/** Finished builds of a bucket mirror ROOT/<bucket>/...: gs:// path -> finished time (epoch s; the int part). */
export function finishedBuildsIn(root: string): Map<string, number> {
  const found = new Map<string, number>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === 'finished.json') {
        const ts = (JSON.parse(readFileSync(full, 'utf8')) as { timestamp?: unknown }).timestamp;
        found.set(`gs://${relative(root, dir)}`, typeof ts === 'number' ? Math.trunc(ts) : Number.NaN);
      }
    }
  };
  walk(root);
  return found;
}
