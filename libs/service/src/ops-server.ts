import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { runReadiness, type ReadinessCheck } from './readiness';
import type { Watchdog } from './watchdog';

export type OpsServerOptions = {
  port: number;
  host?: string;
  registry: Registry;
  watchdog: Watchdog;
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs?: number;
};

export type OpsServer = { port: number; close(): Promise<void> };

/**
 * /metrics, /healthz and /readyz on a plain node:http server: the services
 * that are Pub/Sub workers need no web framework, and probes must answer even
 * while the event loop is busy with a long batch.
 */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const send = (code: number, body: unknown, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body) + '\n');
    };
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, { error: 'GET only' });
    switch (url) {
      case '/metrics':
        opts.registry
          .metrics()
          .then((text) => send(200, text, opts.registry.contentType))
          .catch((e: unknown) => send(500, { error: String(e) }));
        return;
      case '/healthz': {
        const s = opts.watchdog.status();
        return send(s.healthy ? 200 : 503, s);
      }
      case '/readyz':
        runReadiness(opts.readiness, opts.readinessTimeoutMs ?? 5000)
          .then((r) => send(r.ready ? 200 : 503, r))
          .catch((e: unknown) => send(500, { error: String(e) }));
        return;
      default:
        return send(404, { error: `no such path ${url}; try /metrics, /healthz, /readyz` });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
