// Figures over the live conferences that /metrics reads at scrape time (the event-driven series are
// fed by api/metricsFeed instead).
import type { Conference } from './Conference.js';

export interface LegLoss {
  conference: string;
  endpoint: string;
  lossPct: number;
}

export class ConferenceGauges {
  readonly #live: () => Iterable<Conference>;
  /** Mixer CPU time of conferences that ended (keeps mixerBusyMs() monotonic). */
  #mixerBusyEnded = 0;

  constructor(live: () => Iterable<Conference>) {
    this.#live = live;
  }

  /** Count a conference's mixer time once it leaves the live set. */
  ended(c: Conference): void {
    this.#mixerBusyEnded += c.media.mixerBusyMs;
  }

  /** Connected legs over all live conferences. */
  activeLegs(): number {
    let n = 0;
    for (const c of this.#live()) n += c.view().participants.filter((p) => p.state === 'connected').length;
    return n;
  }

  /** CPU time all audio mixers have spent so far, ms (mixer CPU). */
  mixerBusyMs(): number {
    let ms = this.#mixerBusyEnded;
    for (const c of this.#live()) ms += c.media.mixerBusyMs;
    return ms;
  }

  /** Latest loss figure of every connected leg. */
  legLoss(): LegLoss[] {
    const out: LegLoss[] = [];
    for (const c of this.#live()) {
      for (const p of c.view().participants) {
        if (p.state === 'connected' && p.stats?.lossPct != null)
          out.push({ conference: c.id, endpoint: p.endpointId, lossPct: p.stats.lossPct });
      }
    }
    return out;
  }
}
