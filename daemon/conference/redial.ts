// The redial policy of a conference leg: exponential backoff 1 s, 2 s, 4 s … at most 60 s, and the
// failures that no amount of redialling fixes (the operator must change something and dial again).
import { isVcError } from '../errors.js';
import type { DialFailureDetails } from './Signalling.js';

export const REDIAL_MIN_MS = 1000;
export const REDIAL_MAX_MS = 60_000;
/** A leg that stayed up this long starts its backoff from 1 s again when it drops. */
export const STABLE_CALL_MS = 10_000;

/** Delay before the next attempt after `failures` consecutive failed or dropped attempts (≥ 1). */
export function redialDelayMs(failures: number): number {
  const n = Math.max(1, failures);
  return Math.min(REDIAL_MAX_MS, REDIAL_MIN_MS * 2 ** Math.min(n - 1, 16));
}

/**
 * Statuses that mean "this will not work by trying again": bad request, forbidden, not found,
 * address incomplete, ambiguous, not acceptable here (no common codec), declined/does not exist
 * anywhere. Busy (486), unavailable (480), timeouts (408) and server errors (5xx) are worth redialling.
 */
const PERMANENT = new Set([400, 403, 404, 484, 485, 488, 603, 604, 606]);

export function isPermanentFailure(err: unknown): boolean {
  if (!isVcError(err)) return false;
  if (err.code === 'SDP_NO_COMMON_CODEC' || err.code === 'ENDPOINT_UNKNOWN') return true;
  const status = (err.details as DialFailureDetails | undefined)?.status;
  return status !== undefined && PERMANENT.has(status);
}

/** "408 Request Timeout" style text for an error from dial(). */
export function failureReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = isVcError(err) ? (err.details as DialFailureDetails | undefined)?.status : undefined;
  if (status !== undefined && !err.message.includes(String(status))) return `${status} ${err.message}`;
  return err.message;
}
