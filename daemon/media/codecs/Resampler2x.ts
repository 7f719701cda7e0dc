// 8 kHz ↔ 16 kHz for G.711 in the 16 kHz mix: a linear-phase Kaiser-windowed low-pass (64 taps,
// cut-off 3.7 kHz, ~70 dB stop band) used as interpolator (up) and anti-alias filter (down).
// Filter history is kept across frames, so one instance per stream and direction.
import { clamp16 } from './AudioCodec.js';

const TAPS = 64;
const CUTOFF = 3700 / 16000;
const BETA = 7;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 30; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

const H = ((): Float64Array => {
  const h = new Float64Array(TAPS);
  const mid = (TAPS - 1) / 2;
  let dc = 0;
  for (let n = 0; n < TAPS; n++) {
    const t = n - mid;
    const sinc = t === 0 ? 1 : Math.sin(2 * Math.PI * CUTOFF * t) / (2 * Math.PI * CUTOFF * t);
    const r = (2 * n) / (TAPS - 1) - 1;
    h[n] = 2 * CUTOFF * sinc * (besselI0(BETA * Math.sqrt(1 - r * r)) / besselI0(BETA));
    dc += h[n]!;
  }
  for (let n = 0; n < TAPS; n++) h[n]! /= dc;
  return h;
})();

export class Resampler2x {
  /** Last TAPS/2 input samples of up(). */
  readonly #upHist = new Float64Array(TAPS / 2);
  /** Last TAPS-1 input samples of down(). */
  readonly #downHist = new Float64Array(TAPS - 1);

  /** 8 kHz → 16 kHz. */
  up(x: Int16Array): Int16Array {
    const half = TAPS / 2;
    const buf = new Float64Array(half + x.length);
    buf.set(this.#upHist);
    for (let i = 0; i < x.length; i++) buf[half + i] = x[i]!;
    const y = new Int16Array(x.length * 2);
    for (let n = 0; n < y.length; n++) {
      const p = TAPS + n; // position in the zero-stuffed stream, history included
      let acc = 0;
      for (let k = p & 1; k < TAPS; k += 2) acc += H[k]! * buf[(p - k) >> 1]!;
      y[n] = clamp16(2 * acc);
    }
    this.#upHist.set(buf.subarray(buf.length - half));
    return y;
  }

  /** 16 kHz → 8 kHz. */
  down(x: Int16Array): Int16Array {
    const hist = TAPS - 1;
    const buf = new Float64Array(hist + x.length);
    buf.set(this.#downHist);
    for (let i = 0; i < x.length; i++) buf[hist + i] = x[i]!;
    const y = new Int16Array(x.length >> 1);
    for (let m = 0; m < y.length; m++) {
      const base = hist + 2 * m;
      let acc = 0;
      for (let k = 0; k < TAPS; k++) acc += H[k]! * buf[base - k]!;
      y[m] = clamp16(acc);
    }
    this.#downHist.set(buf.subarray(buf.length - hist));
    return y;
  }
}
