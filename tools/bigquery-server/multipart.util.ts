import { gunzipSync } from 'node:zlib';
import { invalid } from './api-error.util';

export type Part = { headers: Record<string, string>; body: Buffer };

/**
 * A `multipart/related` body as the client's HTTP layer (teeny-request) writes
 * it for uploads: `--B CRLF headers CRLF CRLF body CRLF` per part, then `--B--`.
 */
export function parseMultipart(contentType: string | undefined, body: Buffer): Part[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/') || !m?.[1]) {
    throw invalid('Upload requests must be multipart/related with a boundary.');
  }
  const delimiter = Buffer.from(`--${m[1]}`);
  const next = Buffer.from(`\r\n--${m[1]}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw invalid('Malformed multipart body: no boundary.');
  const parts: Part[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing --B--
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw invalid('Malformed multipart body: part without headers.');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const end = body.indexOf(next, headerEnd + 4);
    if (end < 0) throw invalid('Malformed multipart body: unterminated part.');
    parts.push({ headers, body: body.subarray(headerEnd + 4, end) });
    pos = end + 2;
  }
}

// Far above anything Kettle uploads, low enough that a gzip bomb cannot take the server down.
const MAX_UNCOMPRESSED = 2 ** 30;

/** Gunzip when the data starts with the gzip magic bytes, as BigQuery detects compressed uploads. */
export function maybeGunzip(data: Buffer): Buffer {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      return gunzipSync(data, { maxOutputLength: MAX_UNCOMPRESSED });
    } catch (e) {
      throw invalid(`Error while reading data, error message: bad gzip data: ${(e as Error).message}`);
    }
  }
  return data;
}
