// The JUnit scanner against saxes' parseJunit and fast-xml-parser (which the
// design named) on the benchmark's documents (the store generator's pool:
// same sizes, skip and failure rates). fast-xml-parser only builds the object
// tree here, before any row rule: an upper bound of what a parser on it could do.
//   npx tsx tools/bench/junit-scan-bench.ts [--docs 400] [--rounds 5]
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { junitSize, junitXml, Random } from '@kettle/sample-data';
import { parseJunit, scanJunit, scanJunitUtf8, type JunitParse } from '@kettle/transform';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '400' }, rounds: { type: 'string', default: '5' } } });
const rng = new Random(7);
const texts = Array.from({ length: Number(values.docs) }, () => junitXml(rng, { bytes: junitSize(rng), logBytes: 0, skipRate: 0.85, failRate: 0.03 }));
const files = texts.map((t) => Buffer.from(t, 'utf8'));
const megabytes = files.reduce((n, f) => n + f.length, 0) / 1e6;

/** Best CPU time of `rounds` passes over every document (CPU, not wall: the machine is shared). */
function measure(label: string, parse: (i: number) => JunitParse): void {
  let best = Infinity;
  for (let round = 0; round < Number(values.rounds); round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < files.length; i++) parse(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  console.log(`${label.padEnd(36)} ${(megabytes / best).toFixed(0).padStart(5)} MB/s  (${((best * 1e3) / megabytes).toFixed(2)} ms/MB)`);
}

const fxp = new XMLParser({ ignoreAttributes: false, processEntities: true });

const different = texts.filter((t, i) => !isDeepStrictEqual(scanJunitUtf8(files[i]), parseJunit(t))).length;
console.log(`${files.length} documents, ${megabytes.toFixed(1)} MB; scanner results differing from parseJunit: ${different}`);
measure('parseJunit (saxes), text', (i) => parseJunit(texts[i]));
measure('scanJunit, text', (i) => scanJunit(texts[i]));
measure('scanJunitUtf8, bytes', (i) => scanJunitUtf8(files[i]));
measure('UTF-8 decode + parseJunit, bytes', (i) => parseJunit(files[i].toString('utf8')));
measure('fast-xml-parser 5 (object tree only)', (i) => {
  fxp.parse(texts[i]);
  return { tests: [], badTimes: 0, cutTexts: 0 };
});
