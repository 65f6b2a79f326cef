import type { Problem, ProblemKind } from './collect-problems';
import type { CollectorMetrics } from './collector-metrics';

/** Running totals of one collection, for progress lines, summaries and tests. */
export class CollectStats {
  jobs = 0;
  buildsListed = 0;
  buildsHeld = 0;
  buildsRead = 0;
  buildsStored = 0;
  buildsUnchanged = 0;
  buildsAbsent = 0;
  junitBuilds = 0;
  junitFiles = 0;
  junitBytes = 0;
  junitStoredBytes = 0;
  readonly problems = new Map<ProblemKind, number>();
  readonly startedAt = Date.now();

  /** Counts also go to the service's metrics when given. */
  constructor(private readonly metrics?: CollectorMetrics) {}

  problem(p: Problem): void {
    this.problems.set(p.kind, (this.problems.get(p.kind) ?? 0) + 1);
    this.metrics?.badInput.inc({ kind: p.kind });
  }

  stored(path: string, finished: number | null): void {
    this.buildsStored++;
    if (this.metrics) {
      this.metrics.buildsStored.inc({ bucket: path.split('/')[2] ?? '' });
      if (finished !== null) this.metrics.sawFinished(finished);
    }
  }

  junit(files: number, bytes: number): void {
    this.junitBuilds++;
    this.junitFiles += files;
    this.metrics?.junitFiles.inc(files);
    this.metrics?.junitBytes.inc(bytes);
  }


  get errors(): number {
    let n = 0;
    for (const v of this.problems.values()) n += v;
    return n;
  }

  line(): string {
    const secs = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    return (
      `jobs ${this.jobs}, builds listed ${this.buildsListed} (held ${this.buildsHeld}), read ${this.buildsRead}, ` +
      `stored ${this.buildsStored}, junit ${this.junitFiles} files / ${(this.junitBytes / 1e6).toFixed(1)} MB ` +
      `for ${this.junitBuilds} builds, errors ${this.errors}, ${(this.buildsRead / secs).toFixed(1)} builds/s`
    );
  }
}
