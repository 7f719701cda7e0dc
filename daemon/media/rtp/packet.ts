// RTP header access on raw datagrams (RFC 3550 §5.1). The relay rewrites headers in place: parsing
// into objects per packet would cost more than the forwarding itself.

export interface RtpView {
  pt: number;
  marker: boolean;
  seq: number;
  ts: number;
  ssrc: number;
  /** Payload bounds inside the datagram (after CSRCs/extension, before padding). */
  payloadOffset: number;
  payloadEnd: number;
}

/** RTP SSRC and PT mediasoup uses for bandwidth probation packets; never forward them to rooms. */
export const PROBATION_SSRC = 1234;
export const PROBATION_PT = 127;

/** RFC 5761 demultiplexing: RTCP packet types 192–223 in the second byte. */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 8 && buf[0]! >> 6 === 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

export function parseRtp(buf: Buffer): RtpView | undefined {
  if (buf.length < 12) return undefined;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return undefined;
  let off = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (buf.length < off + 4) return undefined;
    off += 4 + buf.readUInt16BE(off + 2) * 4;
  }
  let end = buf.length;
  if (b0 & 0x20) end -= buf[buf.length - 1]!;
  if (end < off) return undefined;
  const b1 = buf[1]!;
  return {
    pt: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    seq: buf.readUInt16BE(2),
    ts: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payloadOffset: off,
    payloadEnd: end,
  };
}

export function setPt(buf: Buffer, pt: number): void {
  buf[1] = (buf[1]! & 0x80) | (pt & 0x7f);
}
export function setSeq(buf: Buffer, seq: number): void {
  buf.writeUInt16BE(seq & 0xffff, 2);
}
export function setTs(buf: Buffer, ts: number): void {
  buf.writeUInt32BE(ts >>> 0, 4);
}
export function setSsrc(buf: Buffer, ssrc: number): void {
  buf.writeUInt32BE(ssrc >>> 0, 8);
}

export function buildRtp(
  h: { pt: number; marker?: boolean; seq: number; ts: number; ssrc: number },
  payload: Uint8Array,
): Buffer {
  const buf = Buffer.allocUnsafe(12 + payload.length);
  buf[0] = 0x80;
  buf[1] = (h.marker ? 0x80 : 0) | (h.pt & 0x7f);
  buf.writeUInt16BE(h.seq & 0xffff, 2);
  buf.writeUInt32BE(h.ts >>> 0, 4);
  buf.writeUInt32BE(h.ssrc >>> 0, 8);
  buf.set(payload, 12);
  return buf;
}

/** Signed distance a - b between two 16-bit sequence numbers. */
export function seqDiff(a: number, b: number): number {
  return ((a - b + 0x8000) & 0xffff) - 0x8000;
}

/** Signed distance a - b between two 32-bit timestamps. */
export function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** A random non-zero SSRC that is not mediasoup's probation SSRC. */
export function randomSsrc(): number {
  for (;;) {
    const s = (Math.random() * 0xffffffff) >>> 0;
    if (s !== 0 && s !== PROBATION_SSRC) return s;
  }
}
