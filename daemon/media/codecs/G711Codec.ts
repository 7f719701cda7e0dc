// G.711 A-law / µ-law (alawmulaw), resampled to and from the 16 kHz mix.
import alawmulaw from 'alawmulaw';
import type { AudioCodec } from './AudioCodec.js';
import { Resampler2x } from './Resampler2x.js';

export class G711Codec implements AudioCodec {
  readonly name: 'PCMA' | 'PCMU';
  readonly clockRate = 8000;
  readonly frameTs = 160;
  readonly stateless = true;
  readonly #law: typeof alawmulaw.alaw;
  readonly #dec = new Resampler2x();
  readonly #enc = new Resampler2x();

  constructor(name: 'PCMA' | 'PCMU') {
    this.name = name;
    this.#law = name === 'PCMA' ? alawmulaw.alaw : alawmulaw.mulaw;
  }

  decode(payload: Uint8Array): Int16Array {
    return this.#dec.up(this.#law.decode(payload));
  }

  samplesOf(payload: Uint8Array): number {
    return payload.length * 2; // a byte per 8 kHz sample
  }

  encode(pcm: Int16Array): Uint8Array {
    return this.#law.encode(this.#enc.down(pcm));
  }

  close(): void {
    // Pure JS state: nothing to free.
  }
}
