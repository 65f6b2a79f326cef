// What a command line needs, without NestJS or the Google clients: `kettle
// --help` and the batch commands load this instead of the whole library
// (the full one costs ~25 MB of RSS and ~0.3 s before any work).
export * from './cli-options';
export * from './logger';
export * from './progress';
