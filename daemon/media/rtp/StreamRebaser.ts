// Makes a room's RTP look like one unbroken stream even when the room restarts it with a new SSRC
// (phones do after a re-INVITE or a codec reset): the new SSRC is accepted once the old one has gone
// quiet, and its sequence numbers and timestamps are shifted to continue where the old ones ended.
import { seqDiff } from './packet.js';

export type RebaseVerdict = 'same' | 'first' | 'switched' | 'drop';

export class StreamRebaser {
  readonly #quietMs: number;
  #ssrc: number | undefined;
  #seqOff = 0;
  #tsOff = 0;
  #lastSeq = 0;
  #lastTs = 0;
  #lastAt = 0;
  #started = false;

  /** `quietMs`: how long the current SSRC must be silent before another may take over. */
  constructor(quietMs: number) {
    this.#quietMs = quietMs;
  }

  get ssrc(): number | undefined {
    return this.#ssrc;
  }

  /** Decide on a packet's SSRC (call before map()). */
  accept(ssrc: number, seq: number, ts: number, nowMs: number, clockRate: number): RebaseVerdict {
    if (this.#ssrc === undefined) {
      this.#ssrc = ssrc;
      return 'first';
    }
    if (ssrc === this.#ssrc) return 'same';
    if (nowMs - this.#lastAt < this.#quietMs) return 'drop';
    const elapsed = Math.max(1, Math.round(((nowMs - this.#lastAt) * clockRate) / 1000));
    this.#seqOff = (this.#lastSeq + 1 - seq) & 0xffff;
    this.#tsOff = (this.#lastTs + elapsed - ts) >>> 0;
    this.#ssrc = ssrc;
    return 'switched';
  }

  /** Note that a packet of the current SSRC arrived (media or event). */
  touch(nowMs: number): void {
    this.#lastAt = nowMs;
  }

  /** Rebased seq/ts of a media packet, and by how many sequence numbers it advanced the stream. */
  map(seq: number, ts: number): { seq: number; ts: number; advanced: number } {
    const s = (seq + this.#seqOff) & 0xffff;
    const t = (ts + this.#tsOff) >>> 0;
    const advanced = this.#started ? seqDiff(s, this.#lastSeq) : 1;
    if (advanced > 0) {
      this.#started = true;
      this.#lastSeq = s;
      this.#lastTs = t;
    }
    return { seq: s, ts: t, advanced: Math.max(0, advanced) };
  }
}
