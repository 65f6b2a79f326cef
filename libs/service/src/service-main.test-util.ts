import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
/** Every service takes these (`serviceCommand`). */
const SHARED_SETTINGS = ['env: GOOGLE_CLOUD_PROJECT', 'env: KETTLE_DB', 'env: KETTLE_BUCKETS', 'env: PORT', 'env: KETTLE_CREATE_TOPICS', 'env: KETTLE_MAX_IN_FLIGHT', 'env: KETTLE_STALL_SECONDS', 'env: KETTLE_LOG_FORMAT'];

/**
 * What a service's entry point must say: `settings`, text its --help must
 * hold besides the shared settings (its own variables, its default port); `bad`, environments it must refuse at boot
 * with an error naming the setting.
 */
export type ServiceMainSpec = { settings: string[]; bad: [NodeJS.ProcessEnv, string][] };

/**
 * The entry-point tests of one service, run on the built file as a
 * Deployment runs it (`node dist/apps/<app>/main.js`), in a clean
 * environment: no KETTLE_* or project leaking in from the caller's.
 */
export function describeServiceMain(app: 'collector' | 'transformer' | 'loader', spec: ServiceMainSpec): void {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KETTLE_') && k !== 'GOOGLE_CLOUD_PROJECT'));
    return spawnSync(process.execPath, [join(ROOT, `dist/apps/${app}/main.js`), ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
  };

  describe(`${app} service entry point`, () => {
    // bin/kettle.js compiles dist/ when a source changed.
    beforeAll(() => void spawnSync(process.execPath, [join(ROOT, 'bin/kettle.js'), '--help']));

    it('--help names its settings and their environment variables', () => {
      const r = run(['--help']);
      expect(r.status).toBe(0);
      const help = r.stdout.replace(/\s+/g, ' ');
      for (const s of [...SHARED_SETTINGS, ...spec.settings]) expect(help).toContain(s);
    });

    it('refuses to start without a project, naming the setting', () => {
      const r = run([]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('GOOGLE_CLOUD_PROJECT (or --project) is required');
    });

    it.each(spec.bad)('rejects %j with an error naming the setting', (env, message) => {
      const r = run([], { GOOGLE_CLOUD_PROJECT: 'kettle-test', ...env });
      expect(r.status).not.toBe(0);
      // Errors are JSON log lines; compare on the unescaped text.
      expect(r.stderr.replace(/\\"/g, '"')).toContain(message);
    });
  });
}
