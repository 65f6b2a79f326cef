import type { Random } from './random.util';

const SIGS = ['sig-node', 'sig-network', 'sig-storage', 'sig-apps', 'sig-cli', 'sig-auth', 'sig-scheduling', 'sig-api-machinery'];
const WORDS = ['should', 'create', 'pods', 'with', 'volume', 'mount', 'serve', 'endpoints', 'retry', 'watch', 'delete', 'scale', 'update', 'status', 'conformance', 'when', 'the', 'node', 'restarts', 'quickly'];

export type JunitSpec = {
  /** Target size in bytes of the XML without system-out/err. */
  bytes: number;
  /** Bytes of <system-out> log added (stripped by the collector). */
  logBytes: number;
  /** Share of cases that are skipped (e2e suites skip most). */
  skipRate: number;
  failRate: number;
};

/**
 * A JUnit file shaped like Kubernetes CI's: an e2e-style `<testsuite>` of many
 * `[sig-x]` cases, most skipped, a few failed with long messages, timings
 * with decimals; or a `<testsuites>` root for unit-test style files.
 */
export function junitXml(rng: Random, spec: JunitSpec): string {
  const parts: string[] = [];
  let size = 0;
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  const wrapSuites = rng.chance(0.3);
  while (size < spec.bytes) {
    tests++;
    const name = `[${rng.pick(SIGS)}] ${Array.from({ length: rng.int(4, 12) }, () => rng.pick(WORDS)).join(' ')} #${tests}`.replace(/ #\d+$/, rng.chance(0.02) ? ` #${tests}` : ` ${tests}`);
    const time = rng.chance(0.05) ? '' : (rng.next() * 300).toFixed(rng.int(1, 6));
    let body = '';
    if (rng.chance(spec.skipRate)) {
      skipped++;
      body = '<skipped></skipped>';
    } else if (rng.chance(spec.failRate)) {
      failures++;
      const msg = `failed: ${Array.from({ length: rng.int(5, 40) }, () => rng.pick(WORDS)).join(' ')}`;
      body = rng.chance(0.5)
        ? `<failure type="Failure">${msg}\n${'    at k8s.io/kubernetes/test/e2e/framework.go:123 &lt;stack&gt;\n'.repeat(rng.int(5, 200))}</failure>`
        : `<failure message="${msg}" type="Failure"></failure>`;
    }
    const tc = `    <testcase name="${name}" classname="Kubernetes e2e suite" time="${time}">${body}</testcase>\n`;
    parts.push(tc);
    size += tc.length;
  }
  const log = spec.logBytes > 0 ? `  <system-out>${'I1126 12:00:00.000000 log line with details of the run &amp; more\n'.repeat(Math.ceil(spec.logBytes / 66))}</system-out>\n` : '';
  const suite = `  <testsuite name="Kubernetes e2e suite" tests="${tests}" failures="${failures}" skipped="${skipped}" time="${(rng.next() * 5000).toFixed(3)}">\n${parts.join('')}${log}  </testsuite>\n`;
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  return wrapSuites ? `${head}<testsuites>\n${suite}</testsuites>\n` : head + suite.replace(/^ {2}/gm, '');
}

/**
 * File sizes of Kubernetes CI JUnit as stored: median ~66 KB, a long tail to
 * 2 MB (sigma 1.0: p90 ~240 KB, ~110 KB on average, so ~1.8 files make
 * ~200 KB a build). A smaller sigma narrows the tail.
 */
export function junitSize(rng: Random, sigma = 1.0): number {
  return Math.min(2 << 20, Math.max(600, Math.round(rng.logNormal(66_000, sigma))));
}
