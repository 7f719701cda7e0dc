// ViewTimeline: one continuous seq/timestamp line for a view across source switches, whose timestamps
// keep pace with the packets' arrival (a new canvas's catch-up burst made a recording run long).
import { describe, expect, it } from 'vitest';
import { VIEW_MAX_AHEAD_MS, ViewTimeline } from '../../daemon/media/rtp/ViewTimeline.js';
import { seqDiff, tsDiff } from '../../daemon/media/rtp/packet.js';

interface Out {
  seq: number;
  ts: number;
  at: number;
}

/** Frames of one source: `n` frames `stepMs` apart in timestamps, arriving by `arrive(i)`; one packet each. */
function feed(
  tl: ViewTimeline,
  o: { seq0: number; ts0: number; n: number; stepMs: number; arrive: (i: number) => number },
): Out[] {
  const out: Out[] = [];
  for (let i = 0; i < o.n; i++) {
    const at = o.arrive(i);
    const m = tl.map((o.seq0 + i) & 0xffff, (o.ts0 + i * o.stepMs * 90) >>> 0, at);
    out.push({ ...m, at });
  }
  return out;
}

/** Milliseconds of timestamp between two output packets. */
const tsMs = (a: Out, b: Out) => tsDiff(b.ts, a.ts) / 90;

describe('ViewTimeline', () => {
  it('passes a steady source through with its own spacing, and continues seq and time across a switch', () => {
    const tl = new ViewTimeline(100, 5000, 0);
    tl.switchTo(7000, 123_456, 10);
    const a = feed(tl, { seq0: 7000, ts0: 123_456, n: 250, stepMs: 40, arrive: (i) => 10 + i * 40 });
    expect(a[0]!.seq).toBe(101);
    expect(tsDiff(a[0]!.ts, 5000)).toBe(900); // 10 ms after the start
    for (let i = 1; i < a.length; i++) {
      expect(seqDiff(a[i]!.seq, a[i - 1]!.seq)).toBe(1);
      expect(tsMs(a[i - 1]!, a[i]!)).toBe(40);
    }
    // another source, its own numbers, 100 ms after the last packet
    const last = a.at(-1)!;
    tl.switchTo(20, 0xffff_ff00, last.at + 100); // near the 32-bit wrap
    const b = feed(tl, { seq0: 20, ts0: 0xffff_ff00, n: 100, stepMs: 66, arrive: (i) => last.at + 100 + i * 66 });
    expect(seqDiff(b[0]!.seq, last.seq)).toBe(1);
    expect(tsMs(last, b[0]!)).toBe(100);
    for (let i = 1; i < b.length; i++) expect(tsMs(b[i - 1]!, b[i]!)).toBe(66);
    expect(tl.rebased).toBe(0);
  });

  it('pulls a catch-up burst (seconds of timestamps in a few ms) back onto the arrival clock', () => {
    const tl = new ViewTimeline(1, 1000, 0);
    tl.switchTo(500, 9000, 0);
    const before = feed(tl, { seq0: 500, ts0: 9000, n: 100, stepMs: 40, arrive: (i) => i * 40 });
    // the new canvas: 60 frames whose timestamps span 12 s, all within 120 ms, then steady
    const t0 = before.at(-1)!.at + 40;
    tl.switchTo(3000, 777, t0);
    const burst = feed(tl, { seq0: 3000, ts0: 777, n: 60, stepMs: 200, arrive: (i) => t0 + i * 2 });
    const steadyTs0 = (777 + 60 * 200 * 90) >>> 0;
    const t1 = burst.at(-1)!.at + 40;
    const steady = feed(tl, { seq0: 3060, ts0: steadyTs0, n: 250, stepMs: 40, arrive: (i) => t1 + i * 40 });
    expect(tl.rebased).toBeGreaterThan(0);
    const all = [...before, ...burst, ...steady];
    // over the whole run, the timestamps say what the clock says (within the allowed lead and a frame)
    const elapsed = all.at(-1)!.at - all[0]!.at;
    const stamped = tsMs(all[0]!, all.at(-1)!);
    expect(Math.abs(stamped - elapsed)).toBeLessThanOrEqual(VIEW_MAX_AHEAD_MS + 40);
    // no packet's timestamp runs ahead of its arrival by more than the allowed lead
    for (const p of all) expect(tsMs(all[0]!, p) - (p.at - all[0]!.at)).toBeLessThanOrEqual(VIEW_MAX_AHEAD_MS);
    // the source's own spacing is kept once it is steady
    for (let i = 1; i < steady.length; i++) expect(tsMs(steady[i - 1]!, steady[i]!)).toBe(40);
  });

  it('a source whose clock runs 25 % fast, switched to again and again, never drags the view ahead', () => {
    const tl = new ViewTimeline(1, 0, 0);
    const all: Out[] = [];
    for (let k = 0; k < 60; k++) {
      const at0 = k * 2000;
      const ts0 = (k * 987_654_321) >>> 0;
      tl.switchTo(k * 100, ts0, at0);
      all.push(...feed(tl, { seq0: k * 100, ts0, n: 50, stepMs: 50, arrive: (i) => at0 + i * 40 }));
    }
    for (const p of all) expect(tsMs(all[0]!, p) - (p.at - all[0]!.at)).toBeLessThanOrEqual(VIEW_MAX_AHEAD_MS);
    expect(Math.abs(tsMs(all[0]!, all.at(-1)!) - (all.at(-1)!.at - all[0]!.at))).toBeLessThanOrEqual(VIEW_MAX_AHEAD_MS);
  });

  it('leaves a late burst alone: frames held up (a busy loop) arrive together but were stamped right', () => {
    const tl = new ViewTimeline(1, 0, 0);
    tl.switchTo(1, 0, 0);
    // every 2 s the process stalls for 1.1 s; the frames held meanwhile then arrive 1 ms apart
    const arrive = (i: number): number => {
      const k = i % 50;
      return k < 30 ? Math.floor(i / 50) * 2000 + 1100 + k : i * 40;
    };
    const out = feed(tl, { seq0: 1, ts0: 0, n: 500, stepMs: 40, arrive });
    expect(tl.rebased).toBe(0);
    for (let i = 1; i < out.length; i++) expect(tsMs(out[i - 1]!, out[i]!)).toBe(40);
  });

  it('stays exact over hours (its reference moves forward, no 32-bit overflow)', () => {
    const tl = new ViewTimeline(1, 0, 0);
    tl.switchTo(1, 0, 0);
    const n = (3 * 3600 * 1000) / 40; // three hours at 25 fps
    let last: { seq: number; ts: number } | undefined;
    let off = 0;
    for (let i = 0; i < n; i++) {
      const m = tl.map((1 + i) & 0xffff, (i * 3600) >>> 0, i * 40 + (i % 7)); // a little jitter
      if (last && tsDiff(m.ts, last.ts) !== 3600) off++;
      last = m;
    }
    expect(off).toBe(0);
    expect(tl.rebased).toBe(0);
  });

  it('maps a late (reordered) packet without moving the line', () => {
    const tl = new ViewTimeline(10, 0, 0);
    tl.switchTo(10, 0, 0);
    const a = tl.map(11, 3600, 40);
    const late = tl.map(10, 0, 45);
    const b = tl.map(12, 7200, 80);
    expect(seqDiff(a.seq, late.seq)).toBe(1);
    expect(tsDiff(b.ts, a.ts)).toBe(3600);
  });
});
