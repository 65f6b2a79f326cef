import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';

/** Where NDJSON goes: stdout, or a file (gzip when it ends in .gz) written atomically. */
/**
 * `write` takes text, or the UTF-8 bytes of NDJSON lines (as the row workers
 * return them); `written`, if given, is called once the output no longer
 * needs those bytes (they may be memory a worker will reuse).
 */
export type NdjsonOutput = { write(text: string | Uint8Array, written?: () => void): Promise<void>; close(): Promise<void>; abort(): void; bytes: number };

export function openNdjsonOutput(path?: string): NdjsonOutput {
  if (!path || path === '-') return streamOutput(process.stdout, async () => {
    await new Promise<void>((resolve, reject) => process.stdout.write('', (e) => (e ? reject(e) : resolve())));
  });
  // Written beside the target and renamed when complete, so a crash never
  // leaves a truncated file where a loader would pick it up.
  const tmp = `${path}.tmp-${process.pid}`;
  const file: WriteStream = createWriteStream(tmp);
  const gzip: Gzip | null = path.endsWith('.gz') ? createGzip({ level: 6 }) : null;
  if (gzip) gzip.pipe(file);
  const sink = gzip ?? file;
  const out = streamOutput(sink, async () => {
    const closed = new Promise<void>((resolve, reject) => {
      file.once('close', resolve);
      file.once('error', reject);
    });
    sink.end();
    await closed;
    renameSync(tmp, path);
  });
  out.abort = () => {
    sink.destroy();
    rmSync(tmp, { force: true });
  };
  return out;
}

function streamOutput(sink: NodeJS.WritableStream, finish: () => Promise<void>): NdjsonOutput {
  let failure: Error | undefined;
  sink.on('error', (e: Error) => {
    failure = e;
  });
  const out: NdjsonOutput = {
    bytes: 0,
    async write(text: string | Uint8Array, written?: () => void) {
      if (failure) throw failure;
      out.bytes += text.length; // the same for both: the lines are ASCII (ensure_ascii)
      if (!sink.write(text, () => written?.())) await new Promise<void>((resolve) => sink.once('drain', resolve));
    },
    async close() {
      if (failure) throw failure;
      await finish();
    },
    abort() {},
  };
  return out;
}
