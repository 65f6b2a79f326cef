import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PubSub } from '@google-cloud/pubsub';
import { findPubSubEmulator, isProcessGroupAlive, pickFreePort, startPubSubEmulator } from './pubsub-emulator';

jest.setTimeout(30_000);

/** Set by tools/testing/pubsub-emulator.global-setup.ts when this machine has no emulator. */
const skipReason = process.env.KETTLE_PUBSUB_EMULATOR_SKIPPED;
const describeIfEmulator = skipReason ? describe.skip : describe;

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessGroupAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** PIDs of processes whose command line asks for `--port=<port>` (Linux /proc). */
function javaProcessesOnPort(port: number): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--port=${port}`);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('findPubSubEmulator', () => {
  test('says why when the launcher is missing', async () => {
    await expect(findPubSubEmulator('/nonexistent/cloud-pubsub-emulator')).resolves.toEqual({
      ok: false,
      reason: expect.stringContaining('no Pub/Sub emulator at /nonexistent/cloud-pubsub-emulator') as string,
    });
  });
});

describeIfEmulator(`Pub/Sub emulator launcher${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  test('starts on a free port, serves clients, and stop() leaves no process and frees the port', async () => {
    const emulator = await startPubSubEmulator({ projectId: 'launcher-test' });
    expect(emulator.host).toBe(`127.0.0.1:${emulator.port}`);
    expect(emulator.env).toEqual({
      PUBSUB_EMULATOR_HOST: emulator.host,
      PUBSUB_PROJECT_ID: 'launcher-test',
      GOOGLE_CLOUD_PROJECT: 'launcher-test',
      METADATA_SERVER_DETECTION: 'none',
    });
    expect(emulator.javaPid).toBeGreaterThan(0);
    const pubsub = new PubSub({ projectId: 'launcher-test', apiEndpoint: emulator.host });
    const [topic] = await pubsub.createTopic('launcher-smoke');
    expect(topic.name).toBe('projects/launcher-test/topics/launcher-smoke');
    await pubsub.close();

    await emulator.stop();
    expect(isProcessGroupAlive(emulator.pid)).toBe(false);
    expect(() => process.kill(emulator.javaPid, 0)).toThrow(); // the JVM itself is gone
    (await listenOn(emulator.port)).close(); // the port is free again
    await emulator.stop(); // idempotent
  });

  test('a port clash is detected from the log, the clashing JVM is killed, and a fixed port fails clearly', async () => {
    const port = await pickFreePort();
    const blocker = await listenOn(port);
    try {
      await expect(startPubSubEmulator({ port, startTimeoutMs: 20_000 })).rejects.toThrow(`port ${port} is taken`);
      expect(javaProcessesOnPort(port)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  test('the JVM dies with the process that started it, even on SIGKILL', async () => {
    const cli = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'start.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const groupPid = await new Promise<number>((resolve, reject) => {
      createInterface({ input: cli.stderr }).on('line', (line) => {
        const match = /process group (\d+)/.exec(line);
        if (match) resolve(Number(match[1]));
      });
      cli.once('exit', (code) => reject(new Error(`start.ts exited with ${String(code)}`)));
    });
    expect(isProcessGroupAlive(groupPid)).toBe(true);
    cli.kill('SIGKILL');
    expect(await gone(groupPid, 5_000)).toBe(true);
  });
});
