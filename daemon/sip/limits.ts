// Bounds on every number a SIP peer hands us that ends up in a timer (README "Security notes and
// limits"). A peer's value is parsed strictly and clamped into its range, so nothing it sends can
// overflow a timer (Node fires a delay above 2^31-1 ms after 1 ms) or make one fire in a loop.

export interface Range {
  min: number;
  max: number;
}

/** Session-Expires / Min-SE, seconds: RFC 4028's floor of 90 s, at most 24 h. */
export const SESSION_EXPIRES: Range = { min: 90, max: 86_400 };

/** Expiry a registrar grants us, seconds: at least 30 s (no REGISTER storm), at most 24 h. */
export const REGISTER_EXPIRES: Range = { min: 30, max: 86_400 };

/** Clamp a number into a range. */
export function clamp(n: number, r: Range): number {
  return Math.min(r.max, Math.max(r.min, n));
}

/**
 * A delta-seconds value from a peer (RFC 3261 25.1: 1*DIGIT), clamped into `r`; undefined when it
 * is not one (empty, signed, fractional, hex, …). Leading zeros and huge values are fine.
 */
export function peerSeconds(raw: unknown, r: Range): number | undefined {
  const s =
    typeof raw === 'string'
      ? raw.trim()
      : typeof raw === 'number' && Number.isInteger(raw) && raw >= 0
        ? String(raw)
        : '';
  if (!/^\d{1,64}$/.test(s)) return undefined;
  return clamp(Number(s), r);
}
