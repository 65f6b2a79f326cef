export * from './build-json.types';
export * from './row.types';
export * from './schema';
export * from './messages.types';
export * from './buckets.types';
export * from './stored-build.types';
