import { Command } from 'commander';
import { registerCollect } from './commands/collect.command';
import { registerLoad } from './commands/load.command';
import { registerMonitor } from './commands/monitor.command';
import { registerMakeJson } from './commands/make-json.command';
import { registerRun } from './commands/run.command';
import { registerServe } from './commands/serve.command';
import { registerValidateBuckets } from './commands/validate-buckets.command';

/**
 * The `kettle` command line. Each service contributes its subcommands here,
 * keeping the flags of the original Python tools where they exist.
 */
export function buildProgram(): Command {
  const program = new Command('kettle')
    .description('Kettle: collect CI results from GCS, turn each build into a BigQuery row, load the rows.')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerRun(program);
  registerCollect(program);
  registerMakeJson(program);
  registerLoad(program);
  registerMonitor(program);
  registerServe(program);
  registerValidateBuckets(program);
  return program;
}
