import { BadPageTokenError, listPage, type ListPage } from './list-page.util';

/** Follows nextPageToken like a client would. */
function allPages(names: string[], prefix: string, delimiter: string, max: number): ListPage[] {
  const pages: ListPage[] = [];
  let token: string | undefined;
  do {
    const page = listPage(names, prefix, delimiter, max, token);
    pages.push(page);
    token = page.nextPageToken;
  } while (token !== undefined);
  return pages;
}

describe('listPage', () => {
  const names = ['b/2', 'a', 'b/1', 'c/x/1', 'b/3', 'a0', 'c/y', 'd'];

  it('sorts, folds folders and pages by entries', () => {
    const pages = allPages(names, '', '/', 2);
    expect(pages.map((p) => [p.items, p.prefixes])).toEqual([
      [['a', 'a0'], []],
      [[], ['b/', 'c/']],
      [['d'], []],
    ]);
    expect(pages[1]?.nextPageToken).toBeDefined();
    expect(pages[2]?.nextPageToken).toBeUndefined();
  });

  it('never repeats a folder that ends a page', () => {
    const pages = allPages(['b/1', 'b/2', 'b/3', 'c', 'a'], '', '/', 2);
    expect(pages.flatMap((p) => p.prefixes)).toEqual(['b/']);
    expect(pages.flatMap((p) => p.items)).toEqual(['a', 'c']);
    expect(pages).toHaveLength(2);
  });

  it('gives no token when a page is exactly full', () => {
    expect(listPage(['a', 'b'], '', '', 2).nextPageToken).toBeUndefined();
  });

  it('keeps names below a prefix and folds at the first delimiter after it', () => {
    expect(listPage(names, 'c/', '/', 1000)).toEqual({ items: ['c/y'], prefixes: ['c/x/'] });
    expect(listPage(names, 'b', '/', 1000)).toEqual({ items: [], prefixes: ['b/'] });
  });

  it('orders by UTF-8 bytes', () => {
    expect(listPage(['\u{1F600}', '\uFF5E', 'z'], '', '', 10).items).toEqual(['z', '\uFF5E', '\u{1F600}']);
  });

  it('rejects a forged token', () => {
    expect(() => listPage(names, '', '', 10, 'not-a-token')).toThrow(BadPageTokenError);
  });
});
