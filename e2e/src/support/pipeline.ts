/**
 * The whole deployment on one machine: a bucket mirror behind tools/gcs-server,
 * tools/bigquery-server, topics on the Pub/Sub emulator, and the three
 * services as separate processes sharing one SQLite file. Tests drive it the
 * way CI and GCS would (write objects, publish their notifications) and look
 * only at what users see: rows in BigQuery and /metrics.
 */
import { PubSub, type Message } from '@google-cloud/pubsub';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBigQueryServer, type BigQueryServer, type ServerOptions, type StoredRow } from '@kettle/bigquery-server';
import { startGcsServer, type GcsServer } from '@kettle/gcs-server';
import { KettleStore } from '@kettle/model';
import { deadLetterTopicOf, provisionTopology } from '@kettle/pubsub';
import { BUCKETS_YAML, generateTree, type TreeOptions } from '@kettle/sample-data';
import { BUCKET, buildObjects, buildPath, finishedBuildsIn, finishedObject, notificationFor, type NewBuild, type Notification } from './builds.util';
import { ensureBuilt, ServiceProcess, type ServiceName } from './service-process';

export const SERVICES: readonly ServiceName[] = ['collector', 'transformer', 'loader'];
export const DATASET = { project: 'kettle-e2e', dataset: 'build' };
/** Subscriptions are created with this deadline: a killed service's messages come back after it. */
export const ACK_DEADLINE_SECONDS = 10;

export type PipelineOptions = {
  /** Topic and folder names start with this. */
  label: string;
  /** A generated tree to start from (collected by the collector's first re-list); none when absent. */
  tree?: Pick<TreeOptions, 'jobsPerBucket' | 'buildsPerJob'>;
};

/** The loader's tables (`KETTLE_TABLES`), as in production. */
const TABLES: readonly TableSpec[] = [
  { name: 'all', days: 0 },
  { name: 'day', days: 1 },
  { name: 'week', days: 7 },
];

export type Names = {
  gcsTopic: string;
  gcsSubscription: string;
  buildsTopic: string;
  buildsSubscription: string;
  rowsTopic: string;
  rowsSubscription: string;
};

export type TableSpec = { name: string; days: number };

/** A table row's build path (STRING cells come back as strings). */
export const rowPath = (row: StoredRow): string => (typeof row.path === 'string' ? row.path : '');
export type DeadLetter = { data: string; attributes: Record<string, string> };

export class Pipeline {
  readonly services = new Map<ServiceName, ServiceProcess>();
  /** Every finished build a table must hold (gs:// path -> finished time), updated as builds are written. */
  readonly expected = new Map<string, number>();
  /** When the tree was generated: windows are relative to it. */
  readonly startedAt = Date.now() / 1000;
  private killedAt = 0;

  private constructor(
    readonly dir: string,
    readonly root: string,
    readonly gcs: GcsServer,
    public bq: BigQueryServer,
    readonly pubsub: PubSub,
    readonly names: Names,
    readonly tables: readonly TableSpec[],
  ) {}

