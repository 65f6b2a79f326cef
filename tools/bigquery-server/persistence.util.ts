import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigQueryStore, StoreSnapshot } from './bigquery.store';

/**
 * Optional --data-dir persistence: the whole state as one JSON file, written a
 * moment after each change (a burst of inserts costs one write) and on close,
 * through a rename so a crash never leaves a half-written file.
 */
export class Persistence {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly store: BigQueryStore,
    private readonly delayMs = 200,
  ) {
    this.file = join(dir, 'bigquery-state.json');
  }

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    this.store.restore(JSON.parse(text) as StoreSnapshot);
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e: unknown) => console.error('bigquery-server: saving state failed:', e));
    }, this.delayMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Writes are chained so two flushes never rename over each other out of order.
    this.writing = this.writing.catch(() => undefined).then(async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(this.store.snapshot()));
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
