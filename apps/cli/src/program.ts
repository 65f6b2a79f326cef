import { Command } from 'commander';

type Register = (program: Command) => void;

/** Each command's module, loaded only when needed. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./commands/run.command')).registerRun,
  collect: async () => (await import('./commands/collect.command')).registerCollect,
  'make-json': async () => (await import('./commands/make-json.command')).registerMakeJson,
  load: async () => (await import('./commands/load.command')).registerLoad,
  monitor: async () => (await import('./commands/monitor.command')).registerMonitor,
  serve: async () => (await import('./commands/serve.command')).registerServe,
  'validate-buckets': async () => (await import('./commands/validate-buckets.command')).registerValidateBuckets,
};

/**
 * The `kettle` command line. Each service contributes its subcommands here,
 * keeping the flags of the original Python tools where they exist.
 *
 * When argv names a command, only that command's module is loaded: the
 * services pull in NestJS and the Pub/Sub and BigQuery clients (~60 MB of
 * RSS and ~0.8 s), which `make-json` and `collect` have no use for.
 * Anything else (`--help`, a typo) loads them all, for the full help and
 * commander's suggestions.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('kettle')
    .description('Kettle: collect CI results from GCS, turn each build into a BigQuery row, load the rows.')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const named = argv[2];
  const chosen = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of chosen) (await COMMANDS[name]())(program);
  return program;
}
