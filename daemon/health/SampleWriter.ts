import type { HealthRepo, HealthSample } from '../store/HealthRepo.js';
import { BatchWriter } from '../store/BatchWriter.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

// Probe samples go to SQLite in batches (store/BatchWriter), and old ones are pruned every hour.

/** Samples are kept this long. */
export const SAMPLE_RETENTION_MS = 30 * 86_400_000;
const FLUSH_EVERY_MS = 5000;
const FLUSH_AT = 500;
const PRUNE_EVERY_MS = 3_600_000;

export class SampleWriter {
  readonly #repo: HealthRepo;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #batch: BatchWriter<HealthSample>;
  #pruneTimer?: Timer;

  constructor({ repo, clock, log }: { repo: HealthRepo; clock: Clock; log: Logger }) {
    this.#repo = repo;
    this.#clock = clock;
    this.#log = log;
    this.#batch = new BatchWriter({
      write: (rows) => repo.recordSamples(rows),
      clock,
      log,
      what: 'probe samples',
      flushMs: FLUSH_EVERY_MS,
      maxBatch: FLUSH_AT,
    });
    this.#armPrune();
  }

  add(s: HealthSample): void {
    this.#batch.add(s);
  }

  flush(): void {
    this.#batch.flush();
  }

  close(): void {
    this.#clock.clearTimeout(this.#pruneTimer);
    this.#pruneTimer = undefined;
    this.#batch.close();
  }

  #armPrune(): void {
    this.#pruneTimer = this.#clock.setTimeout(() => {
      try {
        const n = this.#repo.pruneSamples(this.#clock.now() - SAMPLE_RETENTION_MS);
        if (n > 0) this.#log.debug({ pruned: n }, 'old probe samples pruned');
      } catch (err) {
        this.#log.error({ err }, 'cannot prune old probe samples');
      }
      this.#armPrune();
    }, PRUNE_EVERY_MS);
    this.#pruneTimer.unref?.();
  }
}
