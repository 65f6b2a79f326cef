import type { Command } from 'commander';
import { BucketsConfigError, loadBucketsConfig } from '@kettle/model';

export function registerValidateBuckets(program: Command): void {
  program
    .command('validate-buckets')
    .description('Check a buckets.yaml (path or URL) and print the buckets it holds, or each problem.')
    .argument('[file]', 'buckets.yaml path or http(s) URL', 'buckets.yaml')
    .action(async (file: string) => {
      try {
        const cfg = await loadBucketsConfig(file);
        for (const b of cfg.buckets) {
          const flags = [b.sequential ? 'sequential' : 'listed', b.pr ? 'pr' : '', b.excludeJobs.length ? `${b.excludeJobs.length} excluded` : '']
            .filter(Boolean)
            .join(', ');
          process.stdout.write(`${b.key}\tprefix=${JSON.stringify(b.prefix)}\tcontact=${b.contact}\t${flags}\n`);
        }
        process.stderr.write(`${file}: ${cfg.buckets.length} buckets OK\n`);
      } catch (e) {
        if (!(e instanceof BucketsConfigError)) throw e;
        process.stderr.write(e.message + '\n');
        process.exitCode = 1;
      }
    });
}
