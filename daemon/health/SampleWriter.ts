import type { HealthRepo, HealthSample } from '../store/HealthRepo.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

// Probe samples go to SQLite in batches (one transaction every few seconds instead of one per
// probe), and old ones are pruned now and then. A failing write is logged and the batch dropped:
// samples are history, not state.

/** Samples are kept this long. */
export const SAMPLE_RETENTION_MS = 30 * 86_400_000;
const FLUSH_EVERY_MS = 5000;
const FLUSH_AT = 500;
const PRUNE_EVERY_MS = 3_600_000;

export class SampleWriter {
  readonly #repo: HealthRepo;
  readonly #clock: Clock;
  readonly #log: Logger;
  #rows: HealthSample[] = [];
  #timer?: Timer;
  #lastPrune: number;
  #closed = false;

  constructor({ repo, clock, log }: { repo: HealthRepo; clock: Clock; log: Logger }) {
    this.#repo = repo;
    this.#clock = clock;
    this.#log = log;
    this.#lastPrune = clock.now();
    this.#arm();
  }

  add(s: HealthSample): void {
    this.#rows.push(s);
    if (this.#rows.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    try {
      this.#repo.recordSamples(rows);
    } catch (err) {
      this.#log.error({ err, samples: rows.length }, 'cannot record probe samples; dropped');
    }
  }

  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.flush();
  }

  #arm(): void {
    this.#timer = this.#clock.setTimeout(() => this.#tick(), FLUSH_EVERY_MS);
    this.#timer.unref?.();
  }

  #tick(): void {
    this.flush();
    const now = this.#clock.now();
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      try {
        const n = this.#repo.pruneSamples(now - SAMPLE_RETENTION_MS);
        if (n > 0) this.#log.debug({ pruned: n }, 'old probe samples pruned');
      } catch (err) {
        this.#log.error({ err }, 'cannot prune old probe samples');
      }
    }
    if (!this.#closed) this.#arm();
  }
}
