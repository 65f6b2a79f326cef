import { mkdirSync, openSync, closeSync, fsyncSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BuildRow } from '@kettle/model';
import { rowJson } from '@kettle/transform';
import type { InsertResult, PreparedRow } from './row-inserter';
import type { TableTarget } from './table-target';

/**
 * The loader's local sink (`kettle run` without BigQuery): each table is a
 * gzip NDJSON file `<dir>/<table>.json.gz`, ready for `bq load`. Each batch
 * is appended as one gzip member (a file of concatenated members is valid
 * gzip) and fsynced before the rows count as written, so a crash never
 * leaves a row recorded emitted but missing from the file.
 */
export class NdjsonTableWriter {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  fileOf(target: TableTarget): string {
    return join(this.dir, `${target.table}.json.gz`);
  }

  insert(target: TableTarget, rows: readonly PreparedRow[]): Promise<InsertResult> {
    if (rows.length === 0) return Promise.resolve({ inserted: [], rejected: [] });
    const text = rows.map((r) => rowJson(r.json as BuildRow) + '\n').join('');
    const fd = openSync(this.fileOf(target), 'a');
    try {
      writeSync(fd, gzipSync(text));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return Promise.resolve({ inserted: rows.map((r) => r.insertId), rejected: [] });
  }
}
