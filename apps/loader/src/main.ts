import 'reflect-metadata';
import { loaderCommand } from '@kettle/load';

// The loader service (default port 8083). Configuration: flags or environment, see --help.
loaderCommand('loader')
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(JSON.stringify({ severity: 'ERROR', component: 'loader', message: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  });
