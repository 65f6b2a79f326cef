const TOKENS = /(\d+)|(\D+)/g;

/**
 * Natural order (digit runs compared as numbers, of any length, without
 * losing precision past 2^53): `9 < 10 < 1720541231756461222`.
 */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(TOKENS) ?? [];
  const tb = b.match(TOKENS) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    const xd = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const yd = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (xd && yd) {
      const xs = x.replace(/^0+(?=\d)/, '');
      const ys = y.replace(/^0+(?=\d)/, '');
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
      if (x.length !== y.length) return x.length - y.length;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

export const naturalDescending = (names: Iterable<string>): string[] => [...names].sort((a, b) => naturalCompare(b, a));
