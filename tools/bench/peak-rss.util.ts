import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * `cpuSeconds`: user + system time of all its threads, as last sampled (50 ms
 * before exit at worst). `rssTimelineMb`: the highest resident memory
 * (VmRSS, MB) in each tenth of the run's time: whether memory is flat or
 * creeps with the run's length, which a single peak cannot tell.
 */
export type RunResult = { code: number | null; seconds: number; peakRssMb: number; rssTimelineMb: number[]; cpuSeconds: number; stderr: string; stdout: string };

// Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux).
const TICKS = 100;

/**
 * Runs a command and samples its peak resident memory (VmHWM covers all its
 * threads). `discardStdout`: its stdout goes to /dev/null, not into memory
 * (for outputs of tens of GB).
 */
export function runMeasured(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, discardStdout = false): Promise<RunResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', discardStdout ? 'ignore' : 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let peak = 0;
    let cpu = 0;
    const rss: { t: number; mb: number }[] = [];
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
        const now = /VmRSS:\s+(\d+) kB/.exec(status);
        if (now) rss.push({ t: Number(process.hrtime.bigint() - t0) / 1e9, mb: Number(now[1]) / 1024 });
        // Fields after the parenthesised command: state is 3rd, utime 14th, stime 15th.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
      } catch {
        // the process has exited
      }
    };
    const timer = setInterval(sample, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ code, seconds, peakRssMb: peak, rssTimelineMb: timeline(rss, seconds), cpuSeconds: cpu, stderr, stdout });
    });
  });
}

/** The highest sample in each tenth of the run (0 where a tenth had none: runs shorter than ~0.5 s). */
function timeline(samples: readonly { t: number; mb: number }[], seconds: number): number[] {
  const tenths = new Array<number>(10).fill(0);
  for (const { t, mb } of samples) {
    const i = Math.min(9, Math.floor((t / seconds) * 10));
    tenths[i] = Math.max(tenths[i], mb);
  }
  return tenths;
}
