/**
 * Emitted-table names end up inside SQL text (SQLite cannot bind table names),
 * so only these are ever accepted: `build_emitted`, `build_emitted_<x>`, and
 * make_json's scratch table `incremental_manual`.
 */
const EMITTED_TABLE = /^(build_emitted(_[A-Za-z0-9_]{1,100})?|incremental_manual)$/;

export function assertEmittedTable(name: string): void {
  if (!EMITTED_TABLE.test(name)) {
    throw new Error(`invalid emitted-table name "${name}": expected build_emitted, build_emitted_<letters, digits, _> or incremental_manual`);
  }
}

/**
 * The old make_json names: `build_emitted` without (or with zero) days, else
 * `build_emitted_<'%g' % days>` with `.` as `_` (1 → `_1`, 0.5 → `_0_5`).
 */
export function emittedTableForDays(days?: number): string {
  if (days === undefined || days === 0) return 'build_emitted';
  if (!Number.isFinite(days) || days < 1e-4 || days >= 1e6) {
    throw new Error(`--days ${days}: must be a number of days between 0.0001 and 999999`);
  }
  // %g keeps 6 significant digits and drops trailing zeros.
  return `build_emitted_${String(Number(days.toPrecision(6))).replace('.', '_')}`;
}

/** The loader's emitted-table for one BigQuery table (one per destination table). */
export function emittedTableForBigQuery(dataset: string, table: string): string {
  const clean = `${dataset}_${table}`.replace(/[^A-Za-z0-9_]/g, '_');
  const name = `build_emitted_bq_${clean}`;
  assertEmittedTable(name);
  return name;
}

/**
 * [lo, hi) bounds of every path under a folder: `folder` ends in `/`, and `hi`
 * replaces that `/` by the next code point `0`, so `.../1/` never covers `.../10/`.
 */
export function folderRange(folder: string): [string, string] {
  if (!folder.endsWith('/')) throw new Error(`folder "${folder}" must end in /`);
  return [folder, folder.slice(0, -1) + '0'];
}
