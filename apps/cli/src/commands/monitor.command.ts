import { Option, type Command } from 'commander';
import { createBigQuery, parseTableRef, reportTable } from '@kettle/load';
import { nonNegativeNumber, options } from '@kettle/service';

type MonitorFlags = { table: string[]; stale: number; bigqueryEndpoint?: string };

/** `kettle monitor`: the old monitor.py. */
export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description('Print size, rows, last modified time and age of BigQuery tables as JSON lines; exit 1 when any is older than --stale hours.')
    .requiredOption('--table <project:dataset.table...>', 'tables to check (repeatable)')
    .addOption(new Option('--stale <hours>', 'age in hours above which a table is stale').makeOptionMandatory().argParser(nonNegativeNumber('--stale')))
    .addOption(options.bigqueryEndpoint())
    .action(async (flags: MonitorFlags) => {
      let stale = false;
      for (const ref of flags.table.map((t) => parseTableRef(t))) {
        const bq = createBigQuery({ projectId: ref.project, endpoint: flags.bigqueryEndpoint });
        const r = await reportTable(bq, ref, flags.stale);
        process.stdout.write(JSON.stringify(r) + '\n');
        stale ||= r.stale;
      }
      process.exitCode = stale ? 1 : 0;
    });
}
