// Spotting the first packet of a keyframe in RTP payloads, so a view can switch sources exactly where
// the new source becomes decodable.
import type { VideoCodecKey } from '../types.js';

/** VP8 (RFC 7741): start of partition 0 (S=1, PID=0) with the P bit of the frame tag clear. */
export function isVp8KeyframeStart(p: Uint8Array): boolean {
  if (p.length < 2) return false;
  const b0 = p[0]!;
  if ((b0 & 0x10) === 0 || (b0 & 0x07) !== 0) return false;
  let i = 1;
  if (b0 & 0x80) {
    const x = p[1]!;
    i = 2;
    if (x & 0x80) i += (p[i] ?? 0) & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID/KEYIDX
  }
  return i < p.length && (p[i]! & 0x01) === 0;
}

const isKeyNal = (t: number): boolean => t === 5 || t === 7; // IDR slice, SPS

/** The first NAL unit of an H.264 STAP-A payload (RFC 6184 §5.7.1) whose type `wanted` accepts. */
export function stapANal(p: Uint8Array, wanted: (type: number) => boolean): Uint8Array | undefined {
  for (let j = 1; j + 2 < p.length;) {
    const size = (p[j]! << 8) | p[j + 1]!;
    if (wanted(p[j + 2]! & 0x1f)) return p.subarray(j + 2, Math.min(p.length, j + 2 + size));
    j += 2 + size;
  }
  return undefined;
}

/** H.264 (RFC 6184): an SPS or IDR as a single NAL, inside a STAP-A, or as the first FU-A fragment. */
export function isH264KeyframeStart(p: Uint8Array): boolean {
  if (p.length < 2) return false;
  const type = p[0]! & 0x1f;
  if (isKeyNal(type)) return true;
  if (type === 24) return stapANal(p, isKeyNal) !== undefined;
  if (type === 28) return (p[1]! & 0x80) !== 0 && isKeyNal(p[1]! & 0x1f);
  return false;
}

export function isKeyframeStart(key: VideoCodecKey, payload: Uint8Array): boolean {
  return key === 'VP8' ? isVp8KeyframeStart(payload) : isH264KeyframeStart(payload);
}
