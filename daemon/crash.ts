import type { Logger } from './util/logger.js';

/** Exit status after an uncaught exception (EX_SOFTWARE): systemd restarts the unit, and the new
 *  run resumes the meetings that were running. */
export const CRASH_EXIT_CODE = 70;

/**
 * After an uncaught exception or an unhandled rejection the daemon's state is unknown (a half-done
 * change, a timer never re-armed): log it as fatal and exit non-zero rather than run on. Nothing a
 * network peer sends may get here; every path that reads from the network catches its own errors.
 */
export function exitOnCrash(
  log: Logger,
  proc: Pick<NodeJS.Process, 'on'> = process,
  exit: (code: number) => void = (c) => process.exit(c),
): void {
  let crashed = false;
  const crash = (what: string, err: unknown): void => {
    if (crashed) return;
    crashed = true;
    log.fatal({ err }, `${what} (bug): exiting so that the service manager restarts the daemon`);
    log.flush();
    exit(CRASH_EXIT_CODE);
  };
  proc.on('uncaughtException', (err) => crash('uncaught exception', err));
  proc.on('unhandledRejection', (reason) => crash('unhandled promise rejection', reason));
}
