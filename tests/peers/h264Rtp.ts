// What an H.264 RTP packet carries, for tests that count the keyframes a room received (RFC 6184).

/** An IDR picture in an H.264 RTP packet: a single NAL, inside a STAP-A, or the first FU-A fragment. */
export function isIdr(rtp: Buffer): boolean {
  if (rtp.length < 13 || (rtp[0]! & 0xc0) !== 0x80) return false;
  const pt = rtp[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return false; // RTCP
  let off = 12 + 4 * (rtp[0]! & 0x0f);
  if (rtp[0]! & 0x10) off += 4 + 4 * rtp.readUInt16BE(off + 2);
  const type = rtp[off]! & 0x1f;
  if (type === 5) return true;
  if (type === 28) return (rtp[off + 1]! & 0x80) !== 0 && (rtp[off + 1]! & 0x1f) === 5;
  if (type === 24) {
    for (let i = off + 1; i + 2 < rtp.length;) {
      const len = rtp.readUInt16BE(i);
      if ((rtp[i + 2]! & 0x1f) === 5) return true;
      i += 2 + len;
    }
  }
  return false;
}
