import { BUILD_SCHEMA } from '@kettle/model';
import { parseExactJson, type ExactJson } from './exact-json.util';
import { compileSchema, indexFields, timestampSeconds, validateRow } from './row-validate.util';

const index = indexFields(compileSchema(BUILD_SCHEMA));
const check = (row: ExactJson, ignoreUnknownValues = false) => validateRow(index, row, { ignoreUnknownValues });
const messages = (row: ExactJson): string[] => {
  const r = check(row);
  return 'errors' in r ? r.errors.map((e) => `${e.location}: ${e.message}`) : [];
};

describe('validateRow', () => {
  it('converts a full build row to stored form', () => {
    const r = check(
      parseExactJson(
        '{"path":"gs://b/1","number":1234567890123456789,"started":1700000000,"finished":"1700000100","elapsed":"100.5","passed":"TRUE",' +
          '"tests_run":"007","metadata":[{"key":"k","value":"v"}],"test":[{"name":"a","time":0.25,"failed":false}]}',
      ),
    );
    expect(r).toEqual({
      row: {
        path: 'gs://b/1',
        number: '1234567890123456789',
        started: 1700000000,
        finished: 1700000100,
        elapsed: 100.5,
        passed: true,
        tests_run: '7',
        metadata: [{ key: 'k', value: 'v' }],
        test: [{ name: 'a', time: 0.25, failed: false }],
      },
      bytes: expect.any(Number) as number,
    });
  });

  it('treats null as no value and matches field names case-insensitively', () => {
    expect(check({ PATH: 'x', job: null })).toEqual({ row: { path: 'x' }, bytes: 3 });
  });

  it('reports every problem with its location', () => {
    expect(
      messages({
        path: 1,
        nope: 'x',
        number: '12a',
        elapsed: 'fast',
        passed: 'yes',
        started: 'yesterday',
        metadata: { key: 'k' },
        test: [{ name: 'a', extra: 1 }, null, 'str'],
        result: ['SUCCESS'],
      }),
    ).toEqual([
      'path: Cannot convert value to string: 1 (field path).',
      'nope: no such field: nope.',
      'number: Cannot convert value to integer (bad value): 12a',
      'elapsed: Cannot convert value to floating point (bad value): fast',
      'passed: Cannot convert value to boolean: yes',
      'started: Cannot convert value to timestamp (bad value): yesterday',
      'metadata: Field metadata is REPEATED: expected a JSON array.',
      'test[0].extra: no such field: test[0].extra.',
      'test[1]: Null element in repeated field: test.',
      'test[2]: This field: test[2] is not a record.',
      'result: Array specified for non-repeated field: result.',
    ]);
  });

  it('drops unknown fields when ignoreUnknownValues is set', () => {
    expect(check({ path: 'x', nope: 1, test: [{ name: 'a', zz: 2 }] }, true)).toEqual({
      row: { path: 'x', test: [{ name: 'a' }] },
      bytes: 3 + 3,
    });
  });

  it('rejects integers outside int64 and non-integral numbers', () => {
    expect(messages({ number: 9223372036854775808n })).toHaveLength(1);
    expect(messages({ number: '-9223372036854775809' })).toHaveLength(1);
    expect(messages({ number: 1.5 })).toHaveLength(1);
    expect(check({ number: -9223372036854775808n })).toEqual({ row: { number: '-9223372036854775808' }, bytes: 8 });
  });

  it('enforces REQUIRED fields, nested ones too', () => {
    const strict = indexFields(
      compileSchema([
        { name: 'id', type: 'STRING', mode: 'REQUIRED' },
        { name: 'r', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'k', type: 'INT64', mode: 'REQUIRED' }] },
      ]),
    );
    const r = validateRow(strict, { id: null, r: [{}] }, { ignoreUnknownValues: false });
    expect('errors' in r && r.errors.map((e) => e.message)).toEqual(['Missing required field: r[0].k.', 'Missing required field: id.']);
  });

  it('refuses a schema with unsupported types or duplicate names', () => {
    expect(() => compileSchema([{ name: 'g', type: 'GEOGRAPHY' }])).toThrow(/not a field type supported/);
    expect(() => compileSchema([{ name: 'a', type: 'STRING' }, { name: 'A', type: 'STRING' }])).toThrow(/already exists/);
    expect(() => compileSchema([{ name: 'r', type: 'RECORD' }])).toThrow(/no schema/);
  });
});

describe('timestampSeconds', () => {
  it.each([
    [1700000000, 1700000000],
    ['1700000000.5', 1700000000.5],
    ['2023-11-14 22:13:20', 1700000000],
    ['2023-11-14T22:13:20.250Z', 1700000000.25],
    ['2023-11-14T23:13:20+01:00', 1700000000],
    ['2023-11-14 22:13:20 UTC', 1700000000],
    ['0001-01-01', -62135596800],
  ])('reads %j', (input, seconds) => {
    expect(timestampSeconds(input)).toBeCloseTo(seconds, 6);
  });

  it.each(['2023-02-30', '2023-13-01', 'soon', '10000-01-01', 1e12, true])('refuses %j', (input) => {
    expect(timestampSeconds(input)).toBeUndefined();
  });
});
