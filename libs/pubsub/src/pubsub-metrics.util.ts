import { Counter, Histogram, Registry } from 'prom-client';
import { HANDLE_SECONDS_METRIC, MESSAGES_METRIC } from './pubsub.constants';
import type { DeliveryOutcome } from './pubsub.types';

type Label = 'subscription' | 'outcome';

/** The transport's counters; several servers may share one registry. */
export class PubSubMetrics {
  private readonly messages: Counter<Label>;
  private readonly seconds: Histogram<Label>;

  constructor(readonly registry: Registry = new Registry()) {
    this.messages = reuse<Counter<Label>>(registry, MESSAGES_METRIC) ??
      new Counter({
        name: MESSAGES_METRIC,
        help: 'Pub/Sub messages by subscription and outcome (acked, nacked, dead_lettered, invalid).',
        labelNames: ['subscription', 'outcome'],
        registers: [registry],
      });
    this.seconds = reuse<Histogram<Label>>(registry, HANDLE_SECONDS_METRIC) ??
      new Histogram({
        name: HANDLE_SECONDS_METRIC,
        help: 'Time from receiving a Pub/Sub message to its outcome, by subscription and outcome.',
        labelNames: ['subscription', 'outcome'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers: [registry],
      });
  }

  record(subscription: string, outcome: DeliveryOutcome, seconds?: number): void {
    this.messages.inc({ subscription, outcome });
    if (seconds !== undefined) this.seconds.observe({ subscription, outcome }, seconds);
  }

  /** Current count for one subscription and outcome (tests, health checks). */
  async count(subscription: string, outcome: DeliveryOutcome): Promise<number> {
    const { values } = await this.messages.get();
    return values.find((v) => v.labels.subscription === subscription && v.labels.outcome === outcome)?.value ?? 0;
  }
}

function reuse<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
