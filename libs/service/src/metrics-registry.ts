import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Watchdog } from './watchdog';

/** A registry per service (never the global one) with kettle_-prefixed process metrics. */
export function createServiceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'kettle_' });
  return registry;
}

/** Exposes a watchdog: work pending per source, and 1 when it has tripped (alerts use it). */
export function registerWatchdogMetrics(registry: Registry, watchdog: Watchdog): void {
  new Gauge({
    name: 'kettle_service_stalled',
    help: '1 when work is pending and nothing progressed within the stall time',
    registers: [registry],
    collect() {
      this.set(watchdog.status().healthy ? 0 : 1);
    },
  });
  new Gauge({
    name: 'kettle_service_pending_work',
    help: 'Work waiting, by source',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const [source, n] of Object.entries(watchdog.pending())) this.set({ source }, n);
    },
  });
  new Gauge({
    name: 'kettle_service_seconds_since_progress',
    help: 'Seconds since the service last made progress',
    registers: [registry],
    collect() {
      this.set(watchdog.status().sinceProgressMs / 1000);
    },
  });
}
