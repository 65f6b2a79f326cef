import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Registry } from 'prom-client';
import { startOpsServer, type OpsServer } from './ops-server';
import type { ReadinessCheck } from './readiness';
import type { Watchdog } from './watchdog';

export type ServiceHandle = {
  app: INestApplicationContext;
  ops: OpsServer;
  close(): Promise<void>;
};

export type BootstrapOptions = {
  name: string;
  module: Type<unknown>;
  port: number;
  registry: Registry;
  watchdog: Watchdog;
  readiness?: readonly ReadinessCheck[];
  /** Runs after the module is initialised (start consumers, timers, ...). */
  start?: (app: INestApplicationContext) => Promise<void>;
};

/**
 * Boots a worker service: a Nest application context (no web framework; the
 * services are Pub/Sub workers) plus the ops HTTP server, and shuts both down
 * on SIGTERM/SIGINT so in-flight work is finished or handed back.
 */
export async function bootstrapService(opts: BootstrapOptions): Promise<ServiceHandle> {
  const app = await NestFactory.createApplicationContext(opts.module, { bufferLogs: false });
  app.enableShutdownHooks();
  const ops = await startOpsServer({
    port: opts.port,
    registry: opts.registry,
    watchdog: opts.watchdog,
    readiness: opts.readiness ?? [],
  });
  if (opts.start) await opts.start(app);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await ops.close();
      await app.close();
    })());
  return { app, ops, close };
}
