// Generates a bucket tree: npx tsx tools/generate-tree.ts --root DIR [--builds-per-job N] ...
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateTree } from '@kettle/sample-data';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '4' },
    'builds-per-job': { type: 'string', default: '10' },
    'junit-per-build': { type: 'string', default: '1.8' },
    'size-scale': { type: 'string', default: '1' },
    'log-rate': { type: 'string', default: '0.1' },
    'bad-inputs': { type: 'boolean', default: false },
    now: { type: 'string' },
  },
});
if (!values.root) {
  process.stderr.write('usage: generate --root DIR [--jobs N] [--builds-per-job N] [--junit-per-build X] [--size-scale X] [--log-rate X] [--bad-inputs] [--seed N]\n');
  process.exit(2);
}
const t0 = Date.now();
const s = generateTree({
  root: values.root,
  seed: Number(values.seed),
  now: values.now ? Number(values.now) : Math.floor(Date.now() / 1000),
  jobsPerBucket: Number(values.jobs),
  buildsPerJob: Number(values['builds-per-job']),
  junitPerBuild: Number(values['junit-per-build']),
  sizeScale: Number(values['size-scale']),
  logRate: Number(values['log-rate']),
  badInputs: values['bad-inputs'],
});
writeFileSync(join(values.root, 'buckets.yaml'), s.bucketsYaml);
process.stderr.write(
  `generated ${s.builds} builds (${s.finished} finished), ${s.junitFiles} JUnit files, ${(s.junitBytes / 1e6).toFixed(1)} MB, ${s.objects} objects in ${Date.now() - t0} ms under ${values.root}\n`,
);
