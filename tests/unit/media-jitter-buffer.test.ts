// The mixer's jitter buffer, driven tick by tick (one pop per 20 ms tick, pushes as arrivals).
// Each payload's first byte is its frame number, and "decoding" fills the frame with that number,
// so the order and origin of every played sample is visible.
import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../daemon/media/JitterBuffer.js';

const FRAME_TS = 160; // 20 ms at 8 kHz
const jb = (): JitterBuffer =>
  new JitterBuffer({ clockRate: 8000, samplesPerTs: 2, decode: (p) => new Int16Array(320).fill(p[0]!) });
const pkt = (n: number): Uint8Array => Uint8Array.of(n % 256);
const played = (f: Int16Array | null): number | null => (f ? f[0]! : null);

describe('JitterBuffer', () => {
  it('plays an on-time stream in order with one frame of delay', () => {
    const b = jb();
    const out: (number | null)[] = [];
    for (let n = 0; n < 100; n++) {
      b.push(1000 + n * FRAME_TS, pkt(n));
      out.push(played(b.pop()));
    }
    expect(out.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(b.stats()).toMatchObject({ underruns: 0, late: 0, lost: 0, targetFrames: 1 });
  });

  it('grows after late arrivals, plays the same jitter without underruns, and shrinks when it stops', () => {
    const b = jb();
    let n = 0;
    const send = (): void => {
      b.push(n * FRAME_TS, pkt(n));
      n++;
    };
    // Every 10th packet arrives one tick late (together with the next one).
    for (let tick = 0; tick < 300; tick++) {
      if (tick % 10 !== 5) {
        send();
        if (tick % 10 === 6) send();
      }
      b.pop();
    }
    const s = b.stats();
    expect(s.targetFrames).toBe(2);
    expect(s.underruns).toBeLessThanOrEqual(2);
    expect(s.depthMs).toBeLessThanOrEqual(40);
    // The jitter stops: after a while the extra frame of delay goes away again.
    for (let tick = 0; tick < 600; tick++) {
      send();
      b.pop();
    }
    expect(b.stats().targetFrames).toBe(1);
    expect(b.stats().depthMs).toBeLessThanOrEqual(20);
  });

  it('decodes reordered packets in timestamp order, drops packets older than the playout point, conceals loss', () => {
    const b = jb();
    b.push(0, pkt(0));
    b.push(FRAME_TS, pkt(1));
    expect(played(b.pop())).toBe(0);
    b.push(3 * FRAME_TS, pkt(3));
    b.push(2 * FRAME_TS, pkt(2));
    expect(played(b.pop())).toBe(1);
    expect(played(b.pop())).toBe(2);
    expect(played(b.pop())).toBe(3);
    b.push(FRAME_TS, pkt(1)); // long gone
    expect(b.stats().late).toBe(1);
    b.push(5 * FRAME_TS, pkt(5)); // 4 is lost
    b.push(6 * FRAME_TS, pkt(6));
    expect(played(b.pop())).toBe(0); // silence where 4 should be
    expect(played(b.pop())).toBe(5);
    expect(b.stats().lost).toBe(1);
  });

  it('follows a timestamp jump (new timeline) instead of waiting for it', () => {
    const b = jb();
    for (let n = 0; n < 10; n++) {
      b.push(n * FRAME_TS, pkt(n));
      b.pop();
    }
    for (let n = 0; n < 10; n++) {
      b.push(3_000_000 + n * FRAME_TS, pkt(100 + n));
      expect(played(b.pop())).toBe(100 + n);
    }
    expect(b.stats().resyncs).toBe(1);
  });

  it('brings its delay back down after a burst', () => {
    const b = jb();
    let n = 0;
    for (let tick = 0; tick < 20; tick++) {
      b.push(n * FRAME_TS, pkt(n));
      n++;
      b.pop();
    }
    for (let k = 0; k < 5; k++) {
      b.push(n * FRAME_TS, pkt(n));
      n++;
    } // five at once
    const peak = b.stats().depthMs;
    for (let tick = 0; tick < 300; tick++) {
      b.push(n * FRAME_TS, pkt(n));
      n++;
      b.pop();
    }
    expect(peak).toBeGreaterThanOrEqual(100);
    expect(b.stats().depthMs).toBeLessThanOrEqual(20);
  });

  it('sheds the delay a stall left behind in the next pauses, but never drops a loud frame for it', () => {
    // payload [n, loud]: loud frames decode to a tone-level constant, quiet ones to silence
    const run = (loud: (n: number) => boolean): { before: number; after: number; played: number[] } => {
      const b = new JitterBuffer({
        clockRate: 8000,
        samplesPerTs: 2,
        decode: (p) => new Int16Array(320).fill(p[1] ? 10_000 + p[0]! : p[0]!),
      });
      const played: number[] = [];
      let n = 0;
      const push = (): void => {
        b.push(n * FRAME_TS, Uint8Array.of(n % 256, loud(n) ? 1 : 0));
        n++;
      };
      const pop = (): void => {
        const f = b.pop();
        if (f) played.push(f[0]! % 10_000);
      };
      for (let tick = 0; tick < 20; tick++) {
        push();
        pop();
      }
      // the sender stalls for 5 ticks, then its 5 late packets arrive at once with the next
      for (let tick = 0; tick < 5; tick++) pop();
      for (let k = 0; k < 6; k++) push();
      pop();
      const before = b.stats().depthMs;
      for (let tick = 0; tick < 25; tick++) {
        push();
        pop();
      }
      return { before, after: b.stats().depthMs, played };
    };
    const quiet = run(() => false);
    expect(quiet.before).toBeGreaterThanOrEqual(60);
    expect(quiet.after, 'quiet frames shed the standing delay within half a second').toBeLessThanOrEqual(20);
    const speech = run(() => true);
    expect(speech.after, 'loud frames are all played: the delay stays for now').toBeGreaterThanOrEqual(60);
    // every loud frame was played once, in order
    expect(speech.played).toEqual([...speech.played].sort((x, y) => x - y));
    expect(new Set(speech.played).size).toBe(speech.played.length);
  });
});
