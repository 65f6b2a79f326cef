/** Structured logging: JSON lines Cloud Logging understands, or plain text on a terminal. */
export type LogFields = { path?: string; error?: unknown; [key: string]: unknown };
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type Logger = {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function normalise(fields: LogFields | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = { ...fields };
  if (fields.error !== undefined) out.error = errorText(fields.error);
  return out;
}

export type LoggerOptions = { format: 'json' | 'text'; component: string; write?: (line: string) => void; debug?: boolean };

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (severity: Severity, message: string, fields?: LogFields) => {
    if (severity === 'DEBUG' && !opts.debug) return;
    const extra = normalise(fields);
    if (opts.format === 'json') {
      write(JSON.stringify({ severity, time: new Date().toISOString(), component: opts.component, message, ...extra }));
    } else {
      const tail = Object.entries(extra)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${severity === 'INFO' ? '' : severity + ': '}${message}${tail ? ' ' + tail : ''}`);
    }
  };
  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
  };
}

/** A logger that keeps lines in memory, for tests that assert on what was logged. */
export function memoryLogger(): Logger & { lines: { severity: Severity; message: string; fields: Record<string, unknown> }[] } {
  const lines: { severity: Severity; message: string; fields: Record<string, unknown> }[] = [];
  const push = (severity: Severity) => (message: string, fields?: LogFields) => lines.push({ severity, message, fields: normalise(fields) });
  return { lines, debug: push('DEBUG'), info: push('INFO'), warn: push('WARNING'), error: push('ERROR') };
}
