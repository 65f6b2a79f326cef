import { isUtf8 } from 'node:buffer';
import { isJsonObject, type JsonObject } from '@kettle/model';
import type { Problem } from './collect-problems';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses started.json / finished.json. A missing document is absent, not an
 * error; a document that is not UTF-8, not JSON, not an object, or `{}` is a
 * counted problem and treated as absent (never retried: it will not change).
 */
export function parseBuildDocument(object: string, data: Buffer | null, problems: Problem[]): JsonObject | null {
  if (data === null) return null;
  let text: string;
  try {
    text = UTF8.decode(data);
  } catch {
    problems.push({ kind: 'non_utf8', object, detail: 'not valid UTF-8' });
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    problems.push({ kind: 'invalid_json', object, detail: e instanceof Error ? e.message : String(e) });
    return null;
  }
  if (!isJsonObject(value)) {
    problems.push({ kind: 'not_object', object, detail: `a JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object` });
    return null;
  }
  if (Object.keys(value).length === 0) {
    problems.push({ kind: 'empty_document', object, detail: 'the document is {}' });
    return null;
  }
  return value;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LATIN1_DECLARATION = /^\s*<\?xml[^>]*encoding\s*=\s*["'](iso-8859-1|latin-?1|windows-1252|us-ascii)["']/i;

/**
 * JUnit bytes as stored: UTF-8 as it is (a BOM dropped), checked natively
 * without decoding; Latin-1 re-encoded as UTF-8 when the XML declaration says
 * so; anything else is a counted problem and the file is skipped.
 */
export function junitAsUtf8(object: string, data: Buffer, problems: Problem[]): Buffer | null {
  const body = data.subarray(0, 3).equals(BOM) ? data.subarray(3) : data;
  if (isUtf8(body)) return body;
  if (LATIN1_DECLARATION.test(body.subarray(0, 200).toString('latin1'))) return Buffer.from(body.toString('latin1'), 'utf8');
  problems.push({ kind: 'non_utf8', object, detail: 'not valid UTF-8 and no Latin-1 XML declaration' });
  return null;
}

/** `junitAsUtf8` as text. */
export function decodeJunit(object: string, data: Buffer, problems: Problem[]): string | null {
  return junitAsUtf8(object, data, problems)?.toString('utf8') ?? null;
}
