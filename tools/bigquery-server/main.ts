/**
 * CLI: `npx tsx tools/bigquery-server/main.ts --port 9050 [--host H] [--data-dir DIR] [--faults FILE.json]`
 *
 * Prints `bigquery-server listening on URL` once ready (scripts wait for that
 * line), then serves until SIGINT/SIGTERM. Faults can be changed at runtime with
 * `PUT URL/_admin/faults` (same JSON as --faults); `GET URL/_admin/stats` and
 * `POST URL/_admin/reset` help benchmarks.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBigQueryServer } from './bigquery-server';
import { parseFaults } from './faults.util';
import type { ServerOptions } from './server.types';

export function parseCli(argv: string[]): ServerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '9050' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      faults: { type: 'string' },
      'dedupe-window-ms': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0-65535, got "${values.port}"`);
  const options: ServerOptions = { port, host: values.host };
  if (values['data-dir']) options.dataDir = values['data-dir'];
  if (values.faults) options.faults = parseFaults(JSON.parse(readFileSync(values.faults, 'utf8')));
  if (values['dedupe-window-ms'] !== undefined) {
    const ms = Number(values['dedupe-window-ms']);
    if (!Number.isFinite(ms) || ms < 0) throw new Error('--dedupe-window-ms: expected a non-negative number');
    options.dedupeWindowMs = ms;
  }
  return options;
}

async function main(): Promise<void> {
  let options: ServerOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`bigquery-server: ${(e as Error).message}`);
    process.exit(2);
  }
  const server = await startBigQueryServer(options);
  console.log(`bigquery-server listening on ${server.url}`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error('bigquery-server: close failed:', e);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) void main();
