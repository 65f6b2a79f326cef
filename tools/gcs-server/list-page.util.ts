// objects.list paging as GCS does it: entries (objects and folders) in order
// of the UTF-8 bytes of their key; a folder is one entry no matter how many
// objects it holds; `maxResults` counts both kinds (GCS caps it at 1000);
// the next page resumes strictly after the last key returned, so a folder
// never repeats across pages.
//
// Written independently of libs/gcs's list-semantics on purpose: the
// integration tests compare the two.

export const MAX_RESULTS = 1000;

export type ListPage = {
  items: string[];
  prefixes: string[];
  nextPageToken?: string;
};

export class BadPageTokenError extends Error {
  override readonly name = 'BadPageTokenError';
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Opaque to clients, like GCS's: base64url of the last key served. */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey })).toString('base64url');
}

export function decodePageToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { after?: unknown }).after === 'string') {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through to the error below
  }
  throw new BadPageTokenError(`invalid pageToken ${JSON.stringify(token)}`);
}

export function listPage(
  names: readonly string[],
  prefix: string,
  delimiter: string,
  maxResults: number,
  pageToken?: string,
): ListPage {
  const after = pageToken === undefined ? undefined : utf8(decodePageToken(pageToken));
  const sorted = names
    .filter((n) => n.startsWith(prefix))
    .map((n) => ({ name: n, bytes: utf8(n) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const page: ListPage = { items: [], prefixes: [] };
  let count = 0;
  let lastKey: string | undefined;
  for (const { name } of sorted) {
    let key = name;
    let folder = false;
    if (delimiter !== '') {
      const at = name.indexOf(delimiter, prefix.length);
      if (at !== -1) {
        key = name.slice(0, at + delimiter.length);
        folder = true;
      }
    }
    if (key === lastKey) continue; // more objects of the folder just emitted
    if (after !== undefined && Buffer.compare(utf8(key), after) <= 0) continue;
    if (count === maxResults) {
      // Another entry exists beyond this page.
      page.nextPageToken = encodePageToken(lastKey ?? '');
      break;
    }
    if (folder) page.prefixes.push(key);
    else page.items.push(key);
    lastKey = key;
    count++;
  }
  return page;
}
