import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { createBigQuery, loadTable, parseDataset, tableLabel } from '@kettle/load';
import { KettleStore, loadBucketsConfig } from '@kettle/model';
import { createLogger, nonNegativeNumber, options } from '@kettle/service';

type LoadFlags = { dataset?: string; table: string; days?: number; replace?: boolean; db: string; buckets: string; bigqueryEndpoint?: string; maxBadRecords: number };

/** `kettle load`: make-json into a gzip file and one BigQuery load job (the old update.py). */
export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('Load the rows a BigQuery table does not have yet with one load job; record them emitted for that table when it succeeds.')
    .addOption(options.dataset().makeOptionMandatory())
    .requiredOption('--table <name>', 'destination table in the dataset, e.g. all, day, week')
    .addOption(new Option('--days <n>', 'only builds finished within N days (the table window)').argParser(nonNegativeNumber('--days')))
    .option('--replace', "truncate the table (WRITE_TRUNCATE) and reload every build of the window, resetting the table's emitted state")
    .addOption(new Option('--max-bad-records <n>', 'rows BigQuery may reject before the job fails').default(1000).argParser(Number))
    .addOption(options.db())
    .addOption(options.buckets())
    .addOption(options.bigqueryEndpoint())
    .action(async (flags: LoadFlags) => {
      const ds = parseDataset(flags.dataset ?? '', 'KETTLE_DATASET/--dataset');
      if (!/^[A-Za-z0-9_]{1,1024}$/.test(flags.table)) throw new Error(`--table "${flags.table}": letters, digits and _ only`);
      const target = { ...ds, table: flags.table, days: flags.days ?? 0 };
      const log = createLogger({ format: 'text', component: 'load' });
      const store = KettleStore.open(flags.db);
      try {
        const bq = createBigQuery({ projectId: ds.project, endpoint: flags.bigqueryEndpoint });
        const r = await loadTable(bq, store, await loadBucketsConfig(flags.buckets), target, { replace: flags.replace === true, threads: availableParallelism(), maxBadRecords: flags.maxBadRecords }, log);
        if (r.job) {
          log.info(`${tableLabel(target)}: load job ${r.job.jobId} loaded ${r.job.outputRows} of ${r.rows} rows (${r.job.badRecords} bad)`);
          if (r.job.badRecords > 0) process.exitCode = 1;
        }
      } finally {
        store.close();
      }
    });
}
