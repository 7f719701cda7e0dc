// Real H.264 for light test rooms, without a live encoder per room: a solid-colour clip encoded once
// per colour by ffmpeg (x264, constrained baseline, an IDR with SPS/PPS every second), cut into access
// units and sent as RTP (RFC 6184 packetization mode 1: single NAL units and FU-A) in a loop with
// running timestamps; and the way back: RTP payloads into NAL units for a decoder.
import { spawnSync } from 'node:child_process';
import { FFMPEG_QUIET, lavfiInput, x264Args } from './ffmpegArgs.js';

export const CLIP_FPS = 15;
/** The largest RTP payload we send (as the bridge's own encoders: 1200). */
const MTU = 1200;

export interface Clip {
  /** Access units (one picture each): its NAL units without start codes. */
  units: Buffer[][];
  /** Indices of the units that start with an IDR (SPS, PPS, IDR slice). */
  idr: number[];
}

const clips = new Map<string, Clip>();

/** NAL units of an Annex B byte stream (start codes 00 00 01 or 00 00 00 01). */
export function annexBUnits(b: Buffer): Buffer[] {
  const starts: { at: number; len: number }[] = [];
  for (let i = 0; i + 2 < b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      const four = i > 0 && b[i - 1] === 0;
      starts.push({ at: i + 3, len: four ? 4 : 3 });
      i += 2;
    }
  }
  return starts.map((s, k) => {
    const next = starts[k + 1];
    return b.subarray(s.at, next ? next.at - next.len : b.length);
  });
}

/** Two seconds of one colour at 352×288 (an ffmpeg colour name: red, teal, ...), made once per process. */
export function colourClip(colour: string): Clip {
  const had = clips.get(colour);
  if (had) return had;
  const r = spawnSync(
    'ffmpeg',
    [
      ...FFMPEG_QUIET,
      ...lavfiInput(colour, { width: 352, height: 288, fps: CLIP_FPS }, 2),
      ...x264Args({ gop: CLIP_FPS, level: '3.0', oneSlice: true }),
      '-f',
      'h264',
      'pipe:1',
    ],
    { maxBuffer: 16 << 20 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not make the ${colour} clip: ${String(r.stderr)}`);
  const units: Buffer[][] = [];
  const idr: number[] = [];
  let pending: Buffer[] = [];
  for (const nal of annexBUnits(r.stdout)) {
    const type = nal[0]! & 0x1f;
    if (type === 6 || type === 9) continue; // SEI (x264's banner), access unit delimiters
    pending.push(Buffer.from(nal));
    if (type === 1 || type === 5) {
      // one slice a picture (-threads 1): the slice ends the access unit
      if (type === 5) idr.push(units.length);
      units.push(pending);
      pending = [];
    }
  }
  if (!units.length || idr[0] !== 0) throw new Error(`the ${colour} clip does not start with an IDR`);
  const clip = { units, idr };
  clips.set(colour, clip);
  return clip;
}

/** RTP payloads of one access unit: each NAL unit whole, or in FU-A fragments when it is too long. */
export function packetize(unit: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const nal of unit) {
    if (nal.length <= MTU) {
      out.push(nal);
      continue;
    }
    const indicator = (nal[0]! & 0xe0) | 28;
    const type = nal[0]! & 0x1f;
    for (let off = 1; off < nal.length; off += MTU - 2) {
      const end = Math.min(nal.length, off + MTU - 2);
      const header = (off === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
      out.push(Buffer.concat([Buffer.from([indicator, header]), nal.subarray(off, end)]));
    }
  }
  return out;
}

/** RTP payloads (in order) back into NAL units: single NAL, STAP-A, FU-A. */
export class Depacketizer {
  #fu: Buffer[] | undefined;
  /** Payloads of a type we do not take (STAP-B, MTAP, FU-B): none are expected. */
  unknown = 0;

  /** `lost`: packets went missing before this one (a fragment being gathered is dropped). */
  push(p: Buffer, lost = false): Buffer[] {
    if (lost) this.#fu = undefined;
    if (p.length < 1) return [];
    const type = p[0]! & 0x1f;
    if (type >= 1 && type <= 23) return [p];
    if (type === 24) {
      const out: Buffer[] = [];
      for (let off = 1; off + 2 <= p.length;) {
        const size = p.readUInt16BE(off);
        out.push(p.subarray(off + 2, off + 2 + size));
        off += 2 + size;
      }
      return out;
    }
    if (type === 28 && p.length >= 2) {
      const start = (p[1]! & 0x80) !== 0;
      const end = (p[1]! & 0x40) !== 0;
      if (start) this.#fu = [Buffer.from([(p[0]! & 0xe0) | (p[1]! & 0x1f)])];
      if (!this.#fu) return [];
      this.#fu.push(p.subarray(2));
      if (!end) return [];
      const nal = Buffer.concat(this.#fu);
      this.#fu = undefined;
      return [nal];
    }
    this.unknown++;
    return [];
  }
}
