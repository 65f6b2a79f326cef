import { Option, type Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createGcsReader, gcsOptionsFromEnv } from '@kettle/gcs';
import { createBigQuery, emittedTableOf, ensureTable, parseDataset, parseTables, tableLabel } from '@kettle/load';
import { KettleStore, loadBucketsConfig } from '@kettle/model';
import { generateTree } from '@kettle/sample-data';
import { createLogger, options, positiveInt, Progress } from '@kettle/service';
import { Pipeline } from './run-pipeline';

type RunFlags = {
  buckets?: string;
  gcsRoot?: string;
  db: string;
  out: string;
  tables: string | string[];
  dataset?: string;
  bigqueryEndpoint?: string;
  threads: number;
  buildlimit?: number;
  watch?: boolean;
  relistSeconds: number;
};

const SAMPLE_DIR = 'data/sample-gcs';

/** `kettle run` (`npm start`): the whole pipeline in one process. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Run collector, transformer and loader in one process: collect the buckets into the store, build every row, and write each table as gzip NDJSON (and into BigQuery with --dataset). Without --buckets it runs on a generated sample bucket tree; no cloud account needed.',
    )
    .addOption(new Option('--buckets <file|url>', 'buckets.yaml to collect (default: the bundled sample tree)').env('KETTLE_BUCKETS'))
    .addOption(options.gcsRoot())
    .addOption(new Option('--db <path>', 'SQLite store').env('KETTLE_DB').default('data/build.db'))
    .addOption(new Option('--out <dir>', 'where the NDJSON files go, one <table>.json.gz per table').default('out'))
    .addOption(options.tables('all:0 day:1 week:7'))
    .addOption(options.dataset())
    .addOption(options.bigqueryEndpoint())
    .addOption(new Option('--threads <n>', 'concurrent GCS requests').default(32).argParser(positiveInt('--threads')))
    .addOption(new Option('--buildlimit <n>', 'walk at most the N newest builds of each job').argParser(positiveInt('--buildlimit')))
    .option('--watch', 'keep running: re-list on a timer')
    .addOption(new Option('--relist-seconds <n>', 'seconds between re-lists with --watch').env('KETTLE_RELIST_SECONDS').default(3600).argParser(positiveInt('--relist-seconds')))
    .action(async (flags: RunFlags) => {
      const started = Date.now();
      const log = createLogger({ format: 'text', component: 'run' });
      let bucketsSource = flags.buckets;
      let gcsRoot = flags.gcsRoot;
      if (!bucketsSource) {
        gcsRoot = resolve(SAMPLE_DIR);
        bucketsSource = join(gcsRoot, 'buckets.yaml');
        if (!existsSync(bucketsSource)) {
          const s = generateTree({ root: gcsRoot, seed: 1, now: Math.floor(Date.now() / 1000), jobsPerBucket: 4, buildsPerJob: 12, junitPerBuild: 1.8, sizeScale: 0.12, logRate: 0.1, badInputs: true });
          writeFileSync(bucketsSource, s.bucketsYaml);
          log.info(`generated the sample bucket tree in ${SAMPLE_DIR}: ${s.builds} builds, ${s.junitFiles} JUnit files (${(s.junitBytes / 1e6).toFixed(1)} MB)`);
        }
      }
      const localTables = parseTables(flags.tables, { project: 'local', dataset: 'out' }, 'KETTLE_TABLES/--tables');
      mkdirSync(dirname(resolve(flags.db)), { recursive: true });
      const store = KettleStore.open(flags.db);
      let bigquery: { bq: ReturnType<typeof createBigQuery>; targets: ReturnType<typeof parseTables> } | undefined;
      if (flags.dataset) {
        const ds = parseDataset(flags.dataset, 'KETTLE_DATASET/--dataset');
        const targets = parseTables(flags.tables, ds, 'KETTLE_TABLES/--tables');
        const bq = createBigQuery({ projectId: ds.project, endpoint: flags.bigqueryEndpoint });
        for (const t of targets) await ensureTable(bq, t);
        bigquery = { bq, targets };
      }
      const source = bucketsSource;
      const pipeline = new Pipeline({
        gcs: createGcsReader({ ...gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: process.env.STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS: process.env.GOOGLE_APPLICATION_CREDENTIALS }), root: gcsRoot }),
        store,
        loadBuckets: () => loadBucketsConfig(source),
        outDir: flags.out,
        tables: localTables,
        bigquery,
        threads: flags.threads,
        buildLimit: flags.buildlimit,
        relistSeconds: flags.relistSeconds,
        log,
      });
      const progress = new Progress(() => `${pipeline.collector?.stats.line() ?? 'starting'}; rows ${pipeline.totals.rows}`).start();
      await pipeline.start();
      try {
        await pipeline.runOnce();
      } finally {
        progress.stop();
      }
      const secs = (Date.now() - started) / 1000;
      const stats = pipeline.collector?.stats;
      const lines = [
        `kettle run: ${stats?.buildsStored ?? 0} builds stored (${stats?.buildsHeld ?? 0} already held), ${stats?.junitFiles ?? 0} JUnit files, ${stats?.errors ?? 0} bad inputs skipped`,
        `  rows this run: ${pipeline.totals.rows}, tests ${pipeline.totals.tests}, failures ${pipeline.totals.failures}${pipeline.totals.deadLettered ? `, dead-lettered ${pipeline.totals.deadLettered}` : ''}`,
        ...localTables.map((t) => `  ${t.table.padEnd(8)} ${String(store.countEmitted(emittedTableOf(t))).padStart(7)} rows  ${join(flags.out, `${t.table}.json.gz`)}`),
        ...(bigquery?.targets.map((t) => `  ${tableLabel(t)}: ${store.countEmitted(emittedTableOf(t))} rows loaded`) ?? []),
        `  store ${flags.db}, ${secs.toFixed(1)} s`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
      if (flags.watch) {
        log.info(`watching: re-list every ${flags.relistSeconds} s (Ctrl-C to stop)`);
        const timer = setInterval(() => void pipeline.runOnce().catch((e: unknown) => log.error('re-list failed', { error: e })), flags.relistSeconds * 1000);
        await new Promise<void>((r) => process.once('SIGINT', r).once('SIGTERM', r));
        clearInterval(timer);
      }
      await pipeline.close();
      store.close();
    });
}
