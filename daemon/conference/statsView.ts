// Turns the media layer's per-leg samples into the API's LegStats, the store's rows, and the CDR's
// quality summary of a leg.
import type { LegStats, QualitySummary } from '../../protocol/index.js';
import type { LegStatsSample as MediaSample, StreamQuality } from '../media/LegStats.js';
import type { LegStatsSample as StoredSample } from '../store/StatsRepo.js';

const max = (...xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : null;
};
const sum = (...xs: (number | undefined)[]): number => xs.reduce<number>((a, x) => a + (x ?? 0), 0);
const r1 = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);

/** Worst of the directions and kinds we know for loss; audio jitter first (that is what people hear). */
export function toApiStats(s: MediaSample): LegStats {
  const streams: StreamQuality[] = [s.audio, s.video].filter((q): q is StreamQuality => q !== undefined);
  const out: LegStats = {
    at: new Date(s.at).toISOString(),
    lossPct: r1(max(...streams.flatMap((q) => [q.lossInPct, q.lossOutPct]))),
    jitterMs: r1(s.audio?.jitterInMs ?? s.video?.jitterInMs ?? null),
    rttMs: r1(s.rttMs),
    bitrateInKbps: streams.length ? r1(sum(...streams.map((q) => q.kbpsIn))) : null,
    bitrateOutKbps: streams.length ? r1(sum(...streams.map((q) => q.kbpsOut))) : null,
  };
  if (streams.length) {
    out.packetsIn = sum(...streams.map((q) => q.packetsIn));
    out.packetsOut = sum(...streams.map((q) => q.packetsOut));
  }
  if (s.audio) out.audioCodec = s.audio.codec;
  if (s.video) out.videoCodec = s.video.codec;
  return out;
}

export function toStoredSample(conferenceId: string, endpointId: string, s: LegStats): StoredSample {
  const bps = (k: number | null): number | null => (k === null ? null : k * 1000);
  return {
    conferenceId,
    endpointId,
    at: Date.parse(s.at),
    lossPct: s.lossPct,
    jitterMs: s.jitterMs,
    rttMs: s.rttMs,
    bitrateIn: bps(s.bitrateInKbps),
    bitrateOut: bps(s.bitrateOutKbps),
    codec: [s.audioCodec, s.videoCodec].filter(Boolean).join('+') || null,
  };
}

/** Quality summary kept for a leg's CDR row. */
export interface StatsSummary extends QualitySummary {
  avgKbpsIn: number | null;
  avgKbpsOut: number | null;
}

interface Field {
  sum: number;
  n: number;
  max: number | null;
}

export interface SummaryAcc {
  n: number;
  loss: Field;
  jitter: Field;
  rtt: Field;
  kin: Field;
  kout: Field;
}

const field = (): Field => ({ sum: 0, n: 0, max: null });
export const emptySummary = (): SummaryAcc => ({
  n: 0,
  loss: field(),
  jitter: field(),
  rtt: field(),
  kin: field(),
  kout: field(),
});

export function accumulate(acc: SummaryAcc, s: LegStats): void {
  acc.n++;
  const push = (f: Field, v: number | null): void => {
    if (v === null) return;
    f.sum += v;
    f.n++;
    f.max = f.max === null ? v : Math.max(f.max, v);
  };
  push(acc.loss, s.lossPct);
  push(acc.jitter, s.jitterMs);
  push(acc.rtt, s.rttMs);
  push(acc.kin, s.bitrateInKbps);
  push(acc.kout, s.bitrateOutKbps);
}

export function summarise(acc: SummaryAcc): StatsSummary {
  const avg = (f: Field): number | null => (f.n ? r1(f.sum / f.n) : null);
  return {
    samples: acc.n,
    avgLossPct: avg(acc.loss),
    maxLossPct: r1(acc.loss.max),
    avgJitterMs: avg(acc.jitter),
    maxJitterMs: r1(acc.jitter.max),
    avgRttMs: avg(acc.rtt),
    avgKbpsIn: avg(acc.kin),
    avgKbpsOut: avg(acc.kout),
  };
}
