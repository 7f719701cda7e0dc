import type { Clock, Timer } from '../util/clock.js';
import type { SipTimers } from './SipCore.js';

/**
 * Re-sends a 2xx to an INVITE until the ACK comes (RFC 3261 13.3.1.4): first after T1, the
 * interval doubling up to T2; gives up after 64*T1. Over TCP/TLS nothing is re-sent but the
 * give-up timer still runs.
 */
export class Retransmitter {
  readonly #clock: Clock;
  readonly #timers: SipTimers;
  readonly #resend: () => void;
  readonly #giveUp: () => void;
  readonly #reliable: boolean;
  #timer: Timer | undefined;
  #deadline: Timer | undefined;

  constructor({
    clock,
    timers,
    reliable,
    resend,
    giveUp,
  }: {
    clock: Clock;
    timers: SipTimers;
    reliable: boolean;
    resend: () => void;
    giveUp: () => void;
  }) {
    this.#clock = clock;
    this.#timers = timers;
    this.#reliable = reliable;
    this.#resend = resend;
    this.#giveUp = giveUp;
  }

  start(): void {
    this.stop();
    if (!this.#reliable) this.#schedule(this.#timers.t1);
    this.#deadline = this.#clock.setTimeout(() => {
      this.stop();
      this.#giveUp();
    }, 64 * this.#timers.t1);
  }

  stop(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#clock.clearTimeout(this.#deadline);
    this.#timer = undefined;
    this.#deadline = undefined;
  }

  get running(): boolean {
    return this.#deadline !== undefined;
  }

  #schedule(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#resend();
      this.#schedule(Math.min(ms * 2, this.#timers.t2));
    }, ms);
  }
}
