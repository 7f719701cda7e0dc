// The mixer works on 16 kHz mono, 20 ms frames. 16 kHz because every room codec fits in it (G.711 is
// 8 kHz, G.722 is 16 kHz) and libopus decodes and encodes at 16 kHz natively; 48 kHz would triple the
// mixing and filtering work for bandwidth no SIP room can play back.
import type { AudioCodecName } from '../types.js';

export const MIX_RATE = 16000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (MIX_RATE * FRAME_MS) / 1000;

export interface AudioCodec {
  readonly name: AudioCodecName;
  /** RTP clock rate (G.722: 8000, opus: 48000). */
  readonly clockRate: number;
  /** RTP clock units per 20 ms frame. */
  readonly frameTs: number;
  /**
   * No state that the room's decoder follows (G.711): one encoded frame may go to several rooms,
   * and a frame nobody hears need not be decoded. G.722 (ADPCM) and Opus keep prediction state.
   */
  readonly stateless: boolean;
  /** Stateless codecs: the 16 kHz samples `payload` decodes to, without decoding it. */
  samplesOf?(payload: Uint8Array): number;
  /** Decode one RTP payload to 16 kHz mono samples. */
  decode(payload: Uint8Array): Int16Array;
  /** Encode one 20 ms frame of 16 kHz mono samples (FRAME_SAMPLES long). */
  encode(pcm: Int16Array): Uint8Array;
  close(): void;
}

export function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}
