import { DEAD_LETTER_SUFFIX } from './pubsub.constants';
import type { SubscriptionBinding } from './pubsub.types';

export type PubSubResourceKind = 'topic' | 'subscription';

/** A configuration error: the message names the setting and what is wrong. */
export class PubSubConfigError extends Error {
  override readonly name = 'PubSubConfigError';
}

const FULL_NAME = /^projects\/([^/]+)\/(topics|subscriptions)\/(.*)$/;
const MIN_LENGTH = 3;
const MAX_LENGTH = 255;
const ALLOWED = /^[A-Za-z0-9\-._~%+]*$/;

/**
 * Why `name` is not a valid Pub/Sub topic or subscription id, or undefined.
 * Rules (cloud.google.com/pubsub/docs/pubsub-basics#resource_names): 3–255
 * characters, a letter first, then letters, digits and `- . _ ~ % +`, and not
 * starting with `goog`.
 */
export function pubSubNameProblem(name: string): string | undefined {
  if (name.length < MIN_LENGTH || name.length > MAX_LENGTH) {
    return `must be ${MIN_LENGTH}–${MAX_LENGTH} characters long (has ${name.length})`;
  }
  if (!/^[A-Za-z]/.test(name)) return 'must start with a letter';
  if (!ALLOWED.test(name)) return 'may contain only letters, digits and - . _ ~ % +';
  if (/^goog/i.test(name)) return 'must not start with "goog"';
  return undefined;
}

/**
 * Throws a PubSubConfigError naming `setting` (e.g. `KETTLE_BUILDS_TOPIC`)
 * when `name` is not a valid Pub/Sub id.
 */
export function assertPubSubName(kind: PubSubResourceKind, name: string, setting: string): void {
  const full = FULL_NAME.exec(name);
  let problem: string | undefined;
  if (full) {
    problem = full[2] === `${kind}s` ? pubSubNameProblem(full[3]) : `a full name must read projects/<project>/${kind}s/<id>`;
  } else {
    problem = name.includes('/') ? `must be an id or projects/<project>/${kind}s/<id>` : pubSubNameProblem(name);
  }
  if (problem) throw new PubSubConfigError(`${setting}: invalid Pub/Sub ${kind} name "${name}": ${problem}`);
}

/** The id of a topic or subscription given by id or by full name. */
export function resourceId(name: string): string {
  return FULL_NAME.exec(name)?.[3] ?? name;
}

/** `<topic>-dead`, the dead-letter topic of every subscription on `topic` (DESIGN §3). */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

/** The subscription on a dead-letter topic that retains dead letters for inspection (same id). */
export function deadLetterSubscriptionOf(topic: string): string {
  const full = FULL_NAME.exec(topic);
  return full ? `projects/${full[1]}/subscriptions/${full[3]}${DEAD_LETTER_SUFFIX}` : deadLetterTopicOf(topic);
}

/** The pattern a binding's messages are dispatched to: `pattern`, else the topic id. */
export function patternOf(binding: SubscriptionBinding): string {
  return binding.pattern ?? resourceId(binding.topic);
}

/**
 * Checks the names of a server's bindings (and that each topic leaves room for
 * its `-dead` suffix); `where` names the option, e.g. `subscriptions`.
 */
export function assertBindings(bindings: readonly SubscriptionBinding[], where = 'subscriptions'): void {
  if (bindings.length === 0) throw new PubSubConfigError(`${where}: at least one subscription is required`);
  const seen = new Set<string>();
  bindings.forEach((binding, i) => {
    assertPubSubName('subscription', binding.subscription, `${where}[${i}].subscription`);
    assertPubSubName('topic', binding.topic, `${where}[${i}].topic`);
    assertPubSubName('topic', deadLetterTopicOf(binding.topic), `${where}[${i}].topic (its dead-letter topic)`);
    if (binding.pattern !== undefined && binding.pattern.length === 0) {
      throw new PubSubConfigError(`${where}[${i}].pattern: must not be empty`);
    }
    if (seen.has(binding.subscription)) {
      throw new PubSubConfigError(`${where}[${i}].subscription: "${binding.subscription}" is listed twice`);
    }
    seen.add(binding.subscription);
  });
}

/** Checks a count option is a positive integer. */
export function assertPositiveInteger(value: number | undefined, setting: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new PubSubConfigError(`${setting}: must be a positive integer, got ${String(value)}`);
  }
}
