// The sequence numbers and timestamps of one view (a room's, or the program's): whichever source it
// shows, what leaves is one stream whose seq continues and whose timestamps keep time with the
// arrival clock.
//
// A switch continues the stream where it was: the new source's first packet gets the next seq and
// the last timestamp plus the time since then. After that the source's own timestamps are trusted
// only as far as they keep pace with their arrival: timestamps that run more than VIEW_MAX_AHEAD_MS
// ahead of the view's arrival clock are held back to it (never behind the last one). Frames that
// come late (a busy machine, the network) keep their source's stamps, as they should.
//
// Running ahead happened when a new composed canvas started: GStreamer's live sources in a running
// pipeline first catch up from running time 0, so the canvas's first frames came in a burst whose
// timestamps spanned seconds (seen: 4-24 s in 0.2 s). Rebased blindly, those seconds stayed in the
// view; a recorder (ffmpeg, anchored on the RTCP sender reports, clamping what then went backwards)
// wrote a video track far longer than the sound, its last seconds frozen (issue #16).
import { seqDiff, tsDiff } from './packet.js';

/** How far a view's timestamps may run ahead of its arrival clock (ms) before they are held back. */
export const VIEW_MAX_AHEAD_MS = 200;
/** The arrival reference is moved forward (same transit time) this often, so 32-bit arithmetic never wraps. */
const ANCHOR_REFRESH_MS = 60_000;
/** 90 kHz: every view is video. */
const TICKS_PER_MS = 90;

export class ViewTimeline {
  #seq: number;
  #ts: number;
  #sentAt: number;
  #seqOff = 0;
  #tsOff = 0;
  /** The arrival clock in timestamps: the view's start (a switch continues on it), moved forward now and then. */
  #anchorAt: number;
  #anchorTs: number;
  /** Frames whose timestamps were held back (diagnostics). */
  rebased = 0;

  /** `seq`, `ts`: where the view's stream starts; `now`: performance.now() in ms. */
  constructor(seq: number, ts: number, now: number) {
    this.#seq = seq & 0xffff;
    this.#ts = ts >>> 0;
    this.#sentAt = now;
    this.#anchorAt = now;
    this.#anchorTs = this.#ts;
  }

  /** The first packet of a newly shown source (its keyframe): continue the view's stream with it. */
  switchTo(seq: number, ts: number, now: number): void {
    this.#seqOff = (this.#seq + 1 - seq) & 0xffff;
    this.#tsOff = (this.#ts + Math.max(1, Math.round((now - this.#sentAt) * TICKS_PER_MS)) - ts) >>> 0;
  }

  /** The view's seq and timestamp for a packet of the shown source that arrived at `now`. */
  map(seq: number, ts: number, now: number): { seq: number; ts: number } {
    const outSeq = (seq + this.#seqOff) & 0xffff;
    let outTs = (ts + this.#tsOff) >>> 0;
    if (seqDiff(outSeq, this.#seq) <= 0) return { seq: outSeq, ts: outTs }; // late or repeated: as it was
    if (outTs !== this.#ts) outTs = this.#keepPace(outTs, now);
    this.#seq = outSeq;
    this.#ts = outTs;
    this.#sentAt = now;
    return { seq: outSeq, ts: outTs };
  }

  /** A new frame's timestamp, held back to at most VIEW_MAX_AHEAD_MS ahead of the arrival clock. */
  #keepPace(outTs: number, now: number): number {
    if (now - this.#anchorAt > ANCHOR_REFRESH_MS) {
      this.#anchorTs = (this.#anchorTs + Math.round((now - this.#anchorAt) * TICKS_PER_MS)) >>> 0;
      this.#anchorAt = now;
    }
    const ahead = tsDiff(outTs, this.#anchorTs) / TICKS_PER_MS - (now - this.#anchorAt);
    if (ahead <= VIEW_MAX_AHEAD_MS) return outTs;
    // never backwards: a frame stamped before the last one would be out of order
    const back = Math.min(Math.round((ahead - VIEW_MAX_AHEAD_MS) * TICKS_PER_MS), tsDiff(outTs, this.#ts) - 1);
    if (back <= 0) return outTs;
    this.#tsOff = (this.#tsOff - back) >>> 0;
    this.rebased++;
    return (outTs - back) >>> 0;
  }
}
