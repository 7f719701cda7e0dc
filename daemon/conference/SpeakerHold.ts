// Voice-activated view: the mixer names who is speaking; the picture follows, but a new speaker is
// shown at most once per hold, so two people talking over each other do not make it flicker.
import type { Clock, Timer } from '../util/clock.js';

/** A new speaker is shown at most this often. */
export const SPEAKER_HOLD_MS = 2000;

export class SpeakerHold {
  readonly #clock: Clock;
  readonly #live: () => boolean;
  readonly #changed: () => void;
  #speaker: string | null = null;
  #previous: string | null = null;
  #at = 0;
  #candidate: string | null = null;
  #timer: Timer | undefined;

  /** `live`: whether a change counts now; `changed`: called after the shown speaker changed. */
  constructor(o: { clock: Clock; live: () => boolean; changed: () => void }) {
    this.#clock = o.clock;
    this.#live = o.live;
    this.#changed = o.changed;
  }

  get speaker(): string | null {
    return this.#speaker;
  }

  get previous(): string | null {
    return this.#previous;
  }

  /** The mixer heard `id` as the dominant speaker. */
  heard(id: string): void {
    this.#candidate = id;
    const wait = this.#at + SPEAKER_HOLD_MS - this.#clock.now();
    if (wait <= 0) return this.#take();
    if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.#take();
      }, wait);
    }
  }

  close(): void {
    this.#clock.clearTimeout(this.#timer);
  }

  #take(): void {
    const id = this.#candidate;
    if (!this.#live() || id === null || id === this.#speaker) return;
    this.#previous = this.#speaker;
    this.#speaker = id;
    this.#at = this.#clock.now();
    this.#changed();
  }
}
