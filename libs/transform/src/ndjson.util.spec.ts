import type { BuildRow } from '@kettle/model';
import { pythonFloat, pythonString } from '@kettle/model';
import { ndjsonLine, rowJson } from './ndjson.util';

describe('rowJson', () => {
  const row: BuildRow = {
    path: 'gs://kubernetes-jenkins/logs/ci-kubernetes-e2e-gci-gce/1720541231756461222',
    job: 'ci-kubernetes-e2e-gci-gce',
    number: '1720541231756461222',
    started: 1720541231,
    finished: 1720544831,
    elapsed: 3600,
    passed: false,
    result: 'FAILURE',
    tests_run: 2,
    tests_failed: 1,
    metadata: [{ key: 'repos', value: '{"k8s.io/kubernetes": "master"}' }],
    test: [
      { name: 'Up', time: 3, failed: false },
      { name: '[sig-node] é 😀', time: 2.065e-5, failed: true, failure_text: 'line 1\nline "2"' },
    ],
  };

  it('writes the row as old make_json did: sorted keys, Python separators and floats, ensure_ascii', () => {
    expect(rowJson(row)).toBe(
      '{"elapsed": 3600, "finished": 1720544831, "job": "ci-kubernetes-e2e-gci-gce", ' +
        '"metadata": [{"key": "repos", "value": "{\\"k8s.io/kubernetes\\": \\"master\\"}"}], ' +
        '"number": 1720541231756461222, "passed": false, ' +
        '"path": "gs://kubernetes-jenkins/logs/ci-kubernetes-e2e-gci-gce/1720541231756461222", ' +
        '"result": "FAILURE", "started": 1720541231, ' +
        '"test": [{"failed": false, "name": "Up", "time": 3.0}, ' +
        '{"failed": true, "failure_text": "line 1\\nline \\"2\\"", "name": "[sig-node] \\u00e9 \\ud83d\\ude00", "time": 2.065e-05}], ' +
        '"tests_failed": 1, "tests_run": 2}',
    );
  });

  it('keeps a 19-digit build number exact, as a bare JSON integer', () => {
    const line = ndjsonLine(row);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line).toContain('"number": 1720541231756461222,');
    // JSON.parse would round it; the digits on the wire are what BigQuery reads.
    expect(/"number": (\d+),/.exec(line)?.[1]).toBe('1720541231756461222');
    expect(BigInt(/"number": (\d+),/.exec(line)?.[1] ?? '0')).toBe(1720541231756461222n);
  });

  it('quotes a number that is not all digits rather than write invalid JSON', () => {
    expect(rowJson({ path: 'p', number: '12a', tests_run: 0, tests_failed: 0, test: [] })).toBe(
      '{"number": "12a", "path": "p", "test": [], "tests_failed": 0, "tests_run": 0}',
    );
  });

  it('is always valid JSON: NaN and Infinity are left out, undefined fields skipped', () => {
    const bad = {
      path: 'p',
      elapsed: NaN,
      started: undefined,
      tests_run: 1,
      tests_failed: 0,
      test: [{ name: 't', time: Infinity, failed: false }],
    } as BuildRow;
    const text = rowJson(bad);
    expect(text).toBe('{"path": "p", "test": [{"failed": false, "name": "t"}], "tests_failed": 0, "tests_run": 1}');
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it('round-trips through JSON.parse to the same row (apart from number)', () => {
    const parsed = JSON.parse(rowJson({ ...row, number: '7' })) as Record<string, unknown>;
    expect(parsed).toEqual({ ...row, number: 7 });
  });
});

describe('rowJson: the fast paths for test objects give the general bytes', () => {
  // The general rules, written plainly: keys sorted, undefined and non-finite left out.
  const plain = (obj: Record<string, unknown>): string =>
    '{' +
    Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined && !(typeof obj[k] === 'number' && !Number.isFinite(obj[k])))
      .map((k) => `${pythonString(k)}: ${typeof obj[k] === 'number' ? (k === 'time' ? pythonFloat(obj[k]) : String(obj[k])) : typeof obj[k] === 'string' ? pythonString(obj[k]) : JSON.stringify(obj[k])}`)
      .join(', ') +
    '}';
  const testsOf = (test: unknown[]): string => {
    const line = rowJson({ path: 'p', tests_run: 0, tests_failed: 0, test: test as BuildRow['test'] });
    return line.slice(line.indexOf('"test": [') + 9, line.indexOf('], "tests_failed"'));
  };

  it.each<[string, Record<string, unknown>]>([
    ['name only', { name: 'a' }],
    ['all four, in creation order', { name: 'n', failed: true, time: 1.5, failure_text: 'x\n"y"\\ \u0001 é 😀' }],
    ['failed false', { name: 'n', failed: false }],
    ['time NaN left out', { name: 'n', time: NaN }],
    ['time Infinity left out', { name: 'n', time: -Infinity }],
    ['undefined failure_text left out', { name: 'n', failure_text: undefined }],
    ['no name', { time: 2 }],
    ['empty', {}],
    ['an unknown key: general path', { name: 'n', zeta: 1, alpha: 'a' }],
    ['name with escapes', { name: 'tab\there "q" \\ \u007f \u0085 \u2028 \ud800' }],
  ])('%s', (_label, obj) => {
    expect(testsOf([obj])).toBe(plain(obj));
  });

  it('an inherited or hidden key is not written, as Object.keys would not list it', () => {
    const proto = { failed: true };
    const inherited = Object.assign(Object.create(proto) as Record<string, unknown>, { name: 'n' });
    const hidden: Record<string, unknown> = { name: 'n' };
    Object.defineProperty(hidden, 'time', { value: 3, enumerable: false });
    expect(testsOf([inherited, hidden])).toBe('{"name": "n"}, {"name": "n"}');
  });

  it('writes every test time as pythonFloat does', () => {
    let seed = 1;
    const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const times = [0, 1, 0.1, 0.5, 1e-4, 9.99e-5, 1e9, 999999999.999999, 123.456, 0.000123, 2.065e-5, 1e16, 1e21, -1.5, 3.0000001, 0.30000000000000004, 291.4489, 190.391056];
    for (let i = 0; i < 20000; i++) {
      const digits = Math.floor(next() * 8);
      times.push(Number((next() * 10 ** Math.floor(next() * 10)).toFixed(digits)), next() * 1000, next() / 1000);
    }
    const written = testsOf(times.map((time) => ({ name: 't', time }))).split('}, ');
    const wrong = times.filter((time, i) => written[i].replace(/}$/, '') !== `{"name": "t", "time": ${pythonFloat(time)}`);
    expect(wrong).toEqual([]);
  });

  it('is ASCII whatever the text (the workers write it as Latin-1)', () => {
    const text = rowJson({ path: 'é', tests_run: 1, tests_failed: 1, test: [{ name: '日本 😀', failure_text: '\u00ff\u0100', failed: true }] });
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
  });
});
