export * from './collector';
export * from './collect-stats';
export * from './collect-problems';
export * from './junit-strip.util';
export * from './natural-sort.util';
export * from './build-documents';
export * from './collector-metrics';
