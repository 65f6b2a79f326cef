import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { Collector, CollectorMetrics, DEFAULT_COLLECT_OPTIONS, Relister } from '@kettle/collect';
import type { GcsReader } from '@kettle/gcs';
import { LoaderMetrics, LoaderModule, NdjsonTableWriter, RowHandler, RowInserter, RowSink, type TableTarget } from '@kettle/load';
import { parseBuildMessage, parseRowMessage, type BucketsConfig, type KettleStore, type RowMessage } from '@kettle/model';
import { InProcessBus, InProcessClient, InProcessServer } from '@kettle/pubsub';
import { Watchdog, type Logger } from '@kettle/service';
import { BuildHandler, TransformerMetrics, TransformerModule } from '@kettle/transform';
import type { BigQuery } from '@google-cloud/bigquery';
import { Registry } from 'prom-client';

export const BUILDS = { topic: 'kettle-builds', subscription: 'kettle-transformer' };
export const ROWS = { topic: 'kettle-rows', subscription: 'kettle-loader' };

export type PipelineOptions = {
  gcs: GcsReader;
  store: KettleStore;
  loadBuckets: () => Promise<BucketsConfig>;
  outDir: string;
  tables: readonly TableTarget[];
  bigquery?: { bq: BigQuery; targets: readonly TableTarget[] };
  threads: number;
  buildLimit?: number;
  relistSeconds: number;
  log: Logger;
};

export type PipelineTotals = { rows: number; tests: number; failures: number; perTable: Map<string, number>; deadLettered: number };

@Module({})
class RunModule {}

/**
 * Collector, transformer and loader in one process over the in-process bus:
 * the same handlers and ack rules as the three services, no network. The
 * loader writes each table as gzip NDJSON under outDir, and into BigQuery
 * when a dataset is given.
 */
export class Pipeline {
  readonly bus = new InProcessBus();
  readonly registry = new Registry();
  readonly totals: PipelineTotals = { rows: 0, tests: 0, failures: 0, perTable: new Map(), deadLettered: 0 };
  readonly relister: Relister;
  readonly collectorMetrics: CollectorMetrics;
  private app?: INestMicroservice;
  private readonly sinks: RowSink[];
  private buckets: BucketsConfig = { buckets: [] };
  private current?: Collector;

  constructor(o: PipelineOptions) {
    const client = new InProcessClient(this.bus);
    const retry = { minimumBackoffSeconds: 1, maximumBackoffSeconds: 10 };
    this.bus.provision({ subscriptions: [BUILDS, ROWS], retry });
    this.collectorMetrics = new CollectorMetrics(this.registry);
    const loaderMetrics = new LoaderMetrics(this.registry);
    const ndjson = new NdjsonTableWriter(o.outDir);
    this.sinks = [new RowSink(o.store, ndjson, o.tables, { maxItems: 500, maxBytes: 4 << 20, maxDelayMs: 200 })];
    if (o.bigquery) this.sinks.push(new RowSink(o.store, new RowInserter(o.bigquery.bq, loaderMetrics), o.bigquery.targets));
    const rowHandler = new RowHandler(this.sinks, async (msg, reason) => void (await client.publishEvent(`${ROWS.topic}-dead`, { ...msg, reason })), o.log);
    const countingHandler = {
      handle: async (msg: RowMessage) => {
        const outcome = await rowHandler.handle(msg);
        if (outcome === 'inserted') this.count(msg);
        if (outcome === 'dead-lettered') this.totals.deadLettered++;
        return outcome;
      },
    } as RowHandler;
    const buildHandler = new BuildHandler(o.store, () => this.buckets, async (msg) => void (await client.publishEvent(ROWS.topic, msg)), new TransformerMetrics(this.registry), o.log);
    this.relister = new Relister(
      () => (this.current = new Collector(o.gcs, o.store, o.log, { ...DEFAULT_COLLECT_OPTIONS, threads: o.threads, buildLimit: o.buildLimit, junit: true, queuePublish: true }, undefined, this.collectorMetrics)),
      o.store,
      async () => (this.buckets = await o.loadBuckets()),
      async (msg) => void (await client.publishEvent(BUILDS.topic, msg)),
      this.collectorMetrics,
      o.log,
      { intervalSeconds: o.relistSeconds },
    );
    this.module = {
      module: RunModule,
      imports: [
        TransformerModule.forRoot({ buildsTopic: BUILDS.topic, handler: buildHandler, watchdog: new Watchdog(600_000) }),
        LoaderModule.forRoot({ rowsTopic: ROWS.topic, handler: countingHandler, watchdog: new Watchdog(600_000) }),
      ],
    };
  }

  private readonly module: DynamicModule;

  get collector(): Collector | undefined {
    return this.current;
  }

  async start(): Promise<void> {
    this.app = await NestFactory.createMicroservice(this.module, {
      strategy: new InProcessServer({
        bus: this.bus,
        subscriptions: [BUILDS, ROWS],
        validators: { [BUILDS.topic]: parseBuildMessage, [ROWS.topic]: parseRowMessage },
        flowControl: { maxMessages: 1000 },
        registry: this.registry,
        provision: false,
      }),
      logger: ['error', 'warn'],
    });
    await this.app.listen();
  }

  /** One collection pass, then everything it produced handled and flushed. */
  async runOnce(): Promise<void> {
    await this.relister.cycle();
    await this.settle();
  }

  async settle(): Promise<void> {
    for (;;) {
      await this.bus.whenIdle();
      await Promise.all(this.sinks.map((s) => s.drain()));
      if (this.sinks.every((s) => s.pending === 0) && this.bus.backlog().every((b) => b.queued + b.inFlight + b.waitingForRetry === 0 || b.subscription.endsWith('-dead'))) return;
    }
  }

  async close(): Promise<void> {
    await this.relister.stop();
    await this.app?.close();
  }

  private count(msg: RowMessage): void {
    this.totals.rows++;
    this.totals.tests += msg.row.tests_run;
    this.totals.failures += msg.row.tests_failed;
  }
}
