// CLI: serve a bucket mirror to the real client, e.g. for benchmarks.
//   npx tsx tools/gcs-server/main.ts --root DIR --port 9023 [--latency-ms 20]
//   STORAGE_EMULATOR_HOST=http://127.0.0.1:9023 npx kettle collect ...

import { Command, InvalidArgumentError } from 'commander';
import type { FaultRule } from './faults.util';
import { startGcsServer } from './gcs-server';

function integer(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--fail-rate must be within 0..1');
  return n;
}

type CliOptions = { root: string; port: number; host: string; latencyMs: number; failRate: number; failStatus: number; hashOnStart?: boolean };

async function main(): Promise<void> {
  const options = new Command()
    .name('gcs-server')
    .description('Serve ROOT/<bucket>/<object> over the subset of the GCS JSON API that Kettle uses.')
    .requiredOption('--root <dir>', 'folder laid out as ROOT/<bucket>/<object>')
    .option('--port <n>', 'port to listen on (0: any free port)', integer('--port', 0), 9023)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--latency-ms <n>', 'latency added to every request', integer('--latency-ms', 0), 0)
    .option('--fail-rate <r>', 'fraction of requests answered with --fail-status', rate, 0)
    .option('--fail-status <n>', 'status for --fail-rate failures', integer('--fail-status', 400), 503)
    .option('--hash-on-start', "compute every object's crc32c and md5 before listening, as GCS does on upload (benchmarks)")
    .parse()
    .opts<CliOptions>();
  const rules: FaultRule[] =
    options.failRate > 0 ? [{ rate: options.failRate, effect: { kind: 'status', status: options.failStatus } }] : [];
  const server = await startGcsServer({
    root: options.root,
    port: options.port,
    host: options.host,
    faults: { latencyMs: options.latencyMs, rules },
    hashOnStart: options.hashOnStart === true,
  });
  process.stdout.write(`gcs-server serving ${options.root} at ${server.url} (STORAGE_EMULATOR_HOST=${server.url})\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`gcs-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
