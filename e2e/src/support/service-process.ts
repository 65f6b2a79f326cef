/**
 * One Kettle service (`node dist/apps/<name>/main.js`, what each Kubernetes
 * Deployment runs) as a child process with its own ops port, for tests that
 * must kill it with SIGKILL and start it again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseMetrics, type MetricSamples } from './metrics.util';

export type ServiceName = 'collector' | 'transformer' | 'loader';

export const REPO_ROOT = join(__dirname, '../../..');

/**
 * The services run from dist/ as in production. Compiled once per test file
 * (SWC, about a second, and nothing when dist/ is current), as `npx kettle` does.
 */
export function ensureBuilt(): void {
  const r = spawnSync(process.execPath, ['-e', "require('./tools/build.js').ensureBuilt()"], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tools/build.js failed: ${r.stderr}`);
}

/**
 * The service runs under a small shell that kills it when the test process
 * disappears, even by SIGKILL (a killed Jest run must not leave three
 * services behind). The shell reports the service's own PID, which is what
 * SIGKILL and SIGTERM are sent to. Arguments: $1 parent PID, then the command.
 */
const WATCHDOG = [
  'parent=$1; shift',
  '"$@" & child=$!',
  'echo "e2e-service-pid $child"',
  '( while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done; kill -KILL "$child" 2>/dev/null ) & watcher=$!',
  'wait "$child"; code=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$code"',
].join('\n');
const PID_LINE = /^e2e-service-pid (\d+)$/;
/** Log lines kept for the error message of a failed test. */
const LOG_LINES = 200;

type LogLine = { message?: string; port?: number };

export class ServiceProcess {
  private readonly lines: string[] = [];
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: ServiceName,
    private readonly shell: ChildProcess,
    readonly pid: number,
    readonly port: number,
    exited: Promise<number | null>,
    backlog: string[],
  ) {
    this.exited = exited.then((code) => (this.exitCode = code));
    this.lines.push(...backlog);
  }

  /** Starts the service and resolves once it logged "<name> started" (transport up, ops port bound). */
  static start(name: ServiceName, env: NodeJS.ProcessEnv, logDir: string, timeoutMs = 30_000): Promise<ServiceProcess> {
    const main = join(REPO_ROOT, 'dist/apps', name, 'main.js');
    const shell = spawn('/bin/sh', ['-c', WATCHDOG, 'e2e-service', String(process.pid), process.execPath, main], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => shell.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    const backlog: string[] = [];
    // Every line also goes to a file, for a failure investigated after the run (KETTLE_E2E_KEEP=1).
    mkdirSync(logDir, { recursive: true });
    const log = createWriteStream(join(logDir, `${name}-${Date.now()}.log`));
    void exited.then(() => log.end());
    let pid = 0;
    let service: ServiceProcess | undefined;
    const onLine = (text: string) => {
      log.write(text + '\n');
      const m = PID_LINE.exec(text);
      if (m) {
        pid = Number(m[1]);
        return;
      }
      if (service) service.push(text);
      else backlog.push(text);
    };
    createInterface({ input: shell.stdout }).on('line', onLine);
    createInterface({ input: shell.stderr }).on('line', onLine);
    return new Promise<ServiceProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        shell.kill('SIGKILL');
        if (pid) process.kill(pid, 'SIGKILL');
        reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${backlog.join('\n')}`));
      }, timeoutMs);
      const poll = setInterval(() => {
        const started = backlog.map(parseLine).find((l) => l?.message === `${name} started`);
        if (!started || !pid) return;
        clearInterval(poll);
        clearTimeout(timer);
        service = new ServiceProcess(name, shell, pid, Number(started.port), exited, backlog);
        resolve(service);
      }, 20);
      void exited.then((code) => {
        if (service) return;
        clearInterval(poll);
        clearTimeout(timer);
        shell.stdout?.destroy();
        shell.stderr?.destroy();
        reject(new Error(`${name} exited with ${code} before it started:\n${backlog.join('\n')}`));
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** `kill -9`: no shutdown hook runs, in-flight messages stay unacked. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    process.kill(this.pid, 'SIGKILL');
    await this.exited;
  }

  /**
   * SIGTERM (graceful: drain, flush, close); SIGKILL when it takes longer than
   * `graceMs`, as Kubernetes does after the grace period. Says which it took.
   */
  async stop(graceMs = 15_000): Promise<{ forced: boolean; ms: number }> {
    const started = Date.now();
    if (!this.running) return { forced: false, ms: 0 };
    let forced = false;
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      forced = this.running;
      if (forced) process.kill(this.pid, 'SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    this.shell.stdout?.destroy();
    this.shell.stderr?.destroy();
    return { forced, ms: Date.now() - started };
  }

  async metrics(): Promise<MetricSamples> {
    return parseMetrics(await this.get('/metrics'));
  }

  async get(path: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (path === '/metrics' && !res.ok) throw new Error(`${this.name} ${path}: HTTP ${res.status}: ${text}`);
    return text;
  }

  async status(path: '/healthz' | '/readyz'): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(5000) });
    await res.text();
    return res.status;
  }

  /** The last lines of output, for an assertion message. */
  tail(n = 30): string {
    return `--- ${this.name} (pid ${this.pid}) ---\n${this.lines.slice(-n).join('\n')}`;
  }

  private push(text: string): void {
    this.lines.push(text);
    if (this.lines.length > LOG_LINES) this.lines.splice(0, this.lines.length - LOG_LINES);
  }
}

function parseLine(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}
