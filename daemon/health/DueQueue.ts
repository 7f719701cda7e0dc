import type { Clock, Timer } from '../util/clock.js';

// When each of many items is next due, on ONE timer: a min-heap by due time, armed for its earliest
// entry. Two thousand endpoints probed every ~10 s with a timer each meant 200 timers created and
// cleared per second, each with its own duration list; this keeps one. Rescheduling or cancelling
// leaves the old heap entry behind and skips it when it surfaces (lazy deletion), so both are O(log n).

interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

export class DueQueue<T> {
  readonly #clock: Clock;
  readonly #onDue: (item: T) => void;
  readonly #heap: Entry<T>[] = [];
  /** The one live entry of each scheduled item. */
  readonly #live = new Map<T, number>();
  #seq = 0;
  #timer?: Timer;
  #armedAt = Infinity;
  #closed = false;
  readonly #grainMs: number;

  /** `grainMs`: wake-ups are rounded up to this grid, so items due close together share one. */
  constructor(clock: Clock, onDue: (item: T) => void, { grainMs = 0 }: { grainMs?: number } = {}) {
    this.#clock = clock;
    this.#onDue = onDue;
    this.#grainMs = grainMs;
  }

  /** Due at `at` (UTC ms), replacing any earlier schedule of the same item. */
  schedule(item: T, at: number): void {
    if (this.#closed) return;
    const seq = ++this.#seq;
    this.#live.set(item, seq);
    this.#push({ at, seq, item });
    if (this.#wake(at) < this.#armedAt) this.#arm(at);
  }

  cancel(item: T): void {
    this.#live.delete(item);
  }

  isScheduled(item: T): boolean {
    return this.#live.has(item);
  }

  get size(): number {
    return this.#live.size;
  }

  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#live.clear();
    this.#heap.length = 0;
  }

  #wake(at: number): number {
    return this.#grainMs > 0 ? Math.ceil(at / this.#grainMs) * this.#grainMs : at;
  }

  #arm(at: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#armedAt = this.#wake(at);
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(0, this.#armedAt - this.#clock.now()));
    this.#timer.unref?.();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock.now();
    for (let top = this.#heap[0]; top !== undefined && top.at <= now && !this.#closed; top = this.#heap[0]) {
      this.#pop();
      if (this.#live.get(top.item) !== top.seq) continue;
      this.#live.delete(top.item);
      this.#onDue(top.item);
    }
    // Drop stale entries at the top so the timer is not armed for nothing.
    for (let top = this.#heap[0]; top !== undefined && this.#live.get(top.item) !== top.seq; top = this.#heap[0])
      this.#pop();
    const next = this.#heap[0];
    if (next && !this.#closed) this.#arm(next.at);
  }

  #push(e: Entry<T>): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Entry<T>;
      if (!before(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as Entry<T>, h[l] as Entry<T>) ? r : l;
      const child = h[c] as Entry<T>;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}

/** Earlier first; among equal times, the one scheduled first. */
function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
