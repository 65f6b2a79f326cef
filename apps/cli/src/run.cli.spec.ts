import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { kettle } from './test/run-kettle.util';

let cwd: string;
beforeAll(() => (cwd = mkdtempSync(join(tmpdir(), 'kettle-run-'))));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const lines = (file: string) => gunzipSync(readFileSync(join(cwd, file))).toString().trim().split('\n').filter(Boolean);

describe('kettle run (npm start) on the bundled sample', () => {
  it('collects the sample tree, writes every table as gzip NDJSON and prints a summary', async () => {
    const r = await kettle(['run'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kettle run: \d+ builds stored/);
    expect(r.stdout).toMatch(/rows this run: \d+, tests \d+, failures \d+/);
    for (const t of ['all', 'day', 'week']) expect(existsSync(join(cwd, 'out', `${t}.json.gz`))).toBe(true);
    const all = lines('out/all.json.gz');
    expect(all.length).toBeGreaterThan(50);
    expect(lines('out/week.json.gz').length).toBeLessThan(all.length);
    // Bad inputs in the sample are reported, and the run went on.
    expect(r.stderr).toContain('ci-kettle-bad-input/1/started.json: invalid_json');
  }, 120_000);

  it('writes exactly the rows kettle make-json writes for the same store', async () => {
    const mj = await kettle(['make-json', '--db', 'data/build.db', '--buckets', 'data/sample-gcs/buckets.yaml', '--reset-emitted'], { cwd });
    expect(mj.code).toBe(0);
    expect(lines('out/all.json.gz').sort()).toEqual(mj.stdout.trim().split('\n').sort());
  }, 60_000);

  it('a second run adds nothing twice', async () => {
    const before = lines('out/all.json.gz').length;
    const r = await kettle(['run'], { cwd });
    expect(r.stdout).toContain('rows this run: 0');
    expect(lines('out/all.json.gz')).toHaveLength(before);
  }, 120_000);
});
