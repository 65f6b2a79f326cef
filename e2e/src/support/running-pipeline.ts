import { expectExactlyOnce } from './exactly-once';
import { Pipeline, type PipelineOptions } from './pipeline';

/**
 * The suite-wide pipeline of a spec file: started with its three services
 * before the tests (with `settled`, once the tree's builds are all in every
 * table), closed after them. `use` receives it for the tests.
 */
export function runningPipeline(options: PipelineOptions, use: (p: Pipeline) => void, { settled = false } = {}): void {
  let p: Pipeline | undefined;
  beforeAll(async () => {
    p = await Pipeline.start(options);
    use(p);
    await p.startAll();
    if (settled) await expectExactlyOnce(p, { timeoutMs: 60_000 });
  }, settled ? 90_000 : 60_000);

  afterAll(async () => {
    await p?.close();
  }, 30_000);
}
