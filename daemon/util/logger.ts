import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerSetup {
  level?: string;
  /** Write JSON lines to this file (appending) instead of stdout. */
  file?: string;
  /** Pretty-print for people; default: when stdout is a TTY and no file is set. */
  pretty?: boolean;
}

// Secrets must never reach a log line, whatever object a caller hands in.
const REDACT = [
  'password',
  'secret',
  'token',
  'pin',
  'authorization',
  'tokenHash',
  '*.password',
  '*.secret',
  '*.token',
  '*.pin',
  '*.authorization',
  '*.tokenHash',
  'credentials.password',
  '*.credentials.password',
];

export function createLogger(setup: LoggerSetup = {}): Logger {
  const opts: LoggerOptions = {
    level: setup.level ?? process.env.VCBRIDGE_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (setup.file) {
    return pino(opts, pino.destination({ dest: setup.file, append: true, mkdir: true, sync: false }));
  }
  const pretty = setup.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({
      ...opts,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(opts);
}

/** A logger that drops everything: for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
