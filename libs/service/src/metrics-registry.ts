import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry per service (never the global one) with kettle_-prefixed process metrics. */
export function createServiceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'kettle_' });
  return registry;
}
