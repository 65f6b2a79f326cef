// Benchmark of `kettle make-json` on a generated realistic store.
//   npx tsx tools/bench/make-json-bench.ts [--builds 2000,50000] [--repeat N] [--threads N] [--dir DIR] [--keep] [--discard]
// --repeat runs each size N times and prints every run: on this shared 2-core
// VM identical runs differ by up to 30 %, so quote the median.
// --discard writes the rows to stdout into /dev/null instead of a file: at
// 1,000,000 builds the NDJSON is ~38 GB, on top of a ~30 GB store.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateStore } from '@kettle/sample-data';
import { runMeasured } from './peak-rss.util';

const { values } = parseArgs({ options: { builds: { type: 'string', default: '2000,50000' }, threads: { type: 'string' }, dir: { type: 'string', default: '/tmp/kettle-bench' }, keep: { type: 'boolean', default: false }, repeat: { type: 'string', default: '1' }, discard: { type: 'boolean', default: false } } });
const ROOT = resolve(__dirname, '../..');
const KETTLE = join(ROOT, 'bin/kettle.js');

async function main(): Promise<void> {
  mkdirSync(values.dir, { recursive: true });
  // `fixed s`: the same command once every build is emitted (process start,
  // module loading, worker start), so `rows/s excl.` shows the throughput
  // once running, which is what the 1M figure converges to. `CPU s`: user +
  // system time of all threads; on a shared machine, `rows/CPU s` x 2 is the
  // better guide to what two free cores would do.
  console.log('builds\trows\tseconds\trows/s\tXML MB\tMB/s\tpeak RSS MB\tstore MB\tfixed s\trows/s excl.\tCPU s\trows/CPU s');
  for (const n of values.builds.split(',').map(Number)) {
    const db = join(values.dir, `store-${n}.db`);
    let gen = { xmlBytes: 0 };
    if (!existsSync(db)) {
      const t0 = Date.now();
      gen = generateStore({ path: db, builds: n, seed: 7, now: Math.floor(Date.now() / 1000) }, (d) => process.stderr.write(`\rgenerating ${d}/${n}`));
      process.stderr.write(`\rgenerated ${n} builds in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const out = join(values.dir, `rows-${n}.ndjson`);
    const args = [KETTLE, 'make-json', '--db', db, '--buckets', join(ROOT, 'buckets.yaml'), ...(values.discard ? [] : ['-o', out])];
    if (values.threads) args.push('--threads', values.threads);
    // bin/kettle.js recompiles dist/ when sources changed (other work in the
    // checkout): let that happen here, not inside the measured run, where it
    // added seconds and the compiler's ~25 MB to the peak RSS.
    await runMeasured(process.execPath, [KETTLE, '--help']);
    const rates: number[] = [];
    for (let run = 0; run < Number(values.repeat); run++) {
      const r = await runMeasured(process.execPath, [...args, '--reset-emitted'], process.env, values.discard);
      if (r.code !== 0) throw new Error(`make-json failed (${r.code}): ${r.stderr.slice(-2000)}`);
      const m = /rows (\d+) \(\d+\/s\), JUnit ([\d.]+) MB/.exec(r.stderr.trim().split('\n').filter((l) => l.startsWith('rows ')).pop() ?? '');
      const rows = Number(m?.[1] ?? 0);
      const mb = Number(m?.[2] ?? gen.xmlBytes / 1e6);
      const fixed = await runMeasured(process.execPath, args, process.env, values.discard);
      const cells = [n, rows, r.seconds.toFixed(1), (rows / r.seconds).toFixed(0), mb.toFixed(0), (mb / r.seconds).toFixed(1), r.peakRssMb.toFixed(0), (statSync(db).size / 1e6).toFixed(0)];
      console.log([...cells, fixed.seconds.toFixed(2), (rows / (r.seconds - fixed.seconds)).toFixed(0), r.cpuSeconds.toFixed(1), (rows / r.cpuSeconds).toFixed(0)].join('\t'));
      console.log(`  RSS MB at each tenth of the run: ${r.rssTimelineMb.map((mb) => mb.toFixed(0)).join(' ')}`);
      rates.push(rows / r.seconds);
    }
    if (rates.length > 1) {
      rates.sort((a, b) => a - b);
      console.log(`${n} builds, ${rates.length} runs: median ${rates[rates.length >> 1].toFixed(0)} rows/s, best ${rates[rates.length - 1].toFixed(0)}, worst ${rates[0].toFixed(0)}`);
    }
    rmSync(out, { force: true });
    if (!values.keep) rmSync(db, { force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
