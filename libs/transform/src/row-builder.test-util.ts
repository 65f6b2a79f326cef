import { parseBucketsConfig, type FinishedJson, type JunitFile, type StartedJson, type StoredBuild } from '@kettle/model';

/** Test fixtures shared by the row-builder specs. */
export const BUCKETS = parseBucketsConfig(`
gs://kubernetes-jenkins/logs/:
  contact: a
  prefix: ""
  sequential: false
gs://kubernetes-jenkins/pr-logs/:
  contact: a
  prefix: "pr:"
  pr: true
gs://cbk/logs/:
  contact: a
  prefix: "juju:"
gs://cbk/logs-gke/:
  contact: a
  prefix: "ubuntu:"
gs://cbk/logs/nested/:
  contact: a
  prefix: "nested:"
`);

export const CI = 'gs://kubernetes-jenkins/logs/ci-kubernetes-e2e-gci-gce';

export function stored(path: string, started: StartedJson | null, finished: FinishedJson | null): StoredBuild {
  return { id: 1, path, started, finished, finishedTime: null };
}

export const junitFile = (buildPath: string, name: string, xml: string): JunitFile => ({ path: `${buildPath}/artifacts/${name}`, xml });
