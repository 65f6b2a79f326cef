import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCli } from './main';
import { testClient } from './test-client.util';

const TSX = join(__dirname, '../../node_modules/tsx/dist/cli.mjs');

/** Start the CLI as scripts do and wait for its "listening on URL" line. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [TSX, join(__dirname, 'main.ts'), '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /^bigquery-server listening on (\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  return { child, url };
}

const stop = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('main.ts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bq-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses flags and refuses bad ones', () => {
    expect(parseCli(['--port', '9051', '--data-dir', '/d', '--dedupe-window-ms', '5'])).toEqual({ port: 9051, host: '127.0.0.1', dataDir: '/d', dedupeWindowMs: 5 });
    expect(() => parseCli(['--port', 'x'])).toThrow(/--port/);
    expect(() => parseCli(['--nope'])).toThrow();
  });

  it('serves with faults from a file, keeps state in --data-dir across restarts, exits 0 on SIGTERM', async () => {
    const faults = join(dir, 'faults.json');
    writeFileSync(faults, JSON.stringify({ rules: [{ method: 'POST', path: '/datasets$', times: 1, fault: { kind: 'status', status: 503 } }] }));
    const first = await startCli(['--data-dir', dir, '--faults', faults]);
    const bq = testClient(first.url);
    await expect(bq.createDataset('build')).rejects.toMatchObject({ code: 503 });
    const [ds] = await bq.createDataset('build');
    const [table] = await ds.createTable('all', { schema: { fields: [{ name: 'number', type: 'INTEGER' }] } });
    await table.insert([{ insertId: '1', json: { number: '1234567890123456789' } }], { raw: true });
    expect(await stop(first.child)).toBe(0);

    const second = await startCli(['--data-dir', dir]);
    try {
      const [rows] = await testClient(second.url).dataset('build').table('all').getRows({ wrapIntegers: true });
      expect(rows.map((r) => (r.number as { value: string }).value)).toEqual(['1234567890123456789']);
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  }, 20_000);
});
