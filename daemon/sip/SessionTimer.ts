// RFC 4028 session timers: what to put in requests and answers, what the peer agreed to, and the
// timer that either refreshes the session (we are the refresher) or ends it (the peer's refresh
// never came). "uac"/"uas" in refresher= refer to the transaction that negotiated it.
import type { Clock, Timer } from '../util/clock.js';
import type { SessionTimerConfig } from './SipCore.js';
import { header, parseParamHeader, tokens, type SipMessage } from './message.js';
import { SESSION_EXPIRES, clamp, peerSeconds } from './limits.js';

export interface SessionTimerState {
  /** Seconds. */
  interval: number;
  refresher: 'local' | 'remote';
}

export type UasTimerDecision =
  { reject: true; minSE: number } | { reject: false; headers: Record<string, string>; state?: SessionTimerState };

/** A peer's number is capped at SESSION_EXPIRES.max; the floor of what we agree to is our own
 *  Min-SE (90 s, RFC 4028's floor, unless a test configures less). */
const PEER_RANGE = { min: 1, max: SESSION_EXPIRES.max };
const ours = (cfg: SessionTimerConfig): { min: number; max: number } => ({
  min: Math.min(cfg.minSE, SESSION_EXPIRES.max),
  max: SESSION_EXPIRES.max,
});

/** The peer's Session-Expires, capped (a request below our Min-SE gets 422 from the callers). */
function sessionExpires(m: SipMessage): { interval: number; refresher?: string } | undefined {
  const p = parseParamHeader(header(m, 'session-expires'));
  const interval = peerSeconds(p?.value, PEER_RANGE);
  if (!p || !interval) return undefined;
  return { interval, refresher: p.params.refresher?.toLowerCase() };
}

/** As the UAS of an INVITE/UPDATE: 422, or the headers for our 2xx and the resulting state. */
export function uasSessionTimer(req: SipMessage, cfg: SessionTimerConfig | false): UasTimerDecision {
  if (!cfg) return { reject: false, headers: {} };
  const se = sessionExpires(req);
  const peerSupports = tokens(req, 'supported').includes('timer');
  if (se && se.interval < cfg.minSE) return { reject: true, minSE: cfg.minSE };
  const minSE = Math.max(cfg.minSE, peerSeconds(parseParamHeader(header(req, 'min-se'))?.value, PEER_RANGE) ?? 0);
  // RFC 4028 9: the UAS may lower the interval (we never go above SESSION_EXPIRES.max)
  const interval = clamp(Math.max(se?.interval ?? cfg.expires, minSE), ours(cfg));
  // Prefer the requester as refresher when it can do it; otherwise we refresh.
  const refresher = se?.refresher === 'uac' || se?.refresher === 'uas' ? se.refresher : peerSupports ? 'uac' : 'uas';
  if (refresher === 'uac' && !peerSupports) {
    // the peer asked to refresh but did not say it supports timers: we refresh instead
    return {
      reject: false,
      headers: { 'session-expires': `${interval};refresher=uas` },
      state: { interval, refresher: 'local' },
    };
  }
  const headers: Record<string, string> = { 'session-expires': `${interval};refresher=${refresher}` };
  if (peerSupports) headers.require = 'timer';
  return { reject: false, headers, state: { interval, refresher: refresher === 'uac' ? 'remote' : 'local' } };
}

/** Headers for an INVITE/UPDATE we send (initial or refresh). */
export function uacSessionTimerHeaders(
  cfg: SessionTimerConfig | false,
  current?: SessionTimerState,
): Record<string, string> {
  if (!cfg) return {};
  const interval = current?.interval ?? cfg.expires;
  const refresher = current ? (current.refresher === 'local' ? ';refresher=uac' : ';refresher=uas') : '';
  return { 'session-expires': `${interval}${refresher}`, 'min-se': String(cfg.minSE) };
}

/** As the UAC: what the 2xx agreed to (undefined: no session timer). */
export function uacSessionTimerResult(rs: SipMessage, cfg: SessionTimerConfig | false): SessionTimerState | undefined {
  if (!cfg) return undefined;
  const se = sessionExpires(rs);
  if (!se) return undefined;
  return { interval: clamp(se.interval, ours(cfg)), refresher: se.refresher === 'uas' ? 'remote' : 'local' };
}

/** Min-SE of a 422 response (seconds). */
export function minSEOf(rs: SipMessage): number | undefined {
  return peerSeconds(parseParamHeader(header(rs, 'min-se'))?.value, PEER_RANGE);
}

/** Fires `refresh` at half the interval when we refresh, `expire` shortly before the end when the peer does. */
export class SessionTimer {
  readonly #clock: Clock;
  readonly #refresh: () => void;
  readonly #expire: () => void;
  #timer: Timer | undefined;
  #state: SessionTimerState | undefined;

  constructor({ clock, refresh, expire }: { clock: Clock; refresh: () => void; expire: () => void }) {
    this.#clock = clock;
    this.#refresh = refresh;
    this.#expire = expire;
  }

  get state(): SessionTimerState | undefined {
    return this.#state;
  }

  arm(state: SessionTimerState | undefined): void {
    this.stop();
    this.#state = state;
    if (!state) return;
    // states come from the functions above (already clamped); clamp again so no caller can bypass it
    const s = clamp(state.interval, PEER_RANGE);
    if (state.refresher === 'local') {
      this.#timer = this.#clock.setTimeout(() => this.#refresh(), (s * 1000) / 2);
    } else {
      this.#timer = this.#clock.setTimeout(() => this.#expire(), (s - Math.min(32, s / 3)) * 1000);
    }
  }

  /** Time left before a local-refresher session runs out (used after a failed refresh). */
  armExpiry(seconds: number): void {
    this.stop();
    this.#timer = this.#clock.setTimeout(() => this.#expire(), clamp(seconds, PEER_RANGE) * 1000);
  }

  stop(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
