import { Command, type Option } from 'commander';
import type { Registry } from 'prom-client';
import { KettleStore, loadBucketsConfig, type BucketsConfig } from '@kettle/model';
import { options } from './cli-options';
import { createLogger, type Logger } from './logger';
import { createServiceRegistry, registerWatchdogMetrics } from './metrics-registry';
import type { ReadinessCheck } from './readiness';
import { Watchdog } from './watchdog';

/** The settings every service takes besides its own (DESIGN §6). */
export type ServiceFlags = {
  project?: string;
  db: string;
  buckets: string;
  port: number;
  createTopics?: boolean;
  maxInFlight: number;
  stallSeconds: number;
  logFormat?: 'json' | 'text';
};

/**
 * A service's command: its own settings between the ones all services share,
 * so the three list them in one order in --help and a shared setting has one
 * definition (name, variable, default, parser).
 */
export function serviceCommand(name: string, description: string, defaults: { port: number; maxInFlight: number }, own: readonly Option[]): Command {
  const command = new Command(name).description(description).addOption(options.project()).addOption(options.db()).addOption(options.buckets());
  for (const option of own) command.addOption(option);
  return command
    .addOption(options.port(defaults.port))
    .addOption(options.createTopics())
    .addOption(options.maxInFlight(defaults.maxInFlight))
    .addOption(options.stallSeconds())
    .addOption(options.logFormat().default('json'));
}

/** What every service opens before its own parts; `sqliteReady` is its /readyz check of the store. */
export type ServiceBasics = { log: Logger; buckets: BucketsConfig; store: KettleStore; registry: Registry; watchdog: Watchdog; sqliteReady: ReadinessCheck };

/**
 * Opens them in the order a bad setting should fail in: the buckets config
 * (an error names the file and each problem) before the store is created.
 */
export async function openServiceBasics(name: string, flags: ServiceFlags): Promise<ServiceBasics> {
  const log = createLogger({ format: flags.logFormat ?? 'json', component: name });
  const buckets = await loadBucketsConfig(flags.buckets);
  const store = KettleStore.open(flags.db);
  const registry = createServiceRegistry(name);
  const watchdog = new Watchdog(flags.stallSeconds * 1000);
  registerWatchdogMetrics(registry, watchdog);
  const sqliteReady: ReadinessCheck = { name: 'sqlite', check: () => Promise.resolve(void store.db.prepare('select 1').get()) };
  return { log, buckets, store, registry, watchdog, sqliteReady };
}
