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

/**
 * JUnit bytes as text: UTF-8 (a BOM is dropped), or Latin-1 when the XML
 * declaration says so; anything else is a counted problem and the file is skipped.
 */
export function decodeJunit(object: string, data: Buffer, problems: Problem[]): string | null {
  try {
    return UTF8.decode(data);
  } catch {
    const head = data.subarray(0, 200).toString('latin1');
    if (/^\s*<\?xml[^>]*encoding\s*=\s*["'](iso-8859-1|latin-?1|windows-1252|us-ascii)["']/i.test(head)) {
      return data.toString('latin1');
    }
    problems.push({ kind: 'non_utf8', object, detail: 'not valid UTF-8 and no Latin-1 XML declaration' });
    return null;
  }
}
