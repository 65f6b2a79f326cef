import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kettle } from './test/run-kettle.util';

const PROGRAM = join(__dirname, '../../../dist/apps/cli/src/program.js');
const SERVICE_MODULES = /node_modules\/(@nestjs\/|@google-cloud\/(pubsub|bigquery)\/)/;

/** The modules a process has loaded once `kettle <argv>` is set up (compiled dist/, as users run it). */
function modulesLoadedFor(argv: string[]): string[] {
  const probe = `require(${JSON.stringify(PROGRAM)}).buildProgram(${JSON.stringify(['node', 'kettle', ...argv])}).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache))))`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

describe('kettle command line', () => {
  beforeAll(async () => {
    // bin/kettle.js compiles dist/ when the sources changed; the probes read it.
    expect((await kettle(['--help'])).code).toBe(0);
  });

  it('--help lists every command', async () => {
    const r = await kettle(['--help']);
    for (const c of ['run', 'collect', 'make-json', 'load', 'monitor', 'serve', 'validate-buckets']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it.each([['make-json'], ['collect'], ['validate-buckets']])('%s loads neither NestJS nor the Pub/Sub and BigQuery clients', (cmd) => {
    const loaded = modulesLoadedFor([cmd, '--help']);
    expect(loaded.some((m) => m.includes(`${cmd}.command.js`))).toBe(true);
    expect(loaded.filter((m) => SERVICE_MODULES.test(m))).toEqual([]);
  });

  it('the service commands do load them (the probe can tell)', () => {
    expect(modulesLoadedFor(['serve', '--help']).some((m) => SERVICE_MODULES.test(m))).toBe(true);
  });

  it('a mistyped command is refused with a suggestion', async () => {
    const r = await kettle(['make-jsn']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'make-jsn'[\s\S]*make-json/);
  });
});
