import type { CreateSubscriptionOptions, PubSub } from '@google-cloud/pubsub';
import {
  DEFAULT_ACK_DEADLINE_SECONDS,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  DEFAULT_RETRY_POLICY,
} from './pubsub.constants';
import {
  PubSubConfigError,
  assertBindings,
  assertPositiveInteger,
  assertPubSubName,
  deadLetterSubscriptionOf,
  deadLetterTopicOf,
} from './pubsub-names.util';
import type { RetryPolicy, TopologyPlan } from './pubsub.types';

export type ProvisionResult = {
  /** `topic NAME` / `subscription NAME` for each resource created now. */
  created: string[];
  /** Resources that were there already (ALREADY_EXISTS is fine). */
  existing: string[];
  /** Things that exist but differ from the plan in a way we do not change (e.g. no dead-letter policy). */
  warnings: string[];
};

const ALREADY_EXISTS = 6;

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Validates a plan's settings; errors name the setting. */
export function assertTopologyPlan(plan: TopologyPlan): void {
  assertBindings(plan.subscriptions);
  (plan.topics ?? []).forEach((topic, i) => assertPubSubName('topic', topic, `topics[${i}]`));
  assertPositiveInteger(plan.maxDeliveryAttempts, 'maxDeliveryAttempts');
  const attempts = plan.maxDeliveryAttempts;
  if (attempts !== undefined && (attempts < 5 || attempts > 100)) {
    throw new PubSubConfigError(`maxDeliveryAttempts: Pub/Sub allows 5–100, got ${attempts}`);
  }
  const ack = plan.ackDeadlineSeconds;
  if (ack !== undefined && !(Number.isInteger(ack) && ack >= 10 && ack <= 600)) {
    throw new PubSubConfigError(`ackDeadlineSeconds: Pub/Sub allows integers 10–600, got ${ack}`);
  }
  const retry = plan.retry;
  if (retry !== undefined && retry !== 'immediate') {
    const { minimumBackoffSeconds: min, maximumBackoffSeconds: max } = retry;
    if (!(min >= 0 && max <= 600 && min <= max)) {
      throw new PubSubConfigError(`retry: backoff must satisfy 0 <= minimumBackoffSeconds <= maximumBackoffSeconds <= 600, got ${min}..${max}`);
    }
  }
}

function retryPolicyOf(retry: RetryPolicy): CreateSubscriptionOptions['retryPolicy'] {
  if (retry === 'immediate') return undefined;
  const duration = (seconds: number): { seconds: number; nanos: number } => ({
    seconds: Math.floor(seconds),
    nanos: Math.round((seconds % 1) * 1e9),
  });
  return { minimumBackoff: duration(retry.minimumBackoffSeconds), maximumBackoff: duration(retry.maximumBackoffSeconds) };
}

/**
 * Creates the missing topics and subscriptions of `plan`: each subscription
 * gets a dead-letter policy to `<topic>-dead` (5 attempts by default) and each
 * dead-letter topic a subscription of the same name, so dead letters are kept
 * for inspection. Idempotent.
 *
 * On Google Cloud the Pub/Sub service agent also needs publisher on the
 * dead-letter topic and subscriber on the subscription (see README); the
 * emulator has no IAM.
 */
export async function provisionTopology(pubsub: PubSub, plan: TopologyPlan): Promise<ProvisionResult> {
  assertTopologyPlan(plan);
  const result: ProvisionResult = { created: [], existing: [], warnings: [] };
  const maxDeliveryAttempts = plan.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS;
  const retryPolicy = retryPolicyOf(plan.retry ?? DEFAULT_RETRY_POLICY);
  const ackDeadlineSeconds = plan.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS;

  const note = async (what: string, create: () => Promise<unknown>, onExisting?: () => Promise<void>): Promise<void> => {
    try {
      await create();
      result.created.push(what);
    } catch (err) {
      if (grpcCode(err) !== ALREADY_EXISTS) throw err;
      result.existing.push(what);
      await onExisting?.();
    }
  };
  const ensureTopic = (name: string): Promise<void> => note(`topic ${name}`, () => pubsub.createTopic(name));
  const ensureSubscription = (name: string, topic: string, options: CreateSubscriptionOptions): Promise<void> =>
    note(
      `subscription ${name}`,
      () => pubsub.topic(topic).createSubscription(name, options),
      async () => {
        const [metadata] = await pubsub.subscription(name).getMetadata();
        const expected = pubsub.topic(topic).name;
        if (metadata.topic !== expected) {
          throw new PubSubConfigError(`subscription "${name}" exists but reads ${String(metadata.topic)}, not ${expected}`);
        }
        if (options.deadLetterPolicy && !metadata.deadLetterPolicy?.deadLetterTopic) {
          result.warnings.push(`subscription ${name} exists without a dead-letter policy; failing messages are retried forever`);
        }
      },
    );

  const subscribedTopics = [...new Set(plan.subscriptions.map((b) => b.topic))];
  for (const topic of new Set([...(plan.topics ?? []), ...subscribedTopics])) await ensureTopic(topic);
  for (const topic of subscribedTopics) {
    const dead = deadLetterTopicOf(topic);
    await ensureTopic(dead);
    // Retains what was dead-lettered; no dead-letter policy of its own.
    await ensureSubscription(deadLetterSubscriptionOf(topic), dead, { ackDeadlineSeconds });
  }
  for (const binding of plan.subscriptions) {
    await ensureSubscription(binding.subscription, binding.topic, {
      ackDeadlineSeconds,
      deadLetterPolicy: { deadLetterTopic: pubsub.topic(deadLetterTopicOf(binding.topic)).name, maxDeliveryAttempts },
      retryPolicy,
    });
  }
  return result;
}
