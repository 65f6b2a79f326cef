/**
 * Starts and stops the Google Pub/Sub emulator (the Java one that ships with
 * the gcloud SDK) for tests, benchmarks and local runs.
 *
 * Why not `gcloud beta emulators pubsub start`: that is a Python wrapper around
 * a shell script around Java; killing the wrapper orphans the Java process. We
 * run the SDK's launcher script directly (it `exec`s java, so the PID we hold is
 * the JVM's) in its own process group, and stop it by group.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** Where the launcher lives under the SDK root (`gcloud info` installation.sdk_root). */
export const EMULATOR_LAUNCHER_PATH = 'platform/pubsub-emulator/bin/cloud-pubsub-emulator';
export const DEFAULT_EMULATOR_PROJECT = 'kettle-test';

export type EmulatorLookup = { ok: true; launcher: string } | { ok: false; reason: string };

export type StartEmulatorOptions = {
  /** Project id exported to clients (the emulator accepts any). */
  projectId?: string;
  /** Interface to bind; 127.0.0.1 keeps it off the network. */
  bindHost?: string;
  /** A fixed port; by default a free one is picked (and re-picked on a clash). */
  port?: number;
  /** The `cloud-pubsub-emulator` script; by default found through gcloud. */
  launcher?: string;
  /** How long to wait for "listening on <port>"; the JVM needs ~1.5 s here. */
  startTimeoutMs?: number;
  /** Free ports tried before giving up (a port can be taken between pick and bind). */
  portAttempts?: number;
  /** Keep the Node process alive while the emulator runs (the CLI wants this). */
  keepAlive?: boolean;
  /** Every log line of the emulator, e.g. for a --verbose CLI. */
  onLog?: (line: string) => void;
};

export type EmulatorEnv = {
  PUBSUB_EMULATOR_HOST: string;
  PUBSUB_PROJECT_ID: string;
  GOOGLE_CLOUD_PROJECT: string;
  /** Stops google-auth-library probing 169.254.169.254 for credentials. */
  METADATA_SERVER_DETECTION: 'none';
};

export type RunningEmulator = {
  /** `127.0.0.1:PORT`, the value for PUBSUB_EMULATOR_HOST / apiEndpoint. */
  host: string;
  port: number;
  projectId: string;
  /** PID of the process group leader (a watchdog shell); stop() signals the whole group. */
  pid: number;
  /** PID of the JVM itself (inside that group). */
  javaPid: number;
  env: EmulatorEnv;
  /** Kills the process group (TERM, then KILL after 5 s) and waits for it to be gone. */
  stop(): Promise<void>;
  /** Resolves when the JVM exits, for whatever reason. */
  exited: Promise<number | null>;
};

/**
 * Runs the launcher (which execs java) in the background of a small shell that
 * is the process group leader. The shell reports the JVM's PID, and kills the
 * JVM when the Node process that started it disappears, even by SIGKILL (a
 * killed Jest run must not leave an emulator behind).
 * Arguments: $1 launcher, $2 host, $3 port, $4 parent PID.
 */
const WATCHDOG = [
  '"$1" --host="$2" --port="$3" & jvm=$!',
  'echo "kettle-emulator-jvm-pid $jvm"',
  "trap 'kill -TERM $jvm 2>/dev/null; wait $jvm; exit 143' TERM INT HUP",
  'while kill -0 "$4" 2>/dev/null && kill -0 $jvm 2>/dev/null; do sleep 1; done',
  'kill -TERM $jvm 2>/dev/null; wait $jvm',
].join('\n');
const JVM_PID_LINE = /^kettle-emulator-jvm-pid (\d+)$/;
const READY_LINE = /Server started, listening on (\d+)/;
const BIND_FAILURE = /Failed to bind|Address already in use|BindException/;
const LOG_TAIL = 40;

