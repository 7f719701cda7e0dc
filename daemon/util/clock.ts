/** Time source handed to every component that schedules, so tests can drive time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(t: Timer | undefined): void;
}

export interface Timer {
  unref?(): unknown;
}

/** Longest delay Node's timers honour (2^31-1 ms, ~24.8 days): a larger one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay that setTimeout takes as meant, whatever arithmetic produced it: clamped to
 * [0, MAX_TIMER_MS]; NaN counts as "never" (MAX_TIMER_MS), not as "now" — a bad number must not
 * turn a periodic timer into a busy loop. Every timer of the daemon goes through this.
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, timerDelay(ms)),
  clearTimeout: (t) => {
    if (t) clearTimeout(t as NodeJS.Timeout);
  },
};
