// Rows that are history, not state (leg stats, probe samples), go to SQLite in batches: one
// transaction per round instead of one per row. A round is written `flushMs` after its first row, or
// at once when it reaches `maxBatch`. A failing write is logged and the round dropped: losing some
// history is better than stopping a conference or the health monitor over it.
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface BatchWriterOptions<T> {
  /** Writes one round (in one transaction). */
  write: (rows: T[]) => void;
  clock: Clock;
  log: Logger;
  /** What the rows are, for the log line of a failed write ("leg stats samples"). */
  what: string;
  flushMs: number;
  maxBatch: number;
}

export class BatchWriter<T> {
  readonly #o: BatchWriterOptions<T>;
  #rows: T[] = [];
  #timer: Timer | undefined;

  constructor(o: BatchWriterOptions<T>) {
    this.#o = o;
  }

  add(row: T): void {
    this.#rows.push(row);
    if (this.#rows.length >= this.#o.maxBatch) this.flush();
    else if (!this.#timer) {
      this.#timer = this.#o.clock.setTimeout(() => this.flush(), this.#o.flushMs);
      this.#timer.unref?.();
    }
  }

  /** Write what is buffered now. */
  flush(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    try {
      this.#o.write(rows);
    } catch (err) {
      this.#o.log.error({ err, rows: rows.length }, `could not store ${this.#o.what}; dropped`);
    }
  }

  close(): void {
    this.flush();
  }
}
