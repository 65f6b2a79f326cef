import 'reflect-metadata';
import { buildProgram } from './program';

buildProgram(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((e: unknown) => {
    process.stderr.write(`kettle: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
