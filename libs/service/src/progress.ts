export type ProgressOptions = {
  stream?: NodeJS.WriteStream;
  /** Redraw interval on a terminal. */
  ttyMs?: number;
  /** Interval of plain lines when not a terminal (CI logs, kubectl logs). */
  plainMs?: number;
};

/**
 * Progress of long work on stderr: one status line redrawn in place on a
 * terminal, or a plain line every `plainMs` otherwise, so logs stay readable.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(
    private readonly render: () => string,
    private readonly opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
  }

  start(): this {
    const ms = this.tty ? (this.opts.ttyMs ?? 250) : (this.opts.plainMs ?? 10_000);
    this.timer = setInterval(() => this.draw(), ms);
    this.timer.unref();
    return this;
  }

  /** Stops and leaves the final status on its own line. */
  stop(final?: string): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const text = final ?? this.render();
    this.stream.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  }

  private draw(): void {
    const text = this.render();
    if (this.tty) {
      const width = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[K${text.length > width - 1 ? text.slice(0, width - 2) + '…' : text}`);
    } else {
      this.stream.write(`${new Date().toISOString()} ${text}\n`);
    }
  }
}
