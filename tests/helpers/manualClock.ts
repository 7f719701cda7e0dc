import { timerDelay, type Clock, type Timer } from '../../daemon/util/clock.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that moves only when the test says so; timers fire in time order while advancing. */
export class ManualClock implements Clock {
  #t: number;
  #seq = 0;
  readonly #timers = new Map<number, Pending>();

  constructor(start: number) {
    this.#t = start;
  }

  now(): number {
    return this.#t;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#t + timerDelay(ms), fn });
    return { id, unref: () => undefined } as Timer;
  }

  clearTimeout(t: Timer | undefined): void {
    if (t) this.#timers.delete((t as { id: number }).id);
  }

  /** Timers waiting. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer is due (or undefined). */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const p of this.#timers.values()) if (min === undefined || p.at < min) min = p.at;
    return min;
  }

  /** Move to `time`, firing every timer due on the way (in order), letting promises settle after each. */
  async advanceTo(time: number): Promise<void> {
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#timers.values())
        if (p.at <= time && (!next || p.at < next.at || (p.at === next.at && p.id < next.id))) next = p;
      if (!next) break;
      this.#timers.delete(next.id);
      this.#t = Math.max(this.#t, next.at);
      next.fn();
      await settle();
    }
    this.#t = Math.max(this.#t, time);
    await settle();
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.#t + ms);
  }
}

/** Let pending promise callbacks and immediates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