class PortClashError extends Error {}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err: Error | null, stdout: string) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds the emulator launcher and checks Java is there to run it. */
export async function findPubSubEmulator(launcher?: string): Promise<EmulatorLookup> {
  let found = launcher;
  if (!found) {
    const gcloud = onPath('gcloud');
    if (!gcloud) return { ok: false, reason: 'gcloud is not on PATH (install the Google Cloud SDK and its pubsub-emulator component)' };
    let sdkRoot: string;
    try {
      sdkRoot = (await run(gcloud, ['info', '--format=value(installation.sdk_root)'], 20_000)).trim();
    } catch (err) {
      return { ok: false, reason: `\`gcloud info\` failed: ${(err as Error).message.split('\n')[0]}` };
    }
    found = path.join(sdkRoot, EMULATOR_LAUNCHER_PATH);
  }
  if (!existsSync(found)) {
    return { ok: false, reason: `no Pub/Sub emulator at ${found} (gcloud components install pubsub-emulator, or apt-get install google-cloud-cli-pubsub-emulator)` };
  }
  const javaHome = process.env.JAVA_HOME;
  const java = javaHome ? path.join(javaHome, 'bin', 'java') : onPath('java');
  if (!java || !isExecutable(java)) return { ok: false, reason: 'Java is not installed (the Pub/Sub emulator needs a JRE on PATH or JAVA_HOME)' };
  return { ok: true, launcher: found };
}

/** A port the OS says is free right now (it can still be taken before the JVM binds it). */
export function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

export function emulatorEnv(host: string, projectId: string): EmulatorEnv {
  return { PUBSUB_EMULATOR_HOST: host, PUBSUB_PROJECT_ID: projectId, GOOGLE_CLOUD_PROJECT: projectId, METADATA_SERVER_DETECTION: 'none' };
}

/** True while any process of the group still exists. */
export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessGroupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export async function startPubSubEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const lookup = await findPubSubEmulator(options.launcher);
  if (!lookup.ok) throw new Error(`Pub/Sub emulator unavailable: ${lookup.reason}`);
  const bindHost = options.bindHost ?? '127.0.0.1';
  const attempts = options.port ? 1 : (options.portAttempts ?? 3);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await pickFreePort(bindHost));
    try {
      return await launch(lookup.launcher, bindHost, port, options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortClashError)) throw err;
    }
  }
  throw lastError;
}

async function launch(launcher: string, bindHost: string, port: number, options: StartEmulatorOptions): Promise<RunningEmulator> {
  const projectId = options.projectId ?? DEFAULT_EMULATOR_PROJECT;
  const child: ChildProcess = spawn('/bin/sh', ['-c', WATCHDOG, 'kettle-pubsub-emulator', launcher, bindHost, String(port), String(process.pid)], {
    // Its own process group: stop() signals the group, so neither the shell nor
    // the JVM can outlive it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${launcher}`);

  const tail: string[] = [];
  let javaPid = 0;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Kill the JVM if this Node process exits without calling stop() (a crashed
  // Jest run must not leave an emulator behind).
  const onExit = (): void => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);

  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string): void => {
      const pidMatch = JVM_PID_LINE.exec(line);
      if (pidMatch) {
        javaPid = Number(pidMatch[1]);
        return;
      }
      tail.push(line);
      if (tail.length > LOG_TAIL) tail.shift();
      options.onLog?.(line);
      const match = READY_LINE.exec(line);
      if (match) {
        // Another emulator answering on a different port is not ours to use.
        if (Number(match[1]) === port) resolve();
        else reject(new PortClashError(`emulator reported port ${match[1]}, expected ${port}`));
      } else if (BIND_FAILURE.test(line)) {
        reject(new PortClashError(`port ${port} is taken: ${line}`));
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      // Always drained: a full pipe would block the JVM's logging thread.
      if (stream) createInterface({ input: stream }).on('line', onLine);
    }
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`emulator exited with code ${String(code)} before it was ready:\n${tail.join('\n')}`)));
  });

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`emulator not listening on ${port} after ${timeoutMs} ms:\n${tail.join('\n')}`)), timeoutMs);
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      killGroup(pid, 'SIGTERM');
      if (!(await waitGroupGone(pid, 5_000))) {
        killGroup(pid, 'SIGKILL');
        await waitGroupGone(pid, 5_000);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 1_000)))]);
      clearTimeout(timer);
      process.removeListener('exit', onExit);
    })();
    return stopping;
  };

  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }

  if (!options.keepAlive) {
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  const host = `${bindHost}:${port}`;
  return { host, port, projectId, pid, javaPid, env: emulatorEnv(host, projectId), stop, exited };
}