  static async start(opts: PipelineOptions): Promise<Pipeline> {
    const project = process.env.GOOGLE_CLOUD_PROJECT;
    if (!process.env.PUBSUB_EMULATOR_HOST || !project) throw new Error('no Pub/Sub emulator (PUBSUB_EMULATOR_HOST / GOOGLE_CLOUD_PROJECT unset)');
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), `kettle-e2e-${opts.label}-`));
    const root = join(dir, 'gcs');
    for (const bucket of [BUCKET, 'istio-prow']) mkdirSync(join(root, bucket), { recursive: true });
    if (opts.tree) generateTree({ root, seed: 7, now: Math.floor(Date.now() / 1000), sizeScale: 0.05, junitPerBuild: 1.8, logRate: 0.1, badInputs: true, ...opts.tree });
    writeFileSync(join(dir, 'buckets.yaml'), BUCKETS_YAML);
    const gcs = await startGcsServer({ root });
    // No insertId de-duplication: a row inserted twice shows as two rows. State in
    // dataDir, so the server can be restarted with other limits and keep its tables.
    const bq = await startBigQueryServer({ dedupeWindowMs: 0, dataDir: join(dir, 'bigquery') });
    const unique = `e2e-${opts.label}-${process.pid}-${Date.now().toString(36)}`;
    const names: Names = {
      gcsTopic: `${unique}-gcs-changes`,
      gcsSubscription: `${unique}-collector`,
      buildsTopic: `${unique}-builds`,
      buildsSubscription: `${unique}-transformer`,
      rowsTopic: `${unique}-rows`,
      rowsSubscription: `${unique}-loader`,
    };
    const pubsub = new PubSub({ projectId: project });
    // The services would create these (KETTLE_CREATE_TOPICS=1, still passed);
    // created first with a short ack deadline, so a killed service's messages
    // come back in seconds rather than a minute. Redelivery is immediate: with
    // an exponential-backoff retry policy the emulator (0.8.20) sometimes never
    // redelivers messages it had sent to a subscriber that was then killed.
    await provisionTopology(pubsub, {
      subscriptions: [
        { subscription: names.gcsSubscription, topic: names.gcsTopic },
        { subscription: names.buildsSubscription, topic: names.buildsTopic },
        { subscription: names.rowsSubscription, topic: names.rowsTopic },
      ],
      ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
      retry: 'immediate',
    });
    const p = new Pipeline(dir, root, gcs, bq, pubsub, names, TABLES);
    // The store exists before the services start, as after a deployment's first
    // boot: three processes migrating a fresh file at once can fail one of them
    // with "database is locked" (store-schema.ts migrates in a deferred
    // transaction that reads first), which is not what these tests are about.
    KettleStore.open(p.db).close();
    for (const [path, finished] of finishedBuildsIn(root)) p.expected.set(path, finished);
    return p;
  }

  get db(): string {
    return join(this.dir, 'build.db');
  }

  get bucketsFile(): string {
    return join(this.dir, 'buckets.yaml');
  }

  /** Starts the three services side by side (each creates what it needs; the order does not matter). */
  async startAll(): Promise<void> {
    const started = await Promise.allSettled(SERVICES.map((s) => this.startService(s)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Starts one service; `env` adds to (or overrides) its environment for this run of it. */
  async startService(name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const old = this.services.get(name);
    if (old?.running) throw new Error(`${name} is already running (pid ${old.pid})`);
    const svc = await ServiceProcess.start(name, { ...this.serviceEnv(name), ...env }, join(this.dir, 'logs'));
    this.services.set(name, svc);
    return svc;
  }

  service(name: ServiceName): ServiceProcess {
    const s = this.services.get(name);
    if (!s) throw new Error(`${name} was never started`);
    return s;
  }

  /** `kill -9`; remembers when, since its leased messages return only after the ack deadline. */
  async kill9(name: ServiceName): Promise<void> {
    await this.service(name).kill9();
    this.killedAt = Date.now();
  }

  /**
   * Asks Pub/Sub to redeliver the unacknowledged messages a service's
   * subscription received since `since` (a seek to that time). Real Pub/Sub
   * redelivers a killed subscriber's messages once their ack deadline passes;
   * the emulator (0.8.20) does it after 10 to 200 s (measured: the same
   * SIGKILLed subscriber, repeated), which would make the tests a lottery.
   * The services see the same thing either way: the messages again.
   */
  async redeliverSince(name: ServiceName, since: Date): Promise<void> {
    const subscription = { collector: this.names.gcsSubscription, transformer: this.names.buildsSubscription, loader: this.names.rowsSubscription }[name];
    await this.pubsub.subscription(subscription).seek(since);
  }

  /**
   * `redeliverSince` every `everyMs` until stopped. One seek right after a
   * kill is not always enough: the emulator sometimes still hands the
   * messages to the dead subscriber's streams (two CI runs timed out after
   * 240 s that way). Redelivered messages the services already handled are
   * duplicates they must, and do, absorb.
   */
  keepRedelivering(name: ServiceName, since: Date, everyMs = 3000): { stop(): Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await this.redeliverSince(name, since).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  /** Writes a build as CI does (finished.json last), then publishes a notification per object, like GCS. */
  async writeBuild(b: NewBuild, opts: { notify?: 'all' | 'finished' | 'none'; running?: boolean } = {}): Promise<Notification | undefined> {
    const notify = opts.notify ?? 'finished';
    // A running build has everything but finished.json, and must never become a row.
    const objects = buildObjects(b).filter((o) => !opts.running || o.name !== finishedObject(b));
    for (const o of objects) await this.gcs.putObject(BUCKET, o.name, o.data);
    if (!opts.running) this.expected.set(buildPath(b), b.finished);
    if (notify === 'none') return undefined;
    const names = notify === 'all' ? objects.map((o) => o.name) : objects.filter((o) => o.name === finishedObject(b)).map((o) => o.name);
    let last: Notification | undefined;
    for (const name of names) {
      last = await notificationFor(this.gcs, BUCKET, name);
      await this.notify(last);
    }
    return last;
  }

  async notify(n: Notification): Promise<void> {
    await this.pubsub.topic(this.names.gcsTopic).publishMessage(n);
  }

  /** Publishes raw data on a topic (poison messages). */
  async publishRaw(topic: string, data: Buffer, attributes: Record<string, string> = {}): Promise<void> {
    await this.pubsub.topic(topic).publishMessage({ data, attributes });
  }

  tableRef(table: string): string {
    return `${DATASET.project}:${DATASET.dataset}.${table}`;
  }

  rows(table: string): StoredRow[] {
    return this.bq.rows(this.tableRef(table));
  }

  /** Paths a table must hold: every expected build inside its window (0 days = all). */
  expectedIn(t: TableSpec): Set<string> {
    const from = t.days > 0 ? Date.now() / 1000 - t.days * 86400 : -Infinity;
    return new Set([...this.expected].filter(([, finished]) => Number.isFinite(finished) && finished >= from).map(([p]) => p));
  }

  /**
   * Reads a topic's dead letters until `until` is satisfied (or the timeout):
   * the subscription `<topic>-dead` that provisioning creates on the
   * dead-letter topic keeps them. What is read is acked.
   */
  async deadLetters(topic: string, until: (got: DeadLetter[]) => boolean, timeoutMs = 20_000): Promise<DeadLetter[]> {
    const got: DeadLetter[] = [];
    const sub = this.pubsub.subscription(deadLetterTopicOf(topic), { flowControl: { maxMessages: 100 } });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      sub.on('message', (m: Message) => {
        got.push({ data: m.data.toString('utf8'), attributes: m.attributes });
        m.ack();
        if (until(got)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await sub.close();
    return got;
  }

  /** Milliseconds until messages leased by a killed service have come back (0 when none was killed). */
  redeliveryPendingMs(): number {
    if (this.killedAt === 0) return 0;
    return Math.max(0, this.killedAt + (ACK_DEADLINE_SECONDS + 2) * 1000 - Date.now());
  }

  /** Restarts the BigQuery server on the same port with other options; tables and rows are kept (dataDir). */
  async restartBigQuery(options: Omit<ServerOptions, 'port' | 'dataDir'>): Promise<void> {
    const port = this.bq.port;
    await this.bq.close();
    this.bq = await startBigQueryServer({ dedupeWindowMs: 0, ...options, port, dataDir: join(this.dir, 'bigquery') });
  }

  /** Output of every service, for a failed assertion. */
  tails(n = 20): string {
    return [...this.services.values()].map((s) => s.tail(n)).join('\n');
  }

  async close(): Promise<void> {
    if (process.env.KETTLE_E2E_KEEP) {
      // Kept for investigating a failure: what each service counted at the end.
      for (const s of this.services.values()) {
        if (s.running) writeFileSync(join(this.dir, 'logs', `${s.name}-${s.pid}.metrics`), await s.get('/metrics').catch(String));
      }
    }
    await Promise.all([...this.services.values()].map((s) => s.stop(10_000)));
    await this.pubsub.close();
    await this.gcs.close();
    await this.bq.close();
    if (!process.env.KETTLE_E2E_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }

  /** The environment a service runs with (a clean one: nothing leaks in from the test run). */
  serviceEnv(name: ServiceName): NodeJS.ProcessEnv {
    const project = process.env.GOOGLE_CLOUD_PROJECT!;
    const common: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? this.dir,
      GOOGLE_CLOUD_PROJECT: project,
      PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST!,
      METADATA_SERVER_DETECTION: 'none',
      KETTLE_DB: this.db,
      KETTLE_BUCKETS: this.bucketsFile,
      // A free port per process, read back from the "started" log line.
      PORT: '0',
      KETTLE_LOG_FORMAT: 'json',
      KETTLE_CREATE_TOPICS: '1',
      KETTLE_BUILDS_TOPIC: this.names.buildsTopic,
      KETTLE_BUILDS_SUBSCRIPTION: this.names.buildsSubscription,
      KETTLE_ROWS_TOPIC: this.names.rowsTopic,
      KETTLE_ROWS_SUBSCRIPTION: this.names.rowsSubscription,
    };
    const own: Record<ServiceName, Record<string, string>> = {
      collector: {
        STORAGE_EMULATOR_HOST: this.gcs.url,
        KETTLE_POLL: `${project}/${this.names.gcsTopic}/${this.names.gcsSubscription}`,
        // Notifications do the work; the one re-list at start is the backfill.
        KETTLE_RELIST_SECONDS: '3600',
      },
      transformer: {},
      loader: {
        KETTLE_DATASET: `${DATASET.project}:${DATASET.dataset}`,
        KETTLE_TABLES: this.tables.map((t) => `${t.name}:${t.days}`).join(' '),
        KETTLE_BIGQUERY_ENDPOINT: this.bq.url,
      },
    };
    return { ...common, ...own[name] };
  }
}
