import { Counter } from 'prom-client';
import { startOpsServer, type OpsServer } from './ops-server';
import { createServiceRegistry, registerWatchdogMetrics } from './metrics-registry';
import { Watchdog } from './watchdog';

describe('ops server', () => {
  let now = 0;
  let pending = 0;
  let dependencyUp = true;
  let server: OpsServer;
  const watchdog = new Watchdog(1000, () => now);
  const registry = createServiceRegistry('test');
  new Counter({ name: 'kettle_test_things_total', help: 'things', registers: [registry] }).inc(3);
  watchdog.watch('queue', () => pending);
  registerWatchdogMetrics(registry, watchdog);

  beforeAll(async () => {
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      watchdog,
      readiness: [{ name: 'dep', check: () => (dependencyUp ? Promise.resolve() : Promise.reject(new Error('refused'))) }],
    });
  });
  afterAll(() => server.close());
  const get = (p: string) => fetch(`http://127.0.0.1:${server.port}${p}`);

  it('serves kettle_ metrics including process metrics', async () => {
    const text = await (await get('/metrics')).text();
    expect(text).toContain('kettle_test_things_total{service="test"} 3');
    expect(text).toContain('kettle_process_cpu_user_seconds_total');
  });

  it('/healthz fails only when work is pending and nothing progressed for too long', async () => {
    now = 5000;
    expect((await get('/healthz')).status).toBe(200); // idle: nothing pending
    pending = 2;
    expect((await get('/healthz')).status).toBe(503);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('kettle_service_stalled{service="test"} 1');
    expect(metrics).toContain('kettle_service_pending_work{source="queue",service="test"} 2');
    watchdog.progress();
    expect((await get('/healthz')).status).toBe(200);
    now = 5500;
    expect((await get('/healthz')).status).toBe(200);
  });

  it('/readyz reflects dependency checks', async () => {
    expect((await get('/readyz')).status).toBe(200);
    dependencyUp = false;
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, results: { dep: 'refused' } });
  });

  it('answers 404 naming the known paths', async () => {
    expect((await get('/nope')).status).toBe(404);
  });
});
