import {
  PubSubConfigError,
  assertBindings,
  assertPubSubName,
  deadLetterSubscriptionOf,
  deadLetterTopicOf,
  patternOf,
  pubSubNameProblem,
  resourceId,
} from './pubsub-names.util';

describe('Pub/Sub resource names', () => {
  test.each([
    ['kettle-builds', undefined],
    ['kettle_rows.v2~x%y+z', undefined],
    ['abc', undefined],
    ['ab', 'must be 3–255 characters long (has 2)'],
    ['', 'must be 3–255 characters long (has 0)'],
    ['a'.repeat(256), 'must be 3–255 characters long (has 256)'],
    ['a'.repeat(255), undefined],
    ['1builds', 'must start with a letter'],
    ['-builds', 'must start with a letter'],
    ['kettle builds', 'may contain only letters, digits and - . _ ~ % +'],
    ['kettle/builds', 'may contain only letters, digits and - . _ ~ % +'],
    ['google-builds', 'must not start with "goog"'],
    ['Goog-builds', 'must not start with "goog"'],
  ])('%j → %s', (name, problem) => {
    expect(pubSubNameProblem(name)).toBe(problem);
  });

  test('errors name the setting', () => {
    expect(() => assertPubSubName('topic', 'ab', 'KETTLE_BUILDS_TOPIC')).toThrow(
      new PubSubConfigError('KETTLE_BUILDS_TOPIC: invalid Pub/Sub topic name "ab": must be 3–255 characters long (has 2)'),
    );
  });

  test('bindings: each name, room for the -dead suffix, no subscription twice', () => {
    expect(() => assertBindings([{ subscription: 'kettle-loader', topic: 'kettle-rows' }])).not.toThrow();
    expect(() => assertBindings([])).toThrow('subscriptions: at least one subscription is required');
    expect(() => assertBindings([{ subscription: 'ok-sub', topic: 'x' }])).toThrow('subscriptions[0].topic: invalid Pub/Sub topic name "x"');
    expect(() => assertBindings([{ subscription: 'ok-sub', topic: 't'.repeat(252) }])).toThrow(
      'subscriptions[0].topic (its dead-letter topic): invalid Pub/Sub topic name',
    );
    expect(() =>
      assertBindings([
        { subscription: 'same-sub', topic: 'topic-a' },
        { subscription: 'same-sub', topic: 'topic-b' },
      ]),
    ).toThrow('subscriptions[1].subscription: "same-sub" is listed twice');
  });

  test('full resource names, for resources in another project', () => {
    expect(() => assertPubSubName('subscription', 'projects/k8s-infra/subscriptions/gcs-changes', 'KETTLE_POLL')).not.toThrow();
    expect(() => assertPubSubName('topic', 'projects/k8s-infra/subscriptions/gcs-changes', 'KETTLE_POLL')).toThrow(
      'KETTLE_POLL: invalid Pub/Sub topic name "projects/k8s-infra/subscriptions/gcs-changes": a full name must read projects/<project>/topics/<id>',
    );
    expect(() => assertPubSubName('topic', 'projects/p/topics/ab', 'T')).toThrow('must be 3–255 characters long (has 2)');
    expect(() => assertPubSubName('topic', 'k8s-infra/gcs-changes', 'T')).toThrow('must be an id or projects/<project>/topics/<id>');
    expect(resourceId('projects/p/topics/kettle-builds')).toBe('kettle-builds');
    expect(resourceId('kettle-builds')).toBe('kettle-builds');
  });

  test('dead-letter names and patterns', () => {
    expect(deadLetterTopicOf('kettle-builds')).toBe('kettle-builds-dead');
    expect(deadLetterSubscriptionOf('kettle-builds')).toBe('kettle-builds-dead');
    expect(deadLetterTopicOf('projects/p/topics/kettle-builds')).toBe('projects/p/topics/kettle-builds-dead');
    expect(deadLetterSubscriptionOf('projects/p/topics/kettle-builds')).toBe('projects/p/subscriptions/kettle-builds-dead');
    expect(patternOf({ subscription: 'kettle-transformer', topic: 'projects/p/topics/kettle-builds' })).toBe('kettle-builds');
    expect(patternOf({ subscription: 'kettle-transformer', topic: 'my-builds', pattern: 'kettle-builds' })).toBe('kettle-builds');
  });
});
