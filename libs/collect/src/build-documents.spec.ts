import type { Problem } from './collect-problems';
import { decodeJunit, parseBuildDocument } from './build-documents';

describe('parseBuildDocument', () => {
  it.each([
    ['missing', null, null, []],
    ['an object', Buffer.from('{"timestamp": 1}'), { timestamp: 1 }, []],
    ['invalid JSON', Buffer.from('{"timestamp": '), null, ['invalid_json']],
    ['an array', Buffer.from('[1]'), null, ['not_object']],
    ['{}', Buffer.from('{}'), null, ['empty_document']],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), null, ['non_utf8']],
  ])('%s', (_name, data, want, kinds) => {
    const problems: Problem[] = [];
    expect(parseBuildDocument('gs://b/j/1/started.json', data, problems)).toEqual(want);
    expect(problems.map((p) => p.kind)).toEqual(kinds);
    for (const p of problems) expect(p.object).toBe('gs://b/j/1/started.json');
  });
});

describe('decodeJunit', () => {
  it('reads UTF-8 and drops a BOM', () => {
    expect(decodeJunit('o', Buffer.from('\ufeff<a>é</a>'), [])).toBe('<a>é</a>');
  });
  it('reads Latin-1 when declared', () => {
    const data = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'), Buffer.from([0xe9]), Buffer.from('</a>')]);
    expect(decodeJunit('o', data, [])).toContain('<a>é</a>');
  });
  it('skips other non-UTF-8 bytes as a counted problem', () => {
    const problems: Problem[] = [];
    expect(decodeJunit('gs://b/j/1/artifacts/junit.xml', Buffer.from([0x3c, 0xff]), problems)).toBeNull();
    expect(problems).toEqual([{ kind: 'non_utf8', object: 'gs://b/j/1/artifacts/junit.xml', detail: 'not valid UTF-8 and no Latin-1 XML declaration' }]);
  });
});
