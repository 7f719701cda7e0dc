/**
 * Token bucket per key (e.g. a source address). Keys idle long enough to be full again are
 * forgotten, so a flood of distinct sources cannot grow memory without bound.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor({ perSecond, burst, maxKeys = 10_000, now = Date.now }: { perSecond: number; burst: number; maxKeys?: number; now?: () => number }) {
    this.#rate = perSecond;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
    this.#now = now;
  }

  /** Take one token for `key`; false when the key is over its rate. */
  take(key: string, cost = 1): boolean {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#sweep(now);
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate);
      b.at = now;
    }
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    const refill = (this.#burst / this.#rate) * 1000;
    for (const [k, b] of this.#buckets) if (now - b.at >= refill) this.#buckets.delete(k);
    // Still full of busy keys: drop the oldest half rather than grow.
    if (this.#buckets.size >= this.#maxKeys) {
      let n = Math.floor(this.#buckets.size / 2);
      for (const k of this.#buckets.keys()) {
        if (n-- <= 0) break;
        this.#buckets.delete(k);
      }
    }
  }
}
