// Sends DTMF digits as RFC 4733 telephone-events on a relay's audio stream (same SSRC and sequence
// space as the mix, audio held back during each event), e.g. the conference PIN to the upstream MCU.
import type { Clock, Timer } from '../util/clock.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { RtpRelay } from './RtpRelay.js';
import { eventCode, eventPayload, isDtmfString } from './rtp/telephoneEvent.js';

export interface DtmfOptions {
  /** Tone length per digit (default 160 ms). */
  durationMs?: number;
  /** Silence between digits (default 80 ms). */
  gapMs?: number;
}

const PACKET_MS = 20;

export class DtmfSender {
  readonly #relay: RtpRelay;
  readonly #clock: Clock;
  #queue: Promise<void> = Promise.resolve();
  #timer: Timer | undefined;
  #wake: (() => void) | undefined;
  #closed = false;

  constructor({ relay, clock }: { relay: RtpRelay; clock: Clock }) {
    this.#relay = relay;
    this.#clock = clock;
  }

  /** Queue digits (0-9 * # A-D); resolves when the last one has been sent. */
  send(digits: string, opts: DtmfOptions = {}): Promise<void> {
    if (!isDtmfString(digits))
      throw new VcError('BAD_REQUEST', say('media.notDtmf', { digits: JSON.stringify(digits) }));
    const remote = this.#relay.remote;
    if (remote?.telephoneEventPt === undefined) {
      throw new VcError('MEDIA_FAILED', say('media.noTelephoneEvent'));
    }
    const run = this.#queue.then(() => this.#sendAll(digits, opts));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#wake?.();
  }

  async #sendAll(digits: string, opts: DtmfOptions): Promise<void> {
    const durationMs = Math.max(40, opts.durationMs ?? 160);
    const gapMs = Math.max(20, opts.gapMs ?? 80);
    for (const d of digits) {
      if (this.#closed) return;
      await this.#sendDigit(eventCode(d), durationMs);
      await this.#sleep(gapMs);
    }
  }

  async #sendDigit(code: number, durationMs: number): Promise<void> {
    const clockRate = this.#relay.remote?.clockRate ?? 8000;
    const step = Math.round((clockRate * PACKET_MS) / 1000);
    const packets = Math.ceil(durationMs / PACKET_MS);
    const ts = this.#relay.beginEvent();
    try {
      for (let i = 1; i <= packets && !this.#closed; i++) {
        this.#relay.sendEventPacket(eventPayload(code, false, i * step), ts, i === 1);
        await this.#sleep(PACKET_MS);
      }
      // The end packet is sent three times, as RFC 4733 §2.5.1.4 recommends.
      for (let i = 0; i < 3; i++) this.#relay.sendEventPacket(eventPayload(code, true, packets * step), ts, false);
    } finally {
      this.#relay.endEvent(ts, packets * step);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#clock.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
    });
  }
}
