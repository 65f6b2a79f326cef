// Benchmark of `kettle make-json` on a generated realistic store.
//   npx tsx tools/bench/make-json-bench.ts [--builds 2000,50000] [--threads N] [--dir DIR]
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateStore } from '@kettle/sample-data';
import { runMeasured } from './peak-rss.util';

const { values } = parseArgs({ options: { builds: { type: 'string', default: '2000,50000' }, threads: { type: 'string' }, dir: { type: 'string', default: '/tmp/kettle-bench' }, keep: { type: 'boolean', default: false } } });
const ROOT = resolve(__dirname, '../..');
const KETTLE = join(ROOT, 'bin/kettle.js');

async function main(): Promise<void> {
  mkdirSync(values.dir, { recursive: true });
  console.log('builds\trows\tseconds\trows/s\tXML MB\tMB/s\tpeak RSS MB\tstore MB');
  for (const n of values.builds.split(',').map(Number)) {
    const db = join(values.dir, `store-${n}.db`);
    let gen = { xmlBytes: 0 };
    if (!existsSync(db)) {
      const t0 = Date.now();
      gen = generateStore({ path: db, builds: n, seed: 7, now: Math.floor(Date.now() / 1000) }, (d) => process.stderr.write(`\rgenerating ${d}/${n}`));
      process.stderr.write(`\rgenerated ${n} builds in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const out = join(values.dir, `rows-${n}.ndjson`);
    const args = [KETTLE, 'make-json', '--reset-emitted', '--db', db, '--buckets', join(ROOT, 'buckets.yaml'), '-o', out];
    if (values.threads) args.push('--threads', values.threads);
    const r = await runMeasured(process.execPath, args);
    if (r.code !== 0) throw new Error(`make-json failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const m = /rows (\d+) \(\d+\/s\), JUnit ([\d.]+) MB/.exec(r.stderr.trim().split('\n').filter((l) => l.startsWith('rows ')).pop() ?? '');
    const rows = Number(m?.[1] ?? 0);
    const mb = Number(m?.[2] ?? gen.xmlBytes / 1e6);
    console.log([n, rows, r.seconds.toFixed(1), (rows / r.seconds).toFixed(0), mb.toFixed(0), (mb / r.seconds).toFixed(1), r.peakRssMb.toFixed(0), (statSync(db).size / 1e6).toFixed(0)].join('\t'));
    rmSync(out, { force: true });
    if (!values.keep) rmSync(db, { force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
