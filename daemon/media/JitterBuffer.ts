// Adaptive jitter buffer for one audio source of the mixer, keyed on RTP timestamps.
//
// Packets are kept encoded and decoded in timestamp order when played (G.722 and Opus decoders are
// stateful, so decoding in arrival order would garble reordered audio). Playout starts once `target`
// frames are buffered (target starts at one 20 ms frame). An empty buffer at playout time is an
// underrun: silence is played, the target grows by a frame and the buffer re-primes. A packet older
// than the playout point is late and dropped. A missing packet with later ones present is lost and
// concealed with silence. The delay comes back down two ways: when a frame more than the target has
// stood in the buffer for 200 ms, the next quiet frame (a pause, where nobody hears it go) is
// dropped; when two more have stood for a whole second, a frame is dropped whatever it holds. The
// target shrinks after 5 s in which its extra frame was never needed. Without the first, every
// stall of the sender or of the mixer's thread (its late packets are all played after the
// underrun) added its length to the delay for seconds.
import { FRAME_SAMPLES } from './codecs/AudioCodec.js';
import { tsDiff } from './rtp/packet.js';

export interface JitterStats {
  received: number;
  late: number;
  /** Frames concealed because their packet never came. */
  lost: number;
  underruns: number;
  /** Frames dropped to bring the delay down, or on overflow. */
  dropped: number;
  resyncs: number;
  targetFrames: number;
  depthMs: number;
}

export interface JitterBufferOptions {
  /** RTP clock rate of the stream. */
  clockRate: number;
  /** Output samples (16 kHz) per RTP clock unit: G.711/G.722 2, opus 1/3. */
  samplesPerTs: number;
  /** Decode one payload to 16 kHz samples. */
  decode: (payload: Uint8Array) => Int16Array;
  maxFrames?: number;
}

const SHRINK_WINDOW = 50; // pops (1 s)
const RELAX_AFTER = 250; // pops without underrun (5 s) before the target shrinks
const LATE_RUN_RESYNC = 10;
const QUIET_WINDOW = 10; // pops (200 ms) an extra frame must stand before a quiet frame is dropped
/** A frame whose loudest sample is below this (≈ −40 dBFS) is a pause: dropping it is not heard. */
const QUIET_PEAK = 320;

export class JitterBuffer {
  readonly #frameTs: number;
  readonly #ratio: number;
  readonly #decode: (payload: Uint8Array) => Int16Array;
  readonly #maxFrames: number;
  readonly #pkts = new Map<number, Uint8Array>();
  #newest = -Infinity;
  #ptimeTs: number;
  #next: number | undefined;
  #lastRaw = 0;
  #lastExt: number | undefined;
  #pcm = new Int16Array(FRAME_SAMPLES * 4);
  #pcmLen = 0;
  /** What pop() returns, reused: 76 sources × 50 frames/s of garbage is what the mixer's GC paused for. */
  readonly #out = new Int16Array(FRAME_SAMPLES);
  #playing = false;
  #target = 1;
  #lateRun = 0;
  #grewAt: number | undefined;
  #windowMin = Infinity;
  #windowPops = 0;
  #sinceUnderrun = 0;
  #relaxMin = Infinity;
  #standMin = Infinity;
  #standPops = 0;
  /** Quiet frames that may be dropped: the excess that stood through the last window. */
  #shedQuiet = 0;
  readonly #s = { received: 0, late: 0, lost: 0, underruns: 0, dropped: 0, resyncs: 0 };

  constructor(o: JitterBufferOptions) {
    this.#frameTs = Math.round(FRAME_SAMPLES / o.samplesPerTs);
    this.#ptimeTs = this.#frameTs;
    this.#ratio = o.samplesPerTs;
    this.#decode = o.decode;
    this.#maxFrames = o.maxFrames ?? 10;
  }

