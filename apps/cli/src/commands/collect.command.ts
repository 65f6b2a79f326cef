import { InvalidArgumentError, Option, type Command } from 'commander';
import { Collector, DEFAULT_COLLECT_OPTIONS } from '@kettle/collect/backfill';
import { createGcsReader, gcsOptionsFromEnv } from '@kettle/gcs';
import { KettleStore, loadBucketsConfig } from '@kettle/model';
import { Registry } from 'prom-client';
import { createLogger, options, positiveInt, Progress } from '@kettle/service/cli';

const level = (raw: string): number => {
  if (!/^[0-9]$/.test(raw)) throw new InvalidArgumentError(`--compression-level must be 0-9, got "${raw}"`);
  return Number(raw);
};

type CollectFlags = { buckets: string; junit?: boolean; threads: number; buildlimit?: number; db: string; gcsRoot?: string; project?: string; compressionLevel: number };

/** `kettle collect`: the old make_db.py, one backfill pass of every bucket into the store. */
export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('Walk every bucket of buckets.yaml into the SQLite store (make_db.py): builds, then with --junit their JUnit files.')
    .addOption(options.buckets())
    .option('--junit', 'also fetch JUnit XML for builds that have none recorded')
    .addOption(new Option('--threads <n>', 'concurrent GCS requests').default(DEFAULT_COLLECT_OPTIONS.threads).argParser(positiveInt('--threads')))
    .addOption(new Option('--buildlimit <n>', 'walk at most the N newest builds of each job').argParser(positiveInt('--buildlimit')))
    .addOption(new Option('--compression-level <0-9>', 'zlib level of stored JUnit (the old tool used 9; 1 is several times faster, ~25% larger)').default(DEFAULT_COLLECT_OPTIONS.compressionLevel).argParser(level))
    .addOption(options.db())
    .addOption(options.gcsRoot())
    .addOption(options.project())
    .addHelpText('after', '\nSTORAGE_EMULATOR_HOST points the GCS client at a local server; without credentials, access is anonymous (public buckets).')
    .action(async (flags: CollectFlags) => {
      const log = createLogger({ format: 'text', component: 'collect' });
      const config = await loadBucketsConfig(flags.buckets);
      const registry = new Registry();
      const gcs = createGcsReader({
        registry,
        ...gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: process.env.STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS: process.env.GOOGLE_APPLICATION_CREDENTIALS }),
        root: flags.gcsRoot,
        projectId: flags.project,
      });
      const store = KettleStore.open(flags.db);
      const collector = new Collector(gcs, store, log, {
        ...DEFAULT_COLLECT_OPTIONS,
        threads: flags.threads,
        buildLimit: flags.buildlimit,
        junit: flags.junit === true,
        compressionLevel: flags.compressionLevel,
      });
      const progress = new Progress(() => collector.stats.line()).start();
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        await collector.collect(config, abort.signal);
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        store.close();
      }
      const problems = [...collector.stats.problems].map(([k, n]) => `${k}=${n}`).join(' ');
      const requests = (await registry.getSingleMetric('kettle_gcs_requests_total')?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
      log.info(`collected ${config.buckets.length} buckets into ${flags.db} with ${requests} GCS requests${abort.signal.aborted ? ' (interrupted)' : ''}${problems ? `; skipped bad input: ${problems}` : ''}`);
      if (abort.signal.aborted) process.exitCode = 130;
    });
}
