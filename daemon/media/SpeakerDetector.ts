// Picks the dominant speaker from the levels the mixer measures on decoded audio. (mediasoup's
// ActiveSpeakerObserver and AudioLevelObserver read the ssrc-audio-level RTP header extension only —
// worker/src/RTC/ActiveSpeakerObserver.cpp returns early without it — and SIP rooms do not send it.)
// Levels are smoothed (fast attack, slow release); a new speaker must be louder than the current one
// by a margin. Holding the view for 2 s is the conference layer's business.
import { TypedEmitter } from '../util/TypedEmitter.js';

type SpeakerEvents = {
  activeSpeaker: [{ id: string; dBov: number }];
};

export interface SpeakerDetectorOptions {
  /** Below this smoothed level nobody is speaking (default -45 dBov). */
  thresholdDb?: number;
  /** A challenger must be this much louder than the current speaker (default 4 dB). */
  marginDb?: number;
  /** Frames a challenger must lead before it takes over (default 10 = 200 ms). */
  confirmFrames?: number;
}

const SILENCE_DB = -127;

export class SpeakerDetector extends TypedEmitter<SpeakerEvents> {
  readonly #levels = new Map<string, number>();
  readonly #threshold: number;
  readonly #margin: number;
  readonly #confirm: number;
  #current: string | undefined;
  #candidate: string | undefined;
  #candidateFrames = 0;

  constructor(o: SpeakerDetectorOptions = {}) {
    super();
    this.#threshold = o.thresholdDb ?? -45;
    this.#margin = o.marginDb ?? 4;
    this.#confirm = o.confirmFrames ?? 10;
  }

  get current(): string | undefined {
    return this.#current;
  }

  /** Smoothed level of a source in dBov. */
  level(id: string): number {
    return this.#levels.get(id) ?? SILENCE_DB;
  }

  /** One 20 ms frame of a source (undefined = nothing played, or muted). */
  update(id: string, frame: Int16Array | undefined): void {
    let db = SILENCE_DB;
    if (frame && frame.length > 0) {
      let sum = 0;
      for (let i = 0; i < frame.length; i++) sum += frame[i]! * frame[i]!;
      const rms = Math.sqrt(sum / frame.length);
      db = rms > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(rms / 32768)) : SILENCE_DB;
    }
    const prev = this.#levels.get(id) ?? SILENCE_DB;
    const k = db > prev ? 0.5 : 0.1;
    this.#levels.set(id, prev + k * (db - prev));
  }

  remove(id: string): void {
    this.#levels.delete(id);
    if (this.#current === id) this.#current = undefined;
  }

  /** After all update() calls of a frame: decide, and emit when the speaker changes. */
  decide(): void {
    let best: string | undefined;
    let bestDb = -Infinity;
    for (const [id, db] of this.#levels) {
      if (db > bestDb) {
        best = id;
        bestDb = db;
      }
    }
    if (!best || bestDb < this.#threshold || best === this.#current) {
      this.#candidate = undefined;
      return;
    }
    const currentDb = this.#current ? this.level(this.#current) : -Infinity;
    if (currentDb >= this.#threshold && bestDb < currentDb + this.#margin) {
      this.#candidate = undefined;
      return;
    }
    if (this.#candidate !== best) {
      this.#candidate = best;
      this.#candidateFrames = 0;
    }
    if (++this.#candidateFrames >= this.#confirm) {
      this.#current = best;
      this.#candidate = undefined;
      this.emit('activeSpeaker', { id: best, dBov: Math.round(bestDb * 10) / 10 });
    }
  }
}
