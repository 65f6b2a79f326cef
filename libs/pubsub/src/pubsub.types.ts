import type { Registry } from 'prom-client';

/**
 * A typed-contract check, the shape of libs/model's `parseBuildMessage` and
 * `parseRowMessage`: the typed message, or the reason the data is not one.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
export type ContractValidator<T = unknown> = (data: unknown) => Parsed<T>;

/** Where the Pub/Sub API is. Plain values from the service's validated config. */
export type PubSubConnectionOptions = {
  projectId: string;
  /**
   * `host:port` of an emulator (plaintext, detected by the client) or an
   * endpoint override. Absent: Google's endpoint, or PUBSUB_EMULATOR_HOST as
   * the official client reads it itself.
   */
  apiEndpoint?: string;
};

/**
 * One subscription a server consumes. Names are ids in the client's project,
 * or full names (`projects/P/subscriptions/S`, `projects/P/topics/T`) for
 * resources elsewhere (e.g. GCS notifications in the bucket's project).
 */
export type SubscriptionBinding = {
  subscription: string;
  /** The topic it reads; its dead-letter topic is `<topic>-dead`. */
  topic: string;
  /**
   * The `@EventPattern` its messages are dispatched to. Default: the topic id,
   * so a renamed topic (KETTLE_BUILDS_TOPIC) can keep `@EventPattern('kettle-builds')`.
   */
  pattern?: string;
};

/** Bounds on unacknowledged messages held by one server per subscription. */
export type FlowControl = {
  maxMessages?: number;
  /** Pub/Sub only; the in-process bus bounds messages. */
  maxBytes?: number;
};

/** Pub/Sub redelivery backoff; `'immediate'` sets no retry policy (redeliver at once). */
export type RetryPolicy = { minimumBackoffSeconds: number; maximumBackoffSeconds: number } | 'immediate';

/** Topics and subscriptions to create when missing, with their dead-letter topics. */
export type TopologyPlan = {
  subscriptions: readonly SubscriptionBinding[];
  /** Topics that are only published to here (their subscriptions belong to other services). */
  topics?: readonly string[];
  /** Default 5 (DESIGN §3). */
  maxDeliveryAttempts?: number;
  /** Default 60 s (Pub/Sub allows 10–600). */
  ackDeadlineSeconds?: number;
  /** Default exponential 10 s … 600 s. */
  retry?: RetryPolicy;
};

/** What happened to one delivery; the `outcome` label of kettle_pubsub_messages_total. */
export type DeliveryOutcome = 'acked' | 'nacked' | 'dead_lettered' | 'invalid';

/** Options every server of this lib takes (Pub/Sub and in-process). */
export type MessageServerOptions = {
  subscriptions: readonly SubscriptionBinding[];
  /** Contract checks keyed by pattern; data failing one is dead-lettered at once. */
  validators?: Readonly<Record<string, ContractValidator>>;
  flowControl?: FlowControl;
  /** Bounded wait for in-flight handlers on close; the rest are nacked. Default 10 s. */
  closeTimeoutMs?: number;
  /** Must match the subscriptions' dead-letter policy; labels the last failure `dead_lettered`. */
  maxDeliveryAttempts?: number;
  /** Where the metrics go; a private registry when absent (never the global one). */
  registry?: Registry;
};

export type PubSubServerOptions = PubSubConnectionOptions &
  MessageServerOptions & {
    /** Streaming-pull streams per subscription. Default 5. */
    maxStreams?: number;
    /** Create missing topics and subscriptions on listen (the bindings and maxDeliveryAttempts come from these options). */
    provision?: false | Omit<TopologyPlan, 'subscriptions' | 'maxDeliveryAttempts'>;
  };

export type PubSubClientOptions = PubSubConnectionOptions & {
  /** The publisher's batching: a batch is sent when any bound is reached. */
  batching?: { maxMessages?: number; maxMilliseconds?: number; maxBytes?: number };
};

/** Status values reported through `server.status` / `client.status`. */
export type TransportStatus = 'connected' | 'disconnected' | 'closing' | 'closed';
