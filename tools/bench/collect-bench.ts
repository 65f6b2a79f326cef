// Benchmark of `kettle collect --junit` from an empty store against tools/gcs-server
// (a separate process) adding latency to every request, like GCS round trips.
//   npx tsx tools/bench/collect-bench.ts [--builds-per-job 182] [--latency-ms 20] [--threads 32] [--compression-level N]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateTree } from '@kettle/sample-data';
import { runMeasured } from './peak-rss.util';

const { values } = parseArgs({
  options: {
    'builds-per-job': { type: 'string', default: '182' },
    'latency-ms': { type: 'string', default: '20' },
    threads: { type: 'string', default: '32' },
    'compression-level': { type: 'string' },
    dir: { type: 'string', default: '/tmp/kettle-collect-bench' },
  },
});
const ROOT = resolve(__dirname, '../..');

async function startServer(root: string, latencyMs: number): Promise<{ host: string; stop(): void }> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(ROOT, 'tools/gcs-server/main.ts'), '--root', root, '--port', '0', '--latency-ms', String(latencyMs), '--hash-on-start'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const host = await new Promise<string>((resolveHost, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolveHost(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`gcs-server exited ${code}: ${out}`)));
  });
  return { host, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const tree = join(values.dir, 'tree');
  const perJob = Number(values['builds-per-job']);
  if (!existsSync(tree)) {
    mkdirSync(tree, { recursive: true });
    const s = generateTree({ root: tree, seed: 11, now: Math.floor(Date.now() / 1000), jobsPerBucket: 8, buildsPerJob: perJob, junitPerBuild: 1.8, sizeScale: 1, logRate: 0.1, badInputs: false });
    writeFileSync(join(tree, 'buckets.yaml'), s.bucketsYaml);
    process.stderr.write(`generated ${s.builds} builds, ${s.junitFiles} JUnit files, ${(s.junitBytes / 1e6).toFixed(0)} MB\n`);
  }
  const latency = Number(values['latency-ms']);
  const server = await startServer(tree, latency);
  const db = join(values.dir, 'build.db');
  rmSync(db, { force: true });
  try {
    const r = await runMeasured(
      process.execPath,
      [join(ROOT, 'bin/kettle.js'), 'collect', '--junit', '--threads', values.threads, '--buckets', join(tree, 'buckets.yaml'), '--db', db, ...(values['compression-level'] ? ['--compression-level', values['compression-level']] : [])],
      { ...process.env, STORAGE_EMULATOR_HOST: `http://${server.host}` },
    );
    if (r.code !== 0) throw new Error(`collect failed: ${r.stderr.slice(-2000)}`);
    const requests = Number(/with (\d+) GCS requests/.exec(r.stderr)?.[1] ?? NaN);
    const line = r.stderr.trim().split('\n').filter((l) => l.startsWith('jobs ')).pop() ?? '';
    const m = /read (\d+), stored (\d+), junit (\d+) files \/ ([\d.]+) MB/.exec(line);
    const builds = Number(m?.[2] ?? 0);
    const mb = Number(m?.[4] ?? 0);
    console.log('latency ms\tthreads\tbuilds\tJUnit files\tseconds\tbuilds/s\tMB/s\trequests\trequests/s\tpeak RSS MB');
    console.log([latency, values.threads, builds, m?.[3], r.seconds.toFixed(1), (builds / r.seconds).toFixed(0), (mb / r.seconds).toFixed(1), requests, (requests / r.seconds).toFixed(0), r.peakRssMb.toFixed(0)].join('\t'));
  } finally {
    server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
