import { deflateSync } from 'node:zlib';
import { KettleStore } from '@kettle/model';
import { junitSize, junitXml } from './junit-generator';
import { Random } from './random.util';

export type StoreSpec = { path: string; builds: number; seed: number; now: number; poolSize?: number };
export type StoreSummary = { builds: number; files: number; xmlBytes: number; storedBytes: number };

/**
 * A store shaped like the data the old make_json.py was measured on (191
 * rows/s = 34.5 MB/s, so ~180 KB of XML a build): JUnit as the collector
 * stores it (no system-out), median ~66 KB per file, 1% of files 1–2 MB,
 * 1.8 files per build, most e2e cases skipped, a few percent failed. Files
 * are drawn from a pool of distinct documents (generating 170 GB of unique
 * XML for a million builds would take longer than the benchmark).
 */
export function generateStore(spec: StoreSpec, onProgress?: (done: number) => void): StoreSummary {
  const rng = new Random(spec.seed);
  const poolSize = spec.poolSize ?? 400;
  const pool = Array.from({ length: poolSize }, (_, i) => {
    const bytes = i % 100 === 99 ? rng.int(1 << 20, 2 << 20) : junitSize(rng, 0.75);
    const xml = junitXml(rng, { bytes, logBytes: 0, skipRate: 0.85, failRate: 0.03 });
    return { bytes: xml.length, data: deflateSync(xml, { level: 6 }) };
  });
  const store = KettleStore.open(spec.path);
  store.db.pragma('synchronous = OFF');
  const s: StoreSummary = { builds: 0, files: 0, xmlBytes: 0, storedBytes: 0 };
  const insertFile = store.db.prepare('insert or replace into file(path, data) values (?, ?)');
  const clear = store.db.prepare('delete from build_junit_missing where build_id = ?');
  const id0 = 1720541231756461222n;
  const CHUNK = 5000;
  for (let start = 0; start < spec.builds; start += CHUNK) {
    store.transaction(() => {
      for (let i = start; i < Math.min(spec.builds, start + CHUNK); i++) {
        const job = `ci-kubernetes-bench-${i % 50}`;
        const path = `gs://kubernetes-jenkins/logs/${job}/${id0 + BigInt(i)}`;
        const finished = spec.now - (spec.builds - i) * 5;
        store.insertBuild(
          path,
          { timestamp: finished - 3600, node: `node-${i % 97}`, repos: { 'k8s.io/kubernetes': 'master' }, 'repo-version': 'v1.32.0' },
          { timestamp: finished, result: rng.chance(0.8) ? 'SUCCESS' : 'FAILURE', metadata: { 'job-version': 'v1.32.0', pod: `pod-${i}` } },
        );
        const b = store.buildByPath(path)!;
        // 1.8 files on average: 70% two, 25% one, 5% three.
        const n = rng.chance(0.7) ? 2 : rng.chance(0.25 / 0.3) ? 1 : 3;
        for (let f = 0; f < n; f++) {
          const doc = pool[rng.int(0, pool.length - 1)];
          insertFile.run(`${path}/artifacts/junit_0${f + 1}.xml`, doc.data);
          s.files++;
          s.xmlBytes += doc.bytes;
          s.storedBytes += doc.data.length;
        }
        clear.run(b.id);
        s.builds++;
      }
    });
    onProgress?.(s.builds);
  }
  store.db.pragma('synchronous = FULL');
  store.close();
  return s;
}
