/**
 * A steady stream of new builds, each with its GCS notification, in the
 * background: faults are injected while builds keep arriving, as they do in
 * production (Kubernetes CI finishes a build every few seconds).
 */
import { newBuild, type NewBuild } from './builds.util';
import type { Pipeline } from './pipeline';
import { sleep } from './wait.util';

export class BuildStream {
  readonly written: NewBuild[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly p: Pipeline,
    private readonly job: string,
    /** Pause between builds (pacing, not waiting for anything). */
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (!this.stopped) {
        const b = newBuild(this.job, { tests: 3, failures: this.written.length % 2 });
        try {
          await this.p.writeBuild(b);
          this.written.push(b);
        } catch (e) {
          this.failure = e instanceof Error ? e : new Error(String(e));
          return;
        }
        await sleep(this.intervalMs);
      }
    })();
    return this;
  }

  /** Stops writing; resolves with every build written (and notified). */
  async stop(): Promise<NewBuild[]> {
    this.stopped = true;
    await this.loop;
    if (this.failure) throw this.failure;
    return this.written;
  }
}
