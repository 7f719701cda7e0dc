import { systemClock, type Clock } from './clock.js';

/**
 * Token buckets keyed by a string (a source address). Bounded: buckets that have refilled are
 * forgotten (checked at most once a minute and whenever the table is full), and when the table
 * is still full a new key is refused — a flood from many spoofed sources cannot grow memory.
 */
export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #lastPrune = 0;

  constructor({
    perSecond,
    burst,
    maxKeys = 10_000,
    clock = systemClock,
  }: {
    perSecond: number;
    burst: number;
    maxKeys?: number;
    clock?: Clock;
  }) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
    this.#clock = clock;
  }

  /** Take one token for `key`; false when the bucket is empty (or the table is full). */
  take(key: string): boolean {
    const now = this.#clock.now();
    if (now - this.#lastPrune > 60_000) this.#prune(now);
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) {
        if (now - this.#lastPrune > 1000) this.#prune(now);
        if (this.#buckets.size >= this.#maxKeys) return false;
      }
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number): void {
    this.#lastPrune = now;
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(k);
    }
  }
}
