import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { isBuildPath, KettleStore, loadBucketsConfig } from '@kettle/model';
import { createLogger, nonNegativeNumber, options, Progress } from '@kettle/service/cli';
import { makeJson, oldestEmittedIsOlderThan, openNdjsonOutput } from '@kettle/transform/make-json';

type MakeJsonFlags = { days?: number; resetEmitted?: boolean; assertOldest?: number; output?: string; db: string; buckets: string; threads: number };

/** `kettle make-json`: the old make_json.py, flag for flag. */
export function registerMakeJson(program: Command): void {
  program
    .command('make-json')
    .description('Write the BigQuery rows of builds not yet emitted (make_json.py) as NDJSON, oldest first.')
    .argument('[paths...]', 'emit exactly these gs:// build paths (into a scratch emitted-table, reset first)')
    .addOption(new Option('--days <n>', 'builds finished within N days, tracked in build_emitted_<N>').argParser(nonNegativeNumber('--days')))
    .option('--reset-emitted', 'forget which builds were emitted to this window, and emit them all again')
    .addOption(new Option('--assert-oldest <days>', 'write nothing; exit 1 when the oldest build already emitted to this window is older than DAYS').argParser(nonNegativeNumber('--assert-oldest')))
    .option('-o, --output <file>', 'write rows to FILE (gzip when it ends in .gz) instead of stdout')
    .addOption(options.db())
    .addOption(options.buckets())
    .addOption(new Option('--threads <n>', 'worker threads parsing JUnit').default(Math.max(1, availableParallelism())).argParser(Number))
    .action(async (paths: string[], flags: MakeJsonFlags) => {
      const bad = paths.filter((p) => !isBuildPath(p.replace(/\/+$/, '')));
      if (bad.length > 0) throw new Error(`not gs:// build paths: ${bad.join(' ')}`);
      const store = KettleStore.open(flags.db);
      try {
        if (flags.assertOldest !== undefined) {
          process.exitCode = oldestEmittedIsOlderThan(store, flags.days, flags.assertOldest) ? 1 : 0;
          return;
        }
        const buckets = await loadBucketsConfig(flags.buckets);
        const log = createLogger({ format: 'text', component: 'make-json' });
        const out = openNdjsonOutput(flags.output);
        let last = { rows: 0, skipped: 0, xmlBytes: 0, startedAt: Date.now() };
        const progress = new Progress(() => {
          const secs = Math.max(0.001, (Date.now() - last.startedAt) / 1000);
          return `rows ${last.rows} (${(last.rows / secs).toFixed(0)}/s), JUnit ${(last.xmlBytes / 1e6).toFixed(1)} MB (${(last.xmlBytes / 1e6 / secs).toFixed(1)} MB/s), skipped ${last.skipped}`;
        }).start();
        const r = await makeJson(
          store,
          buckets,
          out,
          { days: flags.days || undefined, resetEmitted: flags.resetEmitted, paths: paths.map((p) => p.replace(/\/+$/, '')), threads: flags.threads, onProgress: (p) => (last = p) },
          log,
        );
        progress.stop();
        process.stderr.write(r.gen === null ? 'no rows emitted\n' : `incremental progress gen #${r.gen}\n`);
      } finally {
        store.close();
      }
    });
}
