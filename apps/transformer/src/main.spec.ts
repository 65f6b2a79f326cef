import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The built service as a Deployment runs it: node dist/apps/transformer/main.js.
const ROOT = join(__dirname, '../../..');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KETTLE_') && k !== 'GOOGLE_CLOUD_PROJECT'));
  return spawnSync(process.execPath, [join(ROOT, 'dist/apps/transformer/main.js'), ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
};

const SETTINGS = ['env: KETTLE_DB', 'env: KETTLE_BUILDS_TOPIC', 'env: KETTLE_BUILDS_SUBSCRIPTION', 'env: KETTLE_ROWS_TOPIC', 'env: PORT', '8082'];
const BAD: [NodeJS.ProcessEnv, string][] = [[{ PORT: 'http' }, 'PORT/--port must be 0-65535'], [{ KETTLE_BUCKETS: '/nonexistent/buckets.yaml' }, '/nonexistent/buckets.yaml: 1 problem(s) in buckets config']];

// bin/kettle.js compiles dist/ when a source changed.
beforeAll(() => void spawnSync(process.execPath, [join(ROOT, 'bin/kettle.js'), '--help']));

describe('transformer service entry point', () => {
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
