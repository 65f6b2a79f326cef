import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The built service as a Deployment runs it: node dist/apps/loader/main.js.
const ROOT = join(__dirname, '../../..');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KETTLE_') && k !== 'GOOGLE_CLOUD_PROJECT'));
  return spawnSync(process.execPath, [join(ROOT, 'dist/apps/loader/main.js'), ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
};

const SETTINGS = ['env: KETTLE_DB', 'env: KETTLE_DATASET', 'env: KETTLE_TABLES', 'env: KETTLE_BIGQUERY_ENDPOINT', 'env: KETTLE_ROWS_TOPIC', 'env: KETTLE_ROWS_SUBSCRIPTION', 'env: PORT', '8083'];
const BAD: [NodeJS.ProcessEnv, string][] = [[{}, 'KETTLE_DATASET (or --dataset) is required'], [{ KETTLE_DATASET: 'nodataset' }, 'KETTLE_DATASET/--dataset "nodataset": expected PROJECT:DATASET'], [{ KETTLE_DATASET: 'proj-x:build', KETTLE_TABLES: 'all day:1' }, 'KETTLE_TABLES/--tables: "all" is not NAME:DAYS'], [{ KETTLE_BIGQUERY_ENDPOINT: 'localhost:9050' }, 'KETTLE_BIGQUERY_ENDPOINT/--bigquery-endpoint must be an http(s) URL']];

// bin/kettle.js compiles dist/ when a source changed.
beforeAll(() => void spawnSync(process.execPath, [join(ROOT, 'bin/kettle.js'), '--help']));

describe('loader service entry point', () => {
  it('--help names its settings and their environment variables', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const s of SETTINGS) expect(help).toContain(s);
  });

  it('refuses to start without a project, naming the setting', () => {
    const r = run([]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('GOOGLE_CLOUD_PROJECT (or --project) is required');
  });

  it.each(BAD)('rejects %j with an error naming the setting', (env, message) => {
    const r = run([], { GOOGLE_CLOUD_PROJECT: 'kettle-test', ...env });
    expect(r.status).not.toBe(0);
    // Errors are JSON log lines; compare on the unescaped text.
    expect(r.stderr.replace(/\\"/g, '"')).toContain(message);
  });
});
