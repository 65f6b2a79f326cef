import type { BuildRow } from '@kettle/model';
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
