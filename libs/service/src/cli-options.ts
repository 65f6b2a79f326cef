import { InvalidArgumentError, Option } from 'commander';

/**
 * Options shared by the services and the CLI. Each names its environment
 * variable (DESIGN §6); commander gives flags precedence over environment and
 * shows both in --help. Parsers reject bad values naming the setting.
 */
export const positiveInt = (name: string) => (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive whole number, got "${raw}"`);
  }
  return n;
};

export const nonNegativeNumber = (name: string) => (raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0, got "${raw}"`);
  return n;
};

export const port = (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new InvalidArgumentError(`PORT/--port must be 0-65535, got "${raw}"`);
  return n;
};

export const httpUrl = (name: string) => (raw: string): string => {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return raw.replace(/\/+$/, '');
  } catch {
    throw new InvalidArgumentError(`${name} must be an http(s) URL such as http://127.0.0.1:9050, got "${raw}"`);
  }
};

export const options = {
  project: () => new Option('--project <id>', 'GCP project').env('GOOGLE_CLOUD_PROJECT'),
  db: () => new Option('--db <path>', 'SQLite store').env('KETTLE_DB').default('build.db'),
  port: (dflt: number) => new Option('--port <n>', 'HTTP port for /metrics, /healthz, /readyz').env('PORT').default(dflt).argParser(port),
  buckets: () => new Option('--buckets <file|url>', 'buckets.yaml path or URL (re-read each cycle)').env('KETTLE_BUCKETS').default('buckets.yaml'),
  gcsRoot: () => new Option('--gcs-root <dir>', 'read buckets from a local mirror DIR/<bucket>/<object> instead of GCS').env('KETTLE_GCS_ROOT'),
  dataset: () => new Option('--dataset <project:dataset>', 'BigQuery dataset').env('KETTLE_DATASET'),
  tables: (dflt: string) => new Option('--tables <NAME:DAYS...>', 'destination tables and their windows in days (0 = all builds)').env('KETTLE_TABLES').default(dflt),
  bigqueryEndpoint: () =>
    new Option('--bigquery-endpoint <url>', 'BigQuery API endpoint (a local server)').env('KETTLE_BIGQUERY_ENDPOINT').argParser(httpUrl('KETTLE_BIGQUERY_ENDPOINT/--bigquery-endpoint')),
  createTopics: () =>
    new Option('--create-topics', 'create missing Pub/Sub topics, subscriptions and dead-letter topics at start').env('KETTLE_CREATE_TOPICS'),
  maxInFlight: (dflt: number) =>
    new Option('--max-in-flight <n>', 'messages handled at once (Pub/Sub flow control)').env('KETTLE_MAX_IN_FLIGHT').default(dflt).argParser(positiveInt('KETTLE_MAX_IN_FLIGHT/--max-in-flight')),
  stallSeconds: () =>
    new Option('--stall-seconds <n>', '/healthz fails when work is pending and nothing progressed for this long').env('KETTLE_STALL_SECONDS').default(600).argParser(positiveInt('KETTLE_STALL_SECONDS/--stall-seconds')),
  logFormat: () => new Option('--log-format <format>', 'log lines as json (Cloud Logging) or text').env('KETTLE_LOG_FORMAT').choices(['json', 'text']),
};

/** A required setting that has no default: a clear error naming both its flag and its variable. */
export function required<T>(value: T | undefined, flag: string, env: string): T {
  if (value === undefined || value === '') throw new InvalidArgumentError(`${env} (or ${flag}) is required`);
  return value;
}

/** Topic/subscription names from flags and environment, with their defaults (DESIGN §6). */
export const topicOptions = {
  buildsTopic: () => new Option('--builds-topic <name>', 'topic of built builds').env('KETTLE_BUILDS_TOPIC').default('kettle-builds'),
  buildsSubscription: () => new Option('--builds-subscription <name>', "the transformer's subscription").env('KETTLE_BUILDS_SUBSCRIPTION').default('kettle-transformer'),
  rowsTopic: () => new Option('--rows-topic <name>', 'topic of rows').env('KETTLE_ROWS_TOPIC').default('kettle-rows'),
  rowsSubscription: () => new Option('--rows-subscription <name>', "the loader's subscription").env('KETTLE_ROWS_SUBSCRIPTION').default('kettle-loader'),
};
