/**
 * The property every end-to-end test ends with: each table holds every
 * finished build of its window exactly once — nothing lost, nothing
 * duplicated, nothing that should not be there. Duplicates never go away, so
 * they fail the wait at once; a missing row gets until the timeout.
 */
import { rowPath, type Pipeline, type TableSpec } from './pipeline';
import { waitFor } from './wait.util';

export type TableState = { table: string; rows: number; expected: number; missing: string[]; duplicates: string[]; unexpected: string[] };

export type ExactlyOnceOptions = {
  timeoutMs: number;
  /** Check only builds whose path contains this (a test's own job), not the whole table. */
  scope?: string;
  /** BigQuery must see no insert for this long before the final check (late redeliveries). */
  quietMs?: number;
};

/** A minute of slack at each window edge: a build that crossed it while the test ran may be in or out. */
const EDGE_SECONDS = 60;

export function tableStates(p: Pipeline, scope = ''): TableState[] {
  return p.tables.map((t) => tableState(p, t, scope));
}

function tableState(p: Pipeline, t: TableSpec, scope: string): TableState {
  const counts = new Map<string, number>();
  const rows = p.rows(t.name).map(rowPath).filter((path) => path.includes(scope));
  for (const path of rows) counts.set(path, (counts.get(path) ?? 0) + 1);
  const want = new Set([...p.expectedIn(t)].filter((path) => path.includes(scope)));
  // Builds near the window's edge: the loader decided at insert time, we decide now.
  const edge = (path: string) => {
    if (t.days <= 0) return false;
    const finished = p.expected.get(path) ?? Number.NaN;
    const limit = t.days * 86400;
    return finished >= p.startedAt - limit - EDGE_SECONDS && finished <= Date.now() / 1000 - limit + EDGE_SECONDS;
  };
  return {
    table: t.name,
    rows: rows.length,
    expected: want.size,
    missing: [...want].filter((path) => !counts.has(path) && !edge(path)),
    duplicates: [...counts].filter(([, n]) => n > 1).map(([path, n]) => `${path} x${n}`),
    unexpected: [...counts.keys()].filter((path) => !want.has(path) && !edge(path)),
  };
}

const summary = (states: TableState[]): string =>
  states
    .map((s) => `${s.table}: ${s.rows} rows / ${s.expected} expected, missing ${s.missing.length} ${s.missing.slice(0, 3).join(' ')}, duplicates ${s.duplicates.slice(0, 3).join(' ')}, unexpected ${s.unexpected.slice(0, 3).join(' ')}`)
    .join('; ');

/**
 * Waits until every table is complete, then until the pipeline is quiet
 * (no insert for `quietMs`, and a killed service's leased messages had time
 * to come back), and checks again: a redelivery that duplicates a row shows
 * up only after the first "complete".
 */
export async function expectExactlyOnce(p: Pipeline, opts: ExactlyOnceOptions): Promise<TableState[]> {
  const done = (states: TableState[]) => states.every((s) => s.missing.length === 0) || states.some((s) => s.duplicates.length > 0 || s.unexpected.length > 0);
  let states = await waitFor('every finished build in every table', () => {
    const s = tableStates(p, opts.scope);
    return done(s) ? s : undefined;
  }, { timeoutMs: opts.timeoutMs, intervalMs: 200, describe: () => `${summary(tableStates(p, opts.scope))}\n${p.tails()}` });
  assertClean(states, p);
  await waitQuiet(p, opts.quietMs ?? 2000, opts.timeoutMs);
  states = tableStates(p, opts.scope);
  assertClean(states, p);
  return states;
}

function assertClean(states: TableState[], p: Pipeline): void {
  const bad = states.filter((s) => s.missing.length > 0 || s.duplicates.length > 0 || s.unexpected.length > 0);
  if (bad.length > 0) throw new Error(`tables are not exactly the finished builds: ${summary(bad)}\n${p.tails()}`);
}

/**
 * Polls BigQuery's request log until no insert is in flight (a slow insert
 * lands late), none arrived for `quietMs`, and no redelivery is pending.
 */
async function waitQuiet(p: Pipeline, quietMs: number, timeoutMs: number): Promise<void> {
  const inserts = () => p.bq.stats().byRoute['tabledata.insertAll'] ?? 0;
  // An answered request has its status; 0 means BigQuery is still working on it.
  const inFlight = () => p.bq.requests().filter((r) => r.route === 'tabledata.insertAll' && r.status === 0 && r.fault !== 'hang').length;
  let last = inserts();
  let since = Date.now();
  await waitFor('a quiet pipeline', () => {
    const now = inserts();
    if (now !== last || inFlight() > 0) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= quietMs && p.redeliveryPendingMs() === 0;
  }, { timeoutMs: timeoutMs + (p.redeliveryPendingMs() || 0), intervalMs: 100 });
}
