// Fault injection for the GCS test server. Deterministic rules ("fail the
// next 2 reads of finished.json with 503") keep tests reliable; rates are
// for benchmarks and soak runs.

/** What the server was asked: objects.list, object metadata, or media. */
export type ServerOp = 'list' | 'get' | 'media';

export type FaultEffect =
  /** Answer with this status and a GCS-style JSON error. */
  | { kind: 'status'; status: number }
  /** Never answer (the connection stays open until the client gives up). */
  | { kind: 'hang' }
  /**
   * Send part of the body. 'close' announces the full Content-Length and
   * cuts the connection; 'short' sends a well-formed but shorter response
   * (only the length/checksum can tell).
   */
  | { kind: 'truncate'; fraction?: number; mode?: 'close' | 'short' }
  /** Send the whole body with one byte changed (only the checksum can tell). */
  | { kind: 'corrupt' }
  /** Destroy the connection before answering (a network error). */
  | { kind: 'reset' }
  /** Add latency, then keep evaluating the other rules. */
  | { kind: 'delay'; ms: number };

export type FaultRule = {
  op?: ServerOp | ServerOp[];
  /** Tested against "bucket/name" (objects) or "bucket/prefix" (listings). */
  match?: RegExp | string;
  effect: FaultEffect;
  /** Apply to the next N matching requests only; unlimited when absent. */
  times?: number;
  /** Probability (0..1) that a matching request is hit; default 1. */
  rate?: number;
};

export type Faults = {
  /** Added before every request (e.g. 20 ms to mimic GCS round trips). */
  latencyMs?: number;
  rules?: FaultRule[];
  /** Source for `rate`; pass a seeded one for reproducible runs. */
  random?: () => number;
};

/** What the server should do to one request. */
export type FaultDecision = { delayMs: number; effect?: Exclude<FaultEffect, { kind: 'delay' }> };

/** Mutable fault state: rules with `times` are used up as they fire. */
export class FaultPlan {
  private latencyMs = 0;
  private rules: (FaultRule & { remaining?: number })[] = [];
  private random: () => number = Math.random;

  constructor(faults: Faults = {}) {
    this.set(faults);
  }

  set(faults: Faults): void {
    for (const rule of faults.rules ?? []) validateRule(rule);
    this.latencyMs = faults.latencyMs ?? 0;
    this.rules = (faults.rules ?? []).map((rule) => ({ ...rule, remaining: rule.times }));
    this.random = faults.random ?? Math.random;
  }

  add(rule: FaultRule): void {
    validateRule(rule);
    this.rules.push({ ...rule, remaining: rule.times });
  }

  decide(op: ServerOp, target: string): FaultDecision {
    const decision: FaultDecision = { delayMs: this.latencyMs };
    for (const rule of this.rules) {
      if (rule.remaining !== undefined && rule.remaining <= 0) continue;
      if (!opMatches(rule.op, op) || !targetMatches(rule.match, target)) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      if (rule.effect.kind === 'delay') {
        decision.delayMs += rule.effect.ms;
        continue;
      }
      decision.effect = rule.effect;
      break;
    }
    return decision;
  }
}

function opMatches(wanted: ServerOp | ServerOp[] | undefined, op: ServerOp): boolean {
  if (wanted === undefined) return true;
  return Array.isArray(wanted) ? wanted.includes(op) : wanted === op;
}

function targetMatches(match: RegExp | string | undefined, target: string): boolean {
  if (match === undefined) return true;
  const re = typeof match === 'string' ? new RegExp(match) : match;
  re.lastIndex = 0; // a /g regex would otherwise alternate between hits and misses
  return re.test(target);
}

function validateRule(rule: FaultRule): void {
  const { effect } = rule;
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
    throw new RangeError(`fault rate ${rule.rate} is not within 0..1`);
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
    throw new RangeError(`fault times ${rule.times} is not a non-negative integer`);
  }
  if (effect.kind === 'status' && !(Number.isInteger(effect.status) && effect.status >= 400 && effect.status <= 599)) {
    throw new RangeError(`fault status ${effect.status} is not an HTTP error status`);
  }
  if (effect.kind === 'truncate' && effect.fraction !== undefined && !(effect.fraction >= 0 && effect.fraction < 1)) {
    throw new RangeError(`truncate fraction ${effect.fraction} is not within [0, 1)`);
  }
  if (effect.kind === 'delay' && !(effect.ms >= 0)) throw new RangeError(`delay ${effect.ms} ms is negative`);
}
