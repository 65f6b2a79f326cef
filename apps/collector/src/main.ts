import 'reflect-metadata';
import { collectorCommand } from '@kettle/collect';

// The collector service (default port 8081). Configuration: flags or environment, see --help.
collectorCommand('collector')
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(JSON.stringify({ severity: 'ERROR', component: 'collector', message: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  });
