import type { ObjectInfo } from './gcs.types';
import { compareObjectNames, listEntries, pagesOf } from './list-semantics.util';

const objects = (...names: string[]): ObjectInfo[] => names.map((name) => ({ name, size: name.length }));

describe('compareObjectNames', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    const names = ['\u{1F600}', '\uFF5E', 'b', 'a/', 'a-b', 'a', 'é', ''];
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareObjectNames)).toEqual(byBytes);
    // JS's default sort would put the emoji (surrogates) before U+FF5E.
    expect([...names].sort()).not.toEqual(byBytes);
  });
});

describe('listEntries', () => {
  const tree = objects('a', 'a-b', 'a/1', 'a/2/x', 'a/2/y', 'a0', 'b/c', 'b/d/e');

  it.each([
    ['', undefined, ['a', 'a-b', 'a/1', 'a/2/x', 'a/2/y', 'a0', 'b/c', 'b/d/e'], []],
    ['', '/', ['a', 'a-b', 'a0'], ['a/', 'b/']],
    ['a', '/', ['a', 'a-b', 'a0'], ['a/']],
    ['a/', '/', ['a/1'], ['a/2/']],
    ['a/2', '/', [], ['a/2/']],
    ['b/', undefined, ['b/c', 'b/d/e'], []],
    ['zzz', '/', [], []],
    ['', '-', ['a', 'a/1', 'a/2/x', 'a/2/y', 'a0', 'b/c', 'b/d/e'], ['a-']],
  ])('prefix %j delimiter %j', (prefix, delimiter, items, prefixes) => {
    const entries = listEntries(tree, prefix, delimiter);
    expect(entries.filter((e) => e.kind === 'object').map((e) => e.key)).toEqual(items);
    expect(entries.filter((e) => e.kind === 'prefix').map((e) => e.key)).toEqual(prefixes);
  });

  it('merges folders into name order', () => {
    expect(listEntries(tree, '', '/').map((e) => e.key)).toEqual(['a', 'a-b', 'a/', 'a0', 'b/']);
  });

  it('cuts pages counting folders and objects alike, always at least one', () => {
    const pages = [...pagesOf(listEntries(tree, '', '/'), 2)];
    expect(pages).toEqual([
      { items: [tree[0], tree[1]], prefixes: [] },
      { items: [tree[5]], prefixes: ['a/'] },
      { items: [], prefixes: ['b/'] },
    ]);
    expect([...pagesOf([], 2)]).toEqual([{ items: [], prefixes: [] }]);
  });
});
