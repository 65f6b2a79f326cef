export * from './watchdog';
export * from './readiness';
export * from './ops-server';
export * from './metrics-registry';
export * from './bootstrap-service';
export * from './deadline.util';
export * from './logger';
