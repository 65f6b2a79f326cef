import { invalid } from './api-error.util';
import type { BigQueryStore, Table } from './bigquery.store';
import { isExactJsonObject, type ExactJsonObject } from './exact-json.util';
import type { FaultController } from './faults.util';
import { rowError, validateRow } from './row-validate.util';
import type { RowError, ServerStats, StoredRow } from './server.types';

export type InsertAllContext = {
  store: BigQueryStore;
  faults: FaultController;
  stats: ServerStats;
  dedupeWindowMs: number;
};

type InsertError = { index: number; errors: RowError[] };

// BigQuery's hard limit on rows per insertAll request (500 is the recommendation).
const MAX_ROWS = 50_000;

/**
 * tabledata.insertAll. Without skipInvalidRows one bad row fails the whole
 * request: BigQuery answers 200 with the bad rows' errors and every good row
 * marked `stopped`, and inserts nothing, so a caller that ignores insertErrors
 * loses rows. That is the behaviour the loader must handle, so it is mirrored.
 */
export function insertAll(ctx: InsertAllContext, table: Table, body: ExactJsonObject): ExactJsonObject {
  if (body.templateSuffix !== undefined) throw invalid('templateSuffix is not supported by bigquery-server.');
  const rows = body.rows;
  if (!Array.isArray(rows) || rows.length === 0) throw invalid('No rows present in the request.');
  if (rows.length > MAX_ROWS) throw invalid(`too many rows present in the request, limit: ${MAX_ROWS} row count: ${rows.length}.`);
  const skipInvalidRows = body.skipInvalidRows === true;
  const ignoreUnknownValues = body.ignoreUnknownValues === true;

  const insertErrors: InsertError[] = [];
  const good: { index: number; row: StoredRow; bytes: number; insertId?: string }[] = [];
  rows.forEach((entry, index) => {
    if (!isExactJsonObject(entry) || !isExactJsonObject(entry.json)) {
      insertErrors.push({ index, errors: [rowError('', 'Row must be an object with a "json" object.')] });
      return;
    }
    const result = validateRow(table.index, entry.json, { ignoreUnknownValues });
    const rejected = ctx.faults.rejection(entry.json, table.tableId);
    if ('errors' in result || rejected !== undefined) {
      const errors = 'errors' in result ? result.errors : [];
      if (rejected !== undefined) errors.push(rowError('', rejected));
      insertErrors.push({ index, errors });
      return;
    }
    const insertId = typeof entry.insertId === 'string' && entry.insertId !== '' ? entry.insertId : undefined;
    good.push({ index, row: result.row, bytes: result.bytes, ...(insertId !== undefined ? { insertId } : {}) });
  });

  ctx.stats.rowsRejected += insertErrors.length;
  if (insertErrors.length > 0 && !skipInvalidRows) {
    for (const { index } of good) insertErrors.push({ index, errors: [rowError('', '', 'stopped')] });
    insertErrors.sort((a, b) => a.index - b.index);
    return { kind: 'bigquery#tableDataInsertAllResponse', insertErrors: insertErrors };
  }

  const now = Date.now();
  pruneInsertIds(table, now - ctx.dedupeWindowMs);
  const fresh: StoredRow[] = [];
  let bytes = 0;
  for (const g of good) {
    if (g.insertId !== undefined) {
      if (table.insertIds.has(g.insertId)) {
        ctx.stats.rowsDeduplicated++;
        continue;
      }
      table.insertIds.set(g.insertId, now);
    }
    fresh.push(g.row);
    bytes += g.bytes;
  }
  if (fresh.length > 0) ctx.store.appendRows(table, fresh, bytes);
  ctx.stats.rowsInserted += fresh.length;
  return insertErrors.length
    ? { kind: 'bigquery#tableDataInsertAllResponse', insertErrors: insertErrors }
    : { kind: 'bigquery#tableDataInsertAllResponse' };
}

/** Forget insertIds older than the window; the map is in insertion (= time) order. */
function pruneInsertIds(table: Table, before: number): void {
  for (const [id, seen] of table.insertIds) {
    if (seen >= before) break;
    table.insertIds.delete(id);
  }
}
