/**
 * The reference rows: `kettle make-json` over a copy of the services' store,
 * put into the form BigQuery hands cells back in, so a table row and the
 * reference row for the same build compare with a plain deep equality.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseExactJson, type ExactJson, type StoredRow, type CellValue } from '@kettle/bigquery-server';
import { BUILD_SCHEMA, type SchemaField } from '@kettle/model';
import { rowPath, type Pipeline } from './pipeline';
import { REPO_ROOT } from './service-process';

/** Rows of `kettle make-json` (every finished build in the store) by path, in BigQuery's stored form. */
export async function makeJsonRows(p: Pipeline): Promise<Map<string, StoredRow>> {
  // A consistent snapshot while the services keep the store open (WAL): make-json
  // records what it emitted, and the services' store must not change under the test.
  const copy = join(p.dir, `make-json-${Date.now()}.db`);
  const src = new Database(p.db, { readonly: true, fileMustExist: true });
  try {
    await src.backup(copy);
  } finally {
    src.close();
  }
  const out = await run(['bin/kettle.js', 'make-json', '--db', copy, '--buckets', p.bucketsFile, '--threads', '1']);
  const rows = new Map<string, StoredRow>();
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const row = storedForm(parseExactJson(line), BUILD_SCHEMA);
    rows.set(rowPath(row), row);
  }
  return rows;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`kettle ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/**
 * A row as written (JSON, 19-digit integers as bigint) in the form the
 * BigQuery server stores and returns: INTEGER as decimal digits, TIMESTAMP
 * as epoch seconds, FLOAT as a number. A field the row leaves out stays out.
 */
export function storedForm(row: ExactJson, fields: readonly SchemaField[]): StoredRow {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`not a row: ${typeof row === 'bigint' ? row.toString() : JSON.stringify(row)}`);
  const out: StoredRow = {};
  for (const f of fields) {
    const v = row[f.name];
    if (v === undefined || v === null) continue;
    out[f.name] = f.mode === 'REPEATED' ? asArray(v, f).map((x) => cell(x, f)) : cell(v, f);
  }
  return out;
}

function asArray(v: ExactJson, f: SchemaField): ExactJson[] {
  if (!Array.isArray(v)) throw new Error(`${f.name}: REPEATED field is not an array`);
  return v;
}

function cell(v: ExactJson, f: SchemaField): CellValue {
  switch (f.type) {
    case 'INTEGER':
      return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' ? BigInt(v).toString() : fail(f, v);
    case 'FLOAT':
    case 'TIMESTAMP':
      return typeof v === 'number' || typeof v === 'string' ? Number(v) : typeof v === 'bigint' ? Number(v) : fail(f, v);
    case 'BOOLEAN':
      return typeof v === 'boolean' ? v : fail(f, v);
    case 'STRING':
      return typeof v === 'string' ? v : fail(f, v);
    case 'RECORD':
      return storedForm(v, f.fields ?? []);
  }
}

function fail(f: SchemaField, v: ExactJson): never {
  throw new Error(`${f.name} (${f.type}): unexpected value ${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`);
}
