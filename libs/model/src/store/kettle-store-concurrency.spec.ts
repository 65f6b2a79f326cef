import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KettleStore } from './kettle-store';

const WRITER = join(__dirname, '../../test/concurrent-writer.ts');
const TSX = require.resolve('tsx/cli');

it('one writer process and one reader process share the file without SQLITE_BUSY', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kettle-conc-'));
  const dbPath = join(dir, 'build.db');
  const reader = KettleStore.open(dbPath);
  try {
    const child = spawn(process.execPath, [TSX, WRITER, dbPath, '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let done = false;
    void exited.then(() => (done = true));
    let reads = 0;
    let last = 0;
    while (!done) {
      // Counts only grow: a reader sees whole transactions, never a partial one.
      const n = [...reader.buildsToEmit('build_emitted')].length;
      expect(n).toBeGreaterThanOrEqual(last);
      expect(n % 10 === 0 || n === 3000).toBe(true);
      last = n;
      reader.recordEmitted('build_emitted_reader', []);
      reads++;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect([...reader.buildsToEmit('build_emitted')]).toHaveLength(3000);
    expect(reads).toBeGreaterThan(3);
  } finally {
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
