/** The CLI's one error type: a stable code (from the daemon or the CLI itself) and an exit code. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details?: unknown;

  constructor(code: string, message: string, opts: { exitCode?: number; details?: unknown } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = opts.exitCode ?? (code === 'USAGE' ? 2 : 1);
    this.details = opts.details;
  }
}

export function usage(message: string): CliError {
  return new CliError('USAGE', message, { exitCode: 2 });
}
