import { stringifyExact, type ExactJsonObject } from './exact-json.util';
import type { FaultRule, Faults, JobTiming, RequestFault, RowRejection } from './server.types';

type ActiveRule = { rule: FaultRule; path?: RegExp; remaining: number };
type ActiveRejection = { rejection: RowRejection; regex?: RegExp };

/**
 * The faults in force. Rules are counted down in request arrival order, so
 * "the next 2 insertAll calls answer 503" is exact and tests stay deterministic.
 */
export class FaultController {
  private latency = 0;
  private rules: ActiveRule[] = [];
  private rejections: ActiveRejection[] = [];
  private timing: JobTiming = {};

  constructor(faults: Faults = {}) {
    this.set(faults);
  }

  set(faults: Faults): void {
    this.latency = faults.latencyMs ?? 0;
    this.rules = [];
    for (const rule of faults.rules ?? []) this.addRule(rule);
    this.rejections = (faults.rejectRows ?? []).map((rejection) => ({
      rejection,
      ...(typeof rejection.match === 'function' ? {} : { regex: toRegExp(rejection.match) }),
    }));
    this.timing = { ...faults.jobs };
  }

  addRule(rule: FaultRule): void {
    this.rules.push({
      rule,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
      ...(rule.path !== undefined ? { path: toRegExp(rule.path) } : {}),
    });
  }

  latencyMs(): number {
    return this.latency;
  }

  jobTiming(): JobTiming {
    return this.timing;
  }

  /** The fault for this request, if any; consumes one use of the matching rule. */
  take(method: string, pathname: string): RequestFault | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0) continue;
      if (active.rule.method && active.rule.method.toUpperCase() !== method) continue;
      if (active.path && !active.path.test(pathname)) continue;
      active.remaining--;
      return active.rule.fault;
    }
    return undefined;
  }

  /** The rejection message for a row, when a `rejectRows` entry matches it. */
  rejection(row: ExactJsonObject, tableId: string): string | undefined {
    if (this.rejections.length === 0) return undefined;
    let text: string | undefined;
    for (const { rejection, regex } of this.rejections) {
      if (rejection.tableId !== undefined && rejection.tableId !== tableId) continue;
      let hit: boolean;
      if (regex) {
        text ??= stringifyExact(row);
        hit = regex.test(text);
      } else hit = typeof rejection.match === 'function' && rejection.match(row, tableId);
      if (hit) return rejection.message ?? 'Row rejected by bigquery-server fault injection.';
    }
    return undefined;
  }
}

function toRegExp(value: RegExp | string): RegExp {
  // A global or sticky regex keeps lastIndex between test() calls and would
  // match every other request; use a stateless copy.
  return typeof value === 'string' ? new RegExp(value) : new RegExp(value.source, value.flags.replace(/[gy]/g, ''));
}

/**
 * Faults from JSON (the CLI's --faults file, the admin endpoint): the same shape
 * as `Faults`, with regexes as their source strings. Checked so that a typo
 * fails loudly instead of silently injecting nothing.
 */
export function parseFaults(value: unknown): Faults {
  if (!isObject(value)) throw new Error('faults: expected a JSON object');
  const known = ['latencyMs', 'rules', 'rejectRows', 'jobs'];
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new Error(`faults: unknown key "${key}"`);
  const faults: Faults = {};
  if (value.latencyMs !== undefined) faults.latencyMs = num(value.latencyMs, 'latencyMs');
  if (value.rules !== undefined) {
    if (!Array.isArray(value.rules)) throw new Error('faults.rules: expected an array');
    faults.rules = value.rules.map((r: unknown, i) => parseRule(r, `faults.rules[${i}]`));
  }
  if (value.rejectRows !== undefined) {
    if (!Array.isArray(value.rejectRows)) throw new Error('faults.rejectRows: expected an array');
    faults.rejectRows = value.rejectRows.map((r: unknown, i) => {
      if (!isObject(r) || typeof r.match !== 'string') throw new Error(`faults.rejectRows[${i}].match: expected a regex string`);
      return {
        match: r.match,
        ...(typeof r.tableId === 'string' ? { tableId: r.tableId } : {}),
        ...(typeof r.message === 'string' ? { message: r.message } : {}),
      };
    });
  }
  if (value.jobs !== undefined) {
    if (!isObject(value.jobs)) throw new Error('faults.jobs: expected an object');
    faults.jobs = {
      ...(value.jobs.delayMs !== undefined ? { delayMs: num(value.jobs.delayMs, 'jobs.delayMs') } : {}),
      ...(value.jobs.runningPolls !== undefined ? { runningPolls: num(value.jobs.runningPolls, 'jobs.runningPolls') } : {}),
    };
  }
  return faults;
}

function parseRule(r: unknown, where: string): FaultRule {
  if (!isObject(r) || !isObject(r.fault)) throw new Error(`${where}: expected {method?, path?, times?, fault}`);
  const f = r.fault;
  let fault: RequestFault;
  switch (f.kind) {
    case 'status':
      fault = {
        kind: 'status',
        status: num(f.status, `${where}.fault.status`),
        ...(typeof f.reason === 'string' ? { reason: f.reason } : {}),
        ...(typeof f.message === 'string' ? { message: f.message } : {}),
      };
      break;
    case 'latency':
      fault = { kind: 'latency', ms: num(f.ms, `${where}.fault.ms`) };
      break;
    case 'hang':
    case 'reset':
    case 'drop-response':
      fault = { kind: f.kind };
      break;
    default:
      throw new Error(`${where}.fault.kind: expected status, latency, hang, reset or drop-response`);
  }
  return {
    fault,
    ...(typeof r.method === 'string' ? { method: r.method } : {}),
    ...(typeof r.path === 'string' ? { path: r.path } : {}),
    ...(r.times !== undefined ? { times: num(r.times, `${where}.times`) } : {}),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`faults.${where}: expected a non-negative number`);
  return v;
}
