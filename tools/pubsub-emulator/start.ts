/**
 * Runs a Pub/Sub emulator until killed, for manual use:
 *
 *   npx tsx tools/pubsub-emulator/start.ts [--port N] [--project ID] [--verbose]
 *
 * Prints `PUBSUB_EMULATOR_HOST=...` (and the other client settings) once the
 * emulator listens, so `eval "$(... | head -4)"` style use works too.
 */
import { DEFAULT_EMULATOR_PROJECT, startPubSubEmulator } from './pubsub-emulator';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const portFlag = flag('--port');
  const port = portFlag === undefined ? undefined : Number(portFlag);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`--port must be a TCP port number, got "${portFlag}"`);
  }
  const verbose = process.argv.includes('--verbose');
  const emulator = await startPubSubEmulator({
    port,
    projectId: flag('--project') ?? process.env.GOOGLE_CLOUD_PROJECT ?? DEFAULT_EMULATOR_PROJECT,
    keepAlive: true,
    onLog: verbose ? (line) => console.error(`[emulator] ${line}`) : undefined,
  });
  for (const [key, value] of Object.entries(emulator.env)) console.log(`${key}=${value}`);
  console.error(`Pub/Sub emulator on ${emulator.host} (java pid ${emulator.javaPid}, process group ${emulator.pid}); Ctrl-C to stop.`);

  let stopping = false;
  const shutdown = (): void => {
    stopping = true;
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const code = await emulator.exited;
  if (stopping) return;
  console.error(`Pub/Sub emulator exited unexpectedly (code ${String(code)})`);
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
