// Link quality per SIP leg, every 2 s: loss, jitter, RTT, bitrate and codec per direction, from
// mediasoup's producer/consumer stats plus the relay's own counters and the room's receiver reports.
// The conference layer stores and pushes the 'stats' events; health uses them for in-call quality.
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { KindStats } from './SipMediaLeg.js';
import type { MediaKind } from './types.js';

export interface StreamQuality {
  codec: string;
  /** Packets from the room / to the room since the leg started. */
  packetsIn: number;
  packetsOut: number;
  /** Loss on what the room sends us over the last interval (null: nothing expected). */
  lossInPct: number | null;
  /** Loss the room reports on what we send (RTCP receiver reports; null: no report yet). */
  lossOutPct: number | null;
  /** Interarrival jitter of what the room sends, ms. */
  jitterInMs: number | null;
  kbpsIn: number;
  kbpsOut: number;
}

export interface LegStatsSample {
  legId: string;
  /** Wall-clock ms. */
  at: number;
  rttMs: number | null;
  audio?: StreamQuality;
  video?: StreamQuality;
}

/** What LegStats needs of a leg (SipMediaLeg). */
export interface StatsSource {
  collectStats(): Promise<KindStats[]>;
}

type LegStatsEvents = { stats: [LegStatsSample] };

interface Prev {
  at: number;
  bytesIn: number;
  bytesOut: number;
  expected: number;
  received: number;
}

export class LegStats extends TypedEmitter<LegStatsEvents> {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #legs = new Map<string, StatsSource>();
  readonly #prev = new Map<string, Prev>();
  #timer: Timer | undefined;
  #closed = false;

  constructor(o: { log: Logger; clock?: Clock; intervalMs?: number }) {
    super();
    this.#log = o.log.child({ component: 'media.stats' });
    this.#clock = o.clock ?? systemClock;
    this.#intervalMs = o.intervalMs ?? 2000;
  }

  add(legId: string, leg: StatsSource): void {
    this.#legs.set(legId, leg);
    if (!this.#timer && !this.#closed) this.#schedule();
  }

  remove(legId: string): void {
    this.#legs.delete(legId);
    for (const k of [...this.#prev.keys()]) if (k.startsWith(`${legId}\u0000`)) this.#prev.delete(k);
  }

  /** Sample now (also what the timer does); emits and returns the samples. */
  async sampleNow(): Promise<LegStatsSample[]> {
    const out: LegStatsSample[] = [];
    for (const [legId, leg] of [...this.#legs]) {
      try {
        const sample = this.#compute(legId, await leg.collectStats());
        if (!this.#legs.has(legId)) continue;
        out.push(sample);
        this.emit('stats', sample);
      } catch (e) {
        this.#log.warn({ legId, err: e }, 'could not read leg stats');
      }
    }
    return out;
  }

  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#legs.clear();
    this.removeAllListeners();
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      void this.sampleNow().finally(() => {
        if (this.#closed || this.#legs.size === 0) this.#timer = undefined;
        else this.#schedule();
      });
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  #compute(legId: string, kinds: KindStats[]): LegStatsSample {
    const now = this.#clock.now();
    const sample: LegStatsSample = { legId, at: Date.now(), rttMs: null };
    const rtts: number[] = [];
    for (const k of kinds) {
      const q = this.#quality(`${legId}\u0000${k.kind}`, k, now);
      sample[k.kind as MediaKind] = q;
      for (const r of [k.consumer[0]?.roundTripTime, k.producer[0]?.roundTripTime, k.relay.report?.rttMs]) {
        if (r !== undefined && r > 0) rtts.push(r);
      }
    }
    if (rtts.length > 0) sample.rttMs = Math.round(Math.min(...rtts) * 10) / 10;
    return sample;
  }

  #quality(key: string, k: KindStats, now: number): StreamQuality {
    const prod = k.producer[0];
    const cons = k.consumer[0];
    const prev = this.#prev.get(key);
    const cur: Prev = {
      at: now,
      bytesIn: k.relay.bytesIn,
      bytesOut: k.relay.bytesOut,
      expected: k.relay.expected,
      received: k.relay.received,
    };
    this.#prev.set(key, cur);
    const secs = prev ? Math.max(0.001, (now - prev.at) / 1000) : 0;
    const kbps = (d: number): number => (secs > 0 ? Math.round((d * 8) / secs / 100) / 10 : 0);
    // Loss from the relay's sequence accounting: mediasoup updates its own only with each RTCP RR
    // (every 5 s for audio), too slow for a 2 s figure.
    let lossInPct: number | null = null;
    const expected = prev ? cur.expected - prev.expected : cur.expected;
    if (expected > 0) {
      const lost = Math.max(0, expected - (cur.received - (prev?.received ?? 0)));
      lossInPct = Math.round((lost / expected) * 1000) / 10;
    }
    let lossOutPct: number | null = null;
    if (cons && (cons.fractionLost > 0 || (cons.roundTripTime ?? 0) > 0)) {
      lossOutPct = Math.round((cons.fractionLost / 256) * 1000) / 10;
    } else if (k.relay.report) {
      lossOutPct = Math.round(k.relay.report.fractionLost * 1000) / 10;
    }
    return {
      codec: k.codec,
      packetsIn: k.relay.rtpIn,
      packetsOut: k.relay.rtpOut,
      lossInPct,
      lossOutPct,
      jitterInMs: prod ? Math.round((prod.jitter / k.clockRate) * 10000) / 10 : null,
      kbpsIn: prev ? kbps(cur.bytesIn - prev.bytesIn) : 0,
      kbpsOut: prev ? kbps(cur.bytesOut - prev.bytesOut) : 0,
    };
  }
}
