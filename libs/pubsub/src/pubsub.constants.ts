/** Defaults of the transport; every one can be overridden in the options. */

/** A subscription's dead-letter topic is its topic's name plus this suffix (DESIGN §3). */
export const DEAD_LETTER_SUFFIX = '-dead';
/** Delivery attempts before Pub/Sub (or the in-process bus) moves a message aside (DESIGN §3). */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;
/** Messages in flight per subscription; ~2,000 msg/s per stream were measured with 1,000. */
export const DEFAULT_MAX_MESSAGES = 1000;
/** Bytes in flight per subscription (the client library's default). */
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
/** How long close() lets in-flight handlers finish before nacking them. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** The Pub/Sub client's default number of streaming-pull streams per subscription. */
export const DEFAULT_MAX_STREAMS = 5;
/** Ack deadline of subscriptions we create (Pub/Sub's minimum is 10 s; the client extends leases). */
export const DEFAULT_ACK_DEADLINE_SECONDS = 60;
/**
 * Redelivery backoff of subscriptions we create: a failing BigQuery or SQLite
 * gets time to recover before the 5 attempts are spent (10+20+40+80 s).
 */
export const DEFAULT_RETRY_POLICY = Object.freeze({ minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 });

/** Attributes added to a message this transport dead-letters itself (invalid data). */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'kettleDeadLetterReason';
export const DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE = 'kettleDeadLetterSubscription';
export const DEAD_LETTER_MESSAGE_ID_ATTRIBUTE = 'kettleDeadLetterMessageId';
/** Attribute Pub/Sub sets on messages its dead-letter policy forwards (the in-process bus mimics it). */
export const DEAD_LETTER_DELIVERY_COUNT_ATTRIBUTE = 'CloudPubSubDeadLetterSourceDeliveryCount';

/** Metric names (DESIGN §6: `kettle_` prefix, Prometheus naming). */
export const MESSAGES_METRIC = 'kettle_pubsub_messages_total';
export const HANDLE_SECONDS_METRIC = 'kettle_pubsub_handle_seconds';