  stats(): JitterStats {
    return { ...this.#s, targetFrames: this.#target, depthMs: (this.#bufferedTs() / this.#frameTs) * 20 };
  }

  /** RTP timestamp (mod 2^32) of the next sample pop() plays, or undefined before the first packet. */
  get playoutTs(): number | undefined {
    if (this.#next === undefined) return undefined;
    return (this.#next - Math.round(this.#pcmLen / this.#ratio)) >>> 0;
  }

  push(ts: number, payload: Uint8Array): void {
    const ext = this.#unwrap(ts);
    if (this.#next !== undefined) {
      if (this.#pkts.has(ext)) return; // duplicate
      if (ext < this.#next) {
        this.#s.late++;
        if (++this.#lateRun >= LATE_RUN_RESYNC)
          this.#reset(ext); // the sender restarted its clock
        else return;
      } else if (ext - this.#next > this.#frameTs * 100) {
        this.#reset(ext); // a jump of more than 2 s: not jitter, a new timeline
      }
    }
    this.#lateRun = 0;
    if (this.#grewAt !== undefined) {
      // First packet after an underrun: if it is not the one we waited for, the stream had a gap
      // (loss, a pause, a new SSRC), not jitter, so deeper buffering would not have helped.
      if (ext > this.#grewAt && this.#target > 1) this.#target--;
      this.#grewAt = undefined;
    }
    if (this.#next === undefined) this.#next = ext;
    if (ext > this.#newest) this.#newest = ext;
    this.#pkts.set(ext, payload);
    this.#s.received++;
    while (this.#bufferedTs() > this.#maxFrames * this.#frameTs && this.#dropOldest()) this.#s.dropped++;
  }

  /**
   * The next 20 ms (FRAME_SAMPLES at 16 kHz), or null while priming or on underrun. The frame is
   * valid until the next pop (its array is reused).
   */
  pop(): Int16Array | null {
    if (!this.#playing) {
      if (this.#next === undefined) return null;
      if (this.#pcmLen === 0 && this.#pkts.size > 0) {
        // Re-priming: the time of a gap before the oldest packet has passed already; do not replay it.
        const oldest = this.#oldest();
        if (oldest > this.#next) this.#next = oldest;
      }
      if (this.#bufferedTs() < this.#target * this.#frameTs) return null;
      this.#playing = true;
    }
    this.#fill();
    if (this.#pcmLen < FRAME_SAMPLES) {
      // Underrun: play what there is, padded with silence, and buffer deeper from now on.
      this.#s.underruns++;
      this.#sinceUnderrun = 0;
      this.#relaxMin = Infinity;
      if (this.#target < this.#maxFrames - 1) {
        this.#target++;
        this.#grewAt = this.#next; // undone if the sender paused rather than arrived late
      }
      this.#playing = false;
      this.#standMin = Infinity;
      this.#standPops = 0;
      this.#shedQuiet = 0;
      if (this.#pcmLen === 0) return null;
      const out = this.#out;
      out.set(this.#pcm.subarray(0, this.#pcmLen));
      out.fill(0, this.#pcmLen);
      this.#pcmLen = 0;
      return out;
    }
    if (this.#shedQuiet > 0 && this.#bufferedTs() >= 2 * this.#frameTs && this.#isQuiet()) {
      // extra frames have stood for 200 ms and this one is a pause: skip it, play the next
      this.#consume(FRAME_SAMPLES);
      this.#s.dropped++;
      this.#shedQuiet--;
      this.#fill();
    }
    const out = this.#out;
    out.set(this.#pcm.subarray(0, FRAME_SAMPLES));
    this.#consume(FRAME_SAMPLES);
    this.#stand();
    this.#adapt();
    return out;
  }

  #isQuiet(): boolean {
    const pcm = this.#pcm;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = pcm[i]!;
      if (v > QUIET_PEAK || v < -QUIET_PEAK) return false;
    }
    return true;
  }

  /** After each pop: how many frames more than the target stood through the whole window? */
  #stand(): void {
    this.#standMin = Math.min(this.#standMin, this.#bufferedTs());
    if (++this.#standPops < QUIET_WINDOW) return;
    // the target's frames are what was buffered at a pop; one of them is played by it
    this.#shedQuiet = Math.max(0, Math.floor(this.#standMin / this.#frameTs) - this.#target + 1);
    this.#standMin = Infinity;
    this.#standPops = 0;
  }

  #adapt(): void {
    this.#windowMin = Math.min(this.#windowMin, this.#bufferedTs());
    if (++this.#windowPops >= SHRINK_WINDOW) {
      if (this.#windowMin >= (this.#target + 1) * this.#frameTs && this.#dropOldest()) this.#s.dropped++;
      this.#windowPops = 0;
      this.#windowMin = Infinity;
    }
    // Shrink the target only if the extra frame was never needed: every packet arrived a frame ahead.
    this.#relaxMin = Math.min(this.#relaxMin, this.#bufferedTs());
    if (++this.#sinceUnderrun >= RELAX_AFTER) {
      if (this.#target > 1 && this.#relaxMin >= (this.#target - 1) * this.#frameTs) this.#target--;
      this.#sinceUnderrun = 0;
      this.#relaxMin = Infinity;
    }
  }

  /** Decode packets in timestamp order until a frame is ready, concealing gaps. */
  #fill(): void {
    while (this.#pcmLen < FRAME_SAMPLES && this.#next !== undefined) {
      const p = this.#pkts.get(this.#next);
      if (p) {
        this.#pkts.delete(this.#next);
        const pcm = this.#decode(p);
        this.#append(pcm, pcm.length);
        // The packet duration is what it decoded to; that is the stream's ptime from now on.
        if (pcm.length > 0) this.#ptimeTs = Math.round(pcm.length / this.#ratio);
        this.#next += this.#ptimeTs;
        continue;
      }
      if (this.#pkts.size === 0) return;
      const oldest = this.#oldest();
      const gapTs = Math.min(oldest - this.#next, Math.ceil((FRAME_SAMPLES - this.#pcmLen) / this.#ratio));
      this.#append(undefined, Math.round(gapTs * this.#ratio));
      this.#next += gapTs;
      this.#s.lost += gapTs / this.#frameTs;
    }
  }

  #append(pcm: Int16Array | undefined, n: number): void {
    if (this.#pcmLen + n > this.#pcm.length) {
      const bigger = new Int16Array(Math.max(this.#pcm.length * 2, this.#pcmLen + n));
      bigger.set(this.#pcm.subarray(0, this.#pcmLen));
      this.#pcm = bigger;
    }
    if (pcm) this.#pcm.set(pcm, this.#pcmLen);
    else this.#pcm.fill(0, this.#pcmLen, this.#pcmLen + n);
    this.#pcmLen += n;
  }

  #consume(n: number): void {
    this.#pcm.copyWithin(0, n, this.#pcmLen);
    this.#pcmLen -= n;
  }

  /** Drop the oldest 20 ms of buffered audio; false if there was nothing to drop. */
  #dropOldest(): boolean {
    if (this.#pcmLen >= FRAME_SAMPLES) {
      this.#consume(FRAME_SAMPLES);
      return true;
    }
    if (this.#next === undefined || this.#pkts.size === 0) return false;
    const oldest = this.#oldest();
    this.#pkts.delete(oldest);
    this.#next = Math.max(this.#next, oldest + this.#ptimeTs);
    this.#pcmLen = 0;
    return true;
  }

  #oldest(): number {
    let oldest = Infinity;
    for (const k of this.#pkts.keys()) if (k < oldest) oldest = k;
    return oldest;
  }

  #bufferedTs(): number {
    if (this.#next === undefined) return 0;
    const queued = this.#pkts.size > 0 ? Math.max(0, this.#newest + this.#ptimeTs - this.#next) : 0;
    return queued + this.#pcmLen / this.#ratio;
  }

  #unwrap(ts: number): number {
    if (this.#lastExt === undefined) {
      this.#lastExt = ts;
      this.#lastRaw = ts;
      return ts;
    }
    const ext = this.#lastExt + tsDiff(ts, this.#lastRaw);
    if (ext > this.#lastExt) {
      this.#lastExt = ext;
      this.#lastRaw = ts;
    }
    return ext;
  }

  #reset(ext: number): void {
    this.#pkts.clear();
    this.#pcmLen = 0;
    this.#next = ext;
    this.#newest = -Infinity;
    this.#playing = false;
    this.#lateRun = 0;
    this.#s.resyncs++;
  }
}
