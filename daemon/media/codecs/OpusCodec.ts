// Opus through @discordjs/opus (native libopus), run at 16 kHz mono: libopus resamples internally,
// the RTP clock stays 48000 as RFC 7587 requires, and any Opus packet (stereo, fullband) decodes.
import { createRequire } from 'node:module';
import type { AudioCodec } from './AudioCodec.js';
import { MIX_RATE } from './AudioCodec.js';

interface OpusBinding {
  OpusEncoder: new (
    rate: number,
    channels: number,
  ) => {
    encode(buf: Buffer): Buffer;
    decode(buf: Buffer): Buffer;
    setBitrate(bitrate: number): void;
  };
}

// The package is CommonJS with a native addon; ESM named imports cannot see its exports.
const { OpusEncoder } = createRequire(import.meta.url)('@discordjs/opus') as OpusBinding;

export class OpusCodec implements AudioCodec {
  readonly name = 'opus' as const;
  readonly clockRate = 48000;
  readonly frameTs = 960;
  readonly stateless = false;
  readonly #enc = new OpusEncoder(MIX_RATE, 1);
  readonly #dec = new OpusEncoder(MIX_RATE, 1);

  constructor(bitrate = 32000) {
    this.#enc.setBitrate(bitrate);
  }

  decode(payload: Uint8Array): Int16Array {
    const out = this.#dec.decode(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    if (out.byteOffset % 2 === 0) return new Int16Array(out.buffer, out.byteOffset, out.byteLength >> 1);
    return new Int16Array(Uint8Array.prototype.slice.call(out).buffer);
  }

  encode(pcm: Int16Array): Uint8Array {
    return this.#enc.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  close(): void {
    // libopus state is freed by the binding's finaliser.
  }
}
