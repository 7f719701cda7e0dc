// The picture size an H.264 source really sends, read from its sequence parameter set (ITU-T H.264
// §7.3.2.1.1) as it passes through the view: a room negotiates a level but may send anything up to it
// (most send 320×240 or CIF under a level 3.1 answer), so the SPS, not the SDP, says whether a room of
// a lower level can decode it.
import { stapANal } from './keyframe.js';

/** What an SPS says about the picture: coded size in macroblocks, and the displayed (cropped) size. */
export interface SpsPicture {
  profile: number;
  level: number;
  /** Macroblocks per row and per frame column (what the H.264 level limits count). */
  widthMbs: number;
  heightMbs: number;
  width: number;
  height: number;
}

/** Profiles whose SPS carries chroma format, bit depths and scaling matrices (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Reads bits of an RBSP (emulation prevention bytes already removed); throws past its end. */
class Bits {
  #bit = 0;
  constructor(private readonly b: Uint8Array) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.b[this.#bit >> 3];
      if (byte === undefined) throw new RangeError('SPS ends early');
      v = (v << 1) | ((byte >> (7 - (this.#bit & 7))) & 1);
      this.#bit++;
    }
    return v >>> 0;
  }
  /** ue(v): Exp-Golomb; more than 31 leading zeros is not a valid SPS field. */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -k / 2;
  }
}

/** The NAL unit's payload without its emulation prevention bytes (00 00 03 → 00 00). */
function rbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

function skipScalingList(r: Bits, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parse an SPS NAL unit (its header byte first); undefined when it is not one or does not parse. */
export function parseSps(nal: Uint8Array): SpsPicture | undefined {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) return undefined;
  try {
    const r = new Bits(rbsp(nal.subarray(1)));
    const profile = r.u(8);
    r.u(8); // constraint flags
    const level = r.u(8);
    r.ue(); // seq_parameter_set_id
    let chroma = 1;
    let separatePlanes = 0;
    if (HIGH_PROFILES.has(profile)) {
      chroma = r.ue();
      if (chroma === 3) separatePlanes = r.u(1);
      r.ue(); // bit depths
      r.ue();
      r.u(1); // qpprime_y_zero_transform_bypass
      if (r.u(1)) for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) if (r.u(1)) skipScalingList(r, i < 6 ? 16 : 64);
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const cycle = r.ue();
      if (cycle > 255) return undefined;
      for (let i = 0; i < cycle; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.u(1); // gaps_in_frame_num_value_allowed
    const widthMbs = r.ue() + 1;
    const mapUnits = r.ue() + 1;
    const frameMbsOnly = r.u(1);
    if (!frameMbsOnly) r.u(1); // mb_adaptive_frame_field
    r.u(1); // direct_8x8_inference
    const heightMbs = (2 - frameMbsOnly) * mapUnits;
    let crop = [0, 0, 0, 0];
    if (r.u(1)) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    // crop units (§7.4.2.1.1): chroma samples, and field pairs when not frame-only
    const arrayType = separatePlanes ? 0 : chroma;
    const unitX = arrayType === 0 || arrayType === 3 ? 1 : 2;
    const unitY = (arrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - unitX * (crop[0]! + crop[1]!);
    const height = heightMbs * 16 - unitY * (crop[2]! + crop[3]!);
    if (width <= 0 || height <= 0) return undefined;
    return { profile, level, widthMbs, heightMbs, width, height };
  } catch {
    return undefined;
  }
}

/**
 * The SPS NAL unit an RTP payload (RFC 6184) carries: a single NAL, one inside a STAP-A, or the first
 * fragment of an FU-A (rebuilt with its NAL header; the fields read come first). Undefined otherwise.
 */
export function spsOfPayload(p: Uint8Array): Uint8Array | undefined {
  if (p.length < 2) return undefined;
  const type = p[0]! & 0x1f;
  if (type === 7) return p;
  if (type === 24) return stapANal(p, (t) => t === 7);
  if (type === 28 && (p[1]! & 0x80) !== 0 && (p[1]! & 0x1f) === 7) {
    const nal = new Uint8Array(p.length - 1);
    nal[0] = (p[0]! & 0xe0) | 7;
    nal.set(p.subarray(2), 1);
    return nal;
  }
  return undefined;
}
