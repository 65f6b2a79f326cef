import 'reflect-metadata';
import { transformerCommand } from '@kettle/transform';

// The transformer service (default port 8082). Configuration: flags or environment, see --help.
transformerCommand('transformer')
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(JSON.stringify({ severity: 'ERROR', component: 'transformer', message: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  });
