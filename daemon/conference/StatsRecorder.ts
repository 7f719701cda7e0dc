// Buffers leg stats samples and writes them to SQLite in one transaction per round, so 200 legs
// every 2 s cost one commit rather than 200.
import type { StatsRepo, LegStatsSample } from '../store/StatsRepo.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export class StatsRecorder {
  readonly #repo: Pick<StatsRepo, 'insertMany'>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #maxBatch: number;
  #rows: LegStatsSample[] = [];
  #timer: Timer | undefined;

  constructor(o: { repo: Pick<StatsRepo, 'insertMany'>; clock: Clock; log: Logger; flushMs?: number; maxBatch?: number }) {
    this.#repo = o.repo;
    this.#clock = o.clock;
    this.#log = o.log.child({ component: 'conference.stats' });
    this.#flushMs = o.flushMs ?? 1000;
    this.#maxBatch = o.maxBatch ?? 500;
  }

  add(row: LegStatsSample): void {
    this.#rows.push(row);
    if (this.#rows.length >= this.#maxBatch) this.flush();
    else if (!this.#timer) {
      this.#timer = this.#clock.setTimeout(() => this.flush(), this.#flushMs);
      this.#timer.unref?.();
    }
  }

  flush(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#rows;
    this.#rows = [];
    try {
      this.#repo.insertMany(rows);
    } catch (err) {
      // Losing a round of samples is better than stopping the conference over it.
      this.#log.error({ err, rows: rows.length }, 'could not store leg stats');
    }
  }

  close(): void {
    this.flush();
  }
}
