// Benchmark of the loader's streaming path: N realistic rows through RowSink
// (batches of ≤500 rows / 4 MB, 1 s) and RowInserter into tools/bigquery-server
// running as a separate process.
//   npx tsx tools/bench/loader-bench.ts [--rows 50000] [--in-flight 1000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createBigQuery, ensureTable, LoaderMetrics, RowInserter, RowSink, type TableTarget } from '@kettle/load';
import { KettleStore, type BuildRow } from '@kettle/model';
import { junitSize, junitXml, Random } from '@kettle/sample-data';
import { parseJunit } from '@kettle/transform';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '50000' }, 'in-flight': { type: 'string', default: '1000' } } });
const ROOT = resolve(__dirname, '../..');

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(ROOT, 'tools/bigquery-server/main.ts'), '--port', '0', '--dedupe-window-ms', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.on('exit', (c) => fail(new Error(`bigquery-server exited ${c}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const n = Number(values.rows);
  const server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'kettle-loader-bench-'));
  const store = KettleStore.open(join(dir, 'build.db'));
  store.db.pragma('synchronous = NORMAL');
  try {
    // Realistic rows: tests from generated JUnit (most e2e cases skipped, a few failed).
    const rng = new Random(3);
    const testPool = Array.from({ length: 50 }, () => parseJunit(junitXml(rng, { bytes: Math.min(junitSize(rng), 300_000), logBytes: 0, skipRate: 0.85, failRate: 0.03 })).tests);
    const now = Math.floor(Date.now() / 1000);
    const msgs: { path: string; row: BuildRow }[] = [];
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const path = `gs://kubernetes-jenkins/logs/ci-bench-${i % 40}/${1720541231756461222n + BigInt(i)}`;
        store.insertBuild(path, { timestamp: now - 3600 }, { timestamp: now - (n - i), result: 'SUCCESS' });
        const test = testPool[i % testPool.length];
        msgs.push({ path, row: { path, job: `ci-bench-${i % 40}`, number: String(1720541231756461222n + BigInt(i)), started: now - 3600, finished: now - (n - i), elapsed: 3600, passed: true, result: 'SUCCESS', tests_run: test.length, tests_failed: test.filter((t) => t.failed).length, test } });
      }
    });
    const bytes = msgs.reduce((s, m) => s + JSON.stringify(m.row).length, 0);
    const registry = new Registry();
    const metrics = new LoaderMetrics(registry);
    const bq = createBigQuery({ projectId: 'bench', endpoint: server.url });
    const target: TableTarget = { project: 'bench', dataset: 'build', table: 'all', days: 0 };
    await ensureTable(bq, target);
    const sink = new RowSink(store, new RowInserter(bq, metrics), [target]);
    const inFlight = Number(values['in-flight']);
    const latencies: number[] = [];
    const t0 = Date.now();
    let next = 0;
    // A bounded window of messages in flight, as Pub/Sub flow control gives the service.
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < msgs.length) {
          const m = msgs[next++];
          const s = Date.now();
          const o = await sink.handle(m);
          if (o.status !== 'inserted') throw new Error(`${m.path}: ${o.status}`);
          latencies.push(Date.now() - s);
        }
      }),
    );
    const secs = (Date.now() - t0) / 1000;
    const req = (await registry.getSingleMetric('kettle_loader_batch_rows')?.get())?.values.find((v) => (v as { metricName?: string }).metricName === 'kettle_loader_batch_rows_count')?.value ?? 0;
    latencies.sort((a, b) => a - b);
    console.log('rows\tMB\tseconds\trows/s\tMB/s\tinsert requests\tack latency p50 ms\tp99 ms');
    console.log([n, (bytes / 1e6).toFixed(0), secs.toFixed(1), (n / secs).toFixed(0), (bytes / 1e6 / secs).toFixed(1), req, quantile(latencies, 0.5), quantile(latencies, 0.99)].join('\t'));
  } finally {
    store.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
