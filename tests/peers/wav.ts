// Reading what a peer recorded: 16-bit PCM WAV samples and the strength of a tone in them.
import { readFileSync } from 'node:fs';

export function readWav(path: string): { rate: number; channels: number; samples: Int16Array } {
  const b = readFileSync(path);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error(`${path} is not a WAV file`);
  let off = 12;
  let rate = 8000;
  let channels = 1;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      channels = b.readUInt16LE(off + 10);
      rate = b.readUInt32LE(off + 12);
    } else if (id === 'data') {
      const end = Math.min(b.length, off + 8 + size);
      const data = b.subarray(off + 8, end - ((end - off - 8) % 2));
      return {
        rate,
        channels,
        samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)),
      };
    }
    off += 8 + size + (size % 2);
  }
  return { rate, channels, samples: new Int16Array(0) };
}

/** Share of the signal's energy at `hz` (Goertzel over the whole signal), 0..1. */
export function toneShare(samples: Int16Array, rate: number, hz: number): number {
  if (samples.length === 0) return 0;
  const w = (2 * Math.PI * hz) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (samples.length * energy);
}
