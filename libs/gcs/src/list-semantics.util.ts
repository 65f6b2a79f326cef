// GCS listing semantics for backends that hold the whole tree (local folder,
// fake): order by the UTF-8 bytes of the name, fold names that contain the
// delimiter after the prefix into one "folder" per distinct head, and cut
// the merged sequence into pages.

import type { ListResult, ObjectInfo } from './gcs.types';

/** Default page size, GCS's own maximum for objects.list. */
export const LIST_PAGE_SIZE = 1000;

/**
 * Orders names as GCS does: by UTF-8 bytes, which is code point order. JS
 * `<` compares UTF-16 code units, which disagrees when a surrogate pair
 * (code points above U+FFFF) meets U+E000..U+FFFF; shift those ranges so
 * code-unit order matches code-point order without allocating buffers.
 */
export function compareObjectNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixUp(x) - fixUp(y);
  }
  return a.length - b.length;
}

function fixUp(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** One entry of a listing in GCS order: an object, or a folder key. */
export type ListEntry = { kind: 'object'; key: string; object: ObjectInfo } | { kind: 'prefix'; key: string };

/**
 * Applies prefix and delimiter to `objects` (any order) and returns the
 * entries in GCS order, each folder once at the place of its first object.
 */
export function listEntries(objects: Iterable<ObjectInfo>, prefix: string, delimiter?: string): ListEntry[] {
  const entries: ListEntry[] = [];
  const folders = new Set<string>();
  for (const object of objects) {
    if (!object.name.startsWith(prefix)) continue;
    const cut = delimiter ? object.name.indexOf(delimiter, prefix.length) : -1;
    if (cut === -1 || delimiter === undefined) {
      entries.push({ kind: 'object', key: object.name, object });
      continue;
    }
    const folder = object.name.slice(0, cut + delimiter.length);
    if (!folders.has(folder)) {
      folders.add(folder);
      entries.push({ kind: 'prefix', key: folder });
    }
  }
  // A folder sorts before all its objects and after anything smaller, so
  // sorting by key reproduces the order of GCS's scan over object names.
  return entries.sort((a, b) => compareObjectNames(a.key, b.key));
}

/** Cuts entries into pages of `pageSize`; always at least one page. */
export function* pagesOf(entries: readonly ListEntry[], pageSize = LIST_PAGE_SIZE): Generator<ListResult> {
  let start = 0;
  do {
    const page: ListResult = { items: [], prefixes: [] };
    for (const entry of entries.slice(start, start + pageSize)) {
      if (entry.kind === 'object') page.items.push(entry.object);
      else page.prefixes.push(entry.key);
    }
    yield page;
    start += pageSize;
  } while (start < entries.length);
}

/** Drains a listing into one result (fine for job and build folders). */
export async function collectListing(pages: AsyncIterable<ListResult>): Promise<ListResult> {
  const all: ListResult = { items: [], prefixes: [] };
  for await (const page of pages) {
    all.items.push(...page.items);
    all.prefixes.push(...page.prefixes);
  }
  return all;
}
