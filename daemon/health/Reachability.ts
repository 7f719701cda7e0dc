import { say, type EndpointState } from '../../protocol/index.js';

// The reachability state of one endpoint, fed one probe result at a time. Pure (no timers, no I/O)
// so the hysteresis rules can be tested on their own:
// - going down takes FAIL_DOWN consecutive unanswered probes; a single miss only asks for a quick
//   confirmation probe (the caller schedules it), so one lost datagram is not an outage;
// - coming back from unreachable takes OK_UP consecutive answers;
// - degraded = answering but lossy (a miss among the last LOSS_WINDOW probes) or slow (RTT over the
//   limit on the last SLOW_RUN answers; leaving "slow" needs as many fast answers in a row).

export const FAIL_DOWN = 2;
export const OK_UP = 2;
export const LOSS_WINDOW = 4;
export const SLOW_RUN = 2;

export interface ProbeOutcome {
  /** Any SIP answer counts: the endpoint is alive, even if it says 403 or 405. */
  answered: boolean;
  rttMs: number | null;
  /** Plain words: why it did not answer, or a note about the answer (e.g. "answers 404 Not Found"). */
  reason?: string;
}

export interface Transition {
  from: EndpointState;
  to: EndpointState;
  reason?: string;
}

export interface FeedResult {
  transition?: Transition;
  /** The decision waits on another probe: probe again soon rather than after a whole interval. */
  confirm: boolean;
}

export class Reachability {
  #state: EndpointState;
  #since: number | null;
  #reason: string | undefined;
  #window: boolean[] = [];
  #slow: boolean[] = [];
  #okRun = 0;
  #failRun = 0;

  constructor(state: EndpointState = 'unknown', since: number | null = null) {
    this.#state = state;
    this.#since = since;
  }

  get state(): EndpointState {
    return this.#state;
  }

  get since(): number | null {
    return this.#since;
  }

  get reason(): string | undefined {
    return this.#reason;
  }

  /** Account one probe; `limitMs` is the RTT above which an answer is slow. */
  feed(p: ProbeOutcome, limitMs: number, now: number): FeedResult {
    push(this.#window, p.answered, LOSS_WINDOW);
    if (p.answered) {
      this.#okRun++;
      this.#failRun = 0;
      push(this.#slow, p.rttMs !== null && p.rttMs > limitMs, SLOW_RUN);
    } else {
      this.#failRun++;
      this.#okRun = 0;
    }
    const { to, reason } = this.#decide(p, limitMs);
    let transition: Transition | undefined;
    if (to !== this.#state) {
      transition = { from: this.#state, to, reason };
      this.#state = to;
      this.#since = now;
      // The misses of an outage are not "intermittent loss" once it is over (or declared).
      if (to === 'unreachable') {
        this.#window = [];
        this.#slow = [];
      } else if (transition.from === 'unreachable') {
        this.#window = this.#window.slice(-this.#okRun);
      }
    }
    this.#reason = reason;
    const confirm = p.answered
      ? this.#state === 'unreachable' && this.#okRun < OK_UP
      : this.#state !== 'unreachable' && this.#failRun < FAIL_DOWN;
    return { transition, confirm };
  }

  #decide(p: ProbeOutcome, limitMs: number): { to: EndpointState; reason?: string } {
    if (!p.answered) {
      if (this.#failRun >= FAIL_DOWN) return { to: 'unreachable', reason: p.reason ?? say('health.noAnswer') };
      return { to: this.#state, reason: this.#reason };
    }
    if (this.#state === 'unreachable' && this.#okRun < OK_UP) return { to: 'unreachable', reason: this.#reason };
    // Back from an outage: only the answers since then count, not the misses that made it.
    const window = this.#state === 'unreachable' ? this.#window.slice(-this.#okRun) : this.#window;
    const misses = window.filter((ok) => !ok).length;
    // Entering "slow" needs SLOW_RUN slow answers (one is enough when nothing is known yet);
    // leaving it needs as many fast ones.
    const need = this.#state === 'unknown' ? 1 : SLOW_RUN;
    const slowNow =
      this.#state === 'degraded' ? this.#slow.some(Boolean) : this.#slow.length >= need && this.#slow.every(Boolean);
    if (misses > 0) return { to: 'degraded', reason: say('health.lost', { misses, window: window.length }) };
    if (slowNow) {
      const rtt = p.rttMs === null ? '?' : Math.round(p.rttMs);
      return { to: 'degraded', reason: say('health.slow', { rtt, limit: limitMs }) };
    }
    return { to: 'reachable', reason: p.reason };
  }
}

function push(a: boolean[], v: boolean, max: number): void {
  a.push(v);
  if (a.length > max) a.shift();
}
