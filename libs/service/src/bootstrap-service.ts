import type { DynamicModule, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import type { Registry } from 'prom-client';
import { startOpsServer, type OpsServer } from './ops-server';
import type { ReadinessCheck } from './readiness';
import type { Watchdog } from './watchdog';
import type { Logger } from './logger';

export type ServiceHandle = {
  app: INestMicroservice | INestApplicationContext;
  ops: OpsServer;
  /** Stops taking messages, lets in-flight work finish (bounded), then stops the rest. */
  close(): Promise<void>;
};

export type BootstrapOptions = {
  name: string;
  module: DynamicModule;
  /** The transport; absent for a service that consumes no messages (a collector without --poll). */
  strategy?: CustomStrategy['strategy'];
  port: number;
  host?: string;
  registry: Registry;
  watchdog: Watchdog;
  readiness?: readonly ReadinessCheck[];
  log: Logger;
  /** Runs after messages flow (timers, re-list loops). */
  start?: () => Promise<void> | void;
  /** Runs on close, after the transport stopped (flush batches, close stores). */
  stop?: () => Promise<void> | void;
};

/**
 * Boots a worker service: a Nest microservice on our transport (no web
 * framework: the services are Pub/Sub workers) plus the ops HTTP server for
 * /metrics, /healthz and /readyz; SIGTERM/SIGINT close it gracefully.
 */
export async function bootstrapService(opts: BootstrapOptions): Promise<ServiceHandle> {
  let app: INestMicroservice | INestApplicationContext;
  if (opts.strategy) {
    const micro = await NestFactory.createMicroservice(opts.module, { strategy: opts.strategy, logger: ['error', 'warn'] });
    await micro.listen();
    app = micro;
  } else {
    app = await NestFactory.createApplicationContext(opts.module, { logger: ['error', 'warn'] });
  }
  const ops = await startOpsServer({ port: opts.port, host: opts.host, registry: opts.registry, watchdog: opts.watchdog, readiness: opts.readiness ?? [] });
  await opts.start?.();
  opts.log.info(`${opts.name} started`, { port: ops.port });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      opts.log.info(`${opts.name} stopping`);
      await app.close();
      await opts.stop?.();
      await ops.close();
    })());
  const onSignal = () => {
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        opts.log.error(`${opts.name}: shutdown failed`, { error: e });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  return { app, ops, close };
}
