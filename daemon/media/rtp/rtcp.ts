// RTCP helpers (RFC 3550 §6, RFC 4585, RFC 5104, RFC 2032's FIR) working on raw compound packets.
// The relay only needs to rename SSRCs, spot keyframe requests, read report blocks and write
// SR/PLI/FIR; everything else passes through untouched.

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;
/** RFC 2032 (H.261) FIR and NACK: what old room systems (and baresip/linphonec without rtcp-fb) send. */
export const RTCP_FIR_2032 = 192;
export const RTCP_NACK_2032 = 193;

export interface ReportBlock {
  ssrc: number;
  /** 0..1 */
  fractionLost: number;
  cumulativeLost: number;
  highestSeq: number;
  /** In RTP timestamp units of the reported stream. */
  jitter: number;
  lsr: number;
  dlsr: number;
}

interface Chunk {
  off: number;
  pt: number;
  count: number;
  end: number;
}

function* chunks(buf: Buffer): Generator<Chunk> {
  let off = 0;
  while (off + 4 <= buf.length) {
    if (buf[off]! >> 6 !== 2) return;
    const end = off + (buf.readUInt16BE(off + 2) + 1) * 4;
    if (end > buf.length) return;
    yield { off, pt: buf[off + 1]!, count: buf[off]! & 0x1f, end };
    off = end;
  }
}

function swap(buf: Buffer, at: number, from: number, to: number): void {
  if (at + 4 <= buf.length && buf.readUInt32BE(at) === from) buf.writeUInt32BE(to >>> 0, at);
}

/**
 * Rename every SSRC field equal to `from` (sender, report blocks, SDES, BYE, feedback, FIR FCI). In place.
 * `feedbackSender: false` leaves the packet-sender SSRC of PLI/FIR/NACK alone: mediasoup's requests
 * about a room's stream name that stream as their sender too, and a room must not see its own SSRC as
 * the sender of a packet it receives (RFC 3550 §8.2 takes that for a collision).
 */
export function renameSsrc(buf: Buffer, from: number, to: number, o: { feedbackSender?: boolean } = {}): void {
  if (from === to) return;
  for (const c of chunks(buf)) {
    switch (c.pt) {
      case RTCP_SR:
      case RTCP_RR: {
        swap(buf, c.off + 4, from, to);
        const first = c.off + (c.pt === RTCP_SR ? 28 : 8);
        for (let i = 0; i < c.count; i++) swap(buf, first + i * 24, from, to);
        break;
      }
      case RTCP_SDES: {
        let p = c.off + 4;
        for (let i = 0; i < c.count && p + 4 <= c.end; i++) {
          swap(buf, p, from, to);
          p += 4;
          while (p < c.end && buf[p] !== 0) p += 2 + buf[p + 1]!;
          p = (p + 4) & ~3; // null item, then pad to a word boundary
        }
        break;
      }
      case RTCP_BYE:
        for (let i = 0; i < c.count; i++) swap(buf, c.off + 4 + i * 4, from, to);
        break;
      case RTCP_RTPFB:
      case RTCP_PSFB:
        if (o.feedbackSender !== false) swap(buf, c.off + 4, from, to);
        swap(buf, c.off + 8, from, to);
        if (c.pt === RTCP_PSFB && c.count === 4) {
          for (let p = c.off + 12; p + 8 <= c.end; p += 8) swap(buf, p, from, to);
        }
        break;
      case RTCP_APP:
        swap(buf, c.off + 4, from, to);
        break;
      default:
        break;
    }
  }
}

/** True if the compound packet holds a PLI or FIR. */
export function hasKeyframeRequest(buf: Buffer): boolean {
  for (const c of chunks(buf)) if (c.pt === RTCP_PSFB && (c.count === 1 || c.count === 4)) return true;
  return false;
}

/** The compound without its PLIs (for a room that negotiated only FIR); undefined when nothing is left. */
export function withoutPli(buf: Buffer): Buffer | undefined {
  return withoutPsfb(buf, 1);
}

/** The compound without its payload-specific feedback of one FMT; undefined when nothing is left. */
function withoutPsfb(buf: Buffer, fmt: number): Buffer | undefined {
  const keep: Buffer[] = [];
  for (const c of chunks(buf)) if (c.pt !== RTCP_PSFB || c.count !== fmt) keep.push(buf.subarray(c.off, c.end));
  return keep.length ? Buffer.concat(keep) : undefined;
}

/** True if the compound holds an RFC 2032 FIR (PT 192) or NACK (PT 193). */
export function hasRfc2032(buf: Buffer): boolean {
  for (const c of chunks(buf)) if (c.pt === RTCP_FIR_2032 || c.pt === RTCP_NACK_2032) return true;
  return false;
}

/**
 * The compound with each RFC 2032 FIR (PT 192) replaced by a PLI from `sender` about `media` (the
 * stream the room receives: an RFC 2032 FIR names only its own sender) and RFC 2032 NACKs (PT 193)
 * left out: mediasoup knows neither and drops the rest of a compound at the first packet it does not
 * know. Without `media` (nothing sent to the room yet) a FIR is left out too. Malformed packets end
 * the compound where they start, as chunks() reads it. Undefined when nothing is left.
 */
export function rfc2032AsPli(buf: Buffer, sender: number, media: number | undefined): Buffer | undefined {
  const keep: Buffer[] = [];
  let asked = false;
  for (const c of chunks(buf)) {
    if (c.pt === RTCP_FIR_2032) {
      // one PLI for any number of FIRs in one compound: one picture is all they ask for
      if (media !== undefined && !asked) keep.push(buildPli(sender, media));
      asked = true;
    } else if (c.pt !== RTCP_NACK_2032) keep.push(buf.subarray(c.off, c.end));
  }
  return keep.length ? Buffer.concat(keep) : undefined;
}

/** The entries of the compound's FIRs (RFC 5104 §4.3.1.1): whose keyframe, and the request's seq nr. */
export function firEntries(buf: Buffer): { ssrc: number; seqNr: number }[] {
  const out: { ssrc: number; seqNr: number }[] = [];
  for (const c of chunks(buf)) {
    if (c.pt !== RTCP_PSFB || c.count !== 4) continue;
    for (let p = c.off + 12; p + 8 <= c.end; p += 8) out.push({ ssrc: buf.readUInt32BE(p), seqNr: buf[p + 4]! });
  }
  return out;
}

/** The compound without its FIRs; undefined when nothing is left. */
export function withoutFir(buf: Buffer): Buffer | undefined {
  return withoutPsfb(buf, 4);
}

/** Media SSRCs that PLIs and FIRs in the compound ask keyframes of. */
export function keyframeRequestSsrcs(buf: Buffer): number[] {
  const out: number[] = [];
  for (const c of chunks(buf)) {
    if (c.pt !== RTCP_PSFB || c.end < c.off + 12) continue;
    if (c.count === 1) out.push(buf.readUInt32BE(c.off + 8));
    if (c.count === 4) for (let p = c.off + 12; p + 8 <= c.end; p += 8) out.push(buf.readUInt32BE(p));
  }
  return out;
}

export function reportBlocks(buf: Buffer): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (const c of chunks(buf)) {
    if (c.pt !== RTCP_SR && c.pt !== RTCP_RR) continue;
    const first = c.off + (c.pt === RTCP_SR ? 28 : 8);
    for (let i = 0; i < c.count; i++) {
      const p = first + i * 24;
      if (p + 24 > c.end) break;
      const lostRaw = buf.readUInt32BE(p + 4) & 0xffffff;
      out.push({
        ssrc: buf.readUInt32BE(p),
        fractionLost: buf[p + 4]! / 256,
        cumulativeLost: lostRaw & 0x800000 ? lostRaw - 0x1000000 : lostRaw,
        highestSeq: buf.readUInt32BE(p + 8),
        jitter: buf.readUInt32BE(p + 12),
        lsr: buf.readUInt32BE(p + 16),
        dlsr: buf.readUInt32BE(p + 20),
      });
    }
  }
  return out;
}

/** The sender SSRC of the first SR/RR in the compound, if any. */
export function senderSsrc(buf: Buffer): number | undefined {
  for (const c of chunks(buf)) if (c.pt === RTCP_SR || c.pt === RTCP_RR) return buf.readUInt32BE(c.off + 4);
  return undefined;
}

export function buildPli(sender: number, media: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80 | 1;
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(sender >>> 0, 4);
  b.writeUInt32BE(media >>> 0, 8);
  return b;
}

export function buildFir(sender: number, media: number, seqNr: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x80 | 4;
  b[1] = RTCP_PSFB;
  b.writeUInt16BE(4, 2);
  b.writeUInt32BE(sender >>> 0, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(media >>> 0, 12);
  b[16] = seqNr & 0xff;
  return b;
}

const NTP_EPOCH_OFFSET = 2208988800;

/** NTP timestamp (seconds, fraction) for a wall-clock time in ms. */
export function ntpOf(ms: number): { sec: number; frac: number } {
  const sec = Math.floor(ms / 1000);
  return { sec: (sec + NTP_EPOCH_OFFSET) >>> 0, frac: Math.floor(((ms - sec * 1000) / 1000) * 0x100000000) >>> 0 };
}

/** The middle 32 bits of the NTP timestamp, the unit of LSR. */
export function ntpMiddle(ms: number): number {
  const { sec, frac } = ntpOf(ms);
  return (((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0;
}

/** RTT in ms from a report block answering one of our SRs, or undefined when it carries none. */
export function rttFromBlock(block: ReportBlock, nowMs: number): number | undefined {
  if (block.lsr === 0) return undefined;
  const units = (ntpMiddle(nowMs) - block.lsr - block.dlsr) >>> 0;
  const ms = (units / 65536) * 1000;
  return ms < 60_000 ? ms : undefined;
}

export function buildSr(s: {
  ssrc: number;
  nowMs: number;
  rtpTs: number;
  packets: number;
  octets: number;
  cname: string;
}): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = RTCP_SR;
  sr.writeUInt16BE(6, 2);
  sr.writeUInt32BE(s.ssrc >>> 0, 4);
  const { sec, frac } = ntpOf(s.nowMs);
  sr.writeUInt32BE(sec, 8);
  sr.writeUInt32BE(frac, 12);
  sr.writeUInt32BE(s.rtpTs >>> 0, 16);
  sr.writeUInt32BE(s.packets >>> 0, 20);
  sr.writeUInt32BE(s.octets >>> 0, 24);
  const name = Buffer.from(s.cname, 'utf8').subarray(0, 255);
  const words = Math.ceil((4 + 2 + name.length + 1) / 4);
  const sdes = Buffer.alloc(4 + words * 4);
  sdes[0] = 0x81;
  sdes[1] = RTCP_SDES;
  sdes.writeUInt16BE(words, 2);
  sdes.writeUInt32BE(s.ssrc >>> 0, 4);
  sdes[8] = 1; // CNAME
  sdes[9] = name.length;
  name.copy(sdes, 10);
  return Buffer.concat([sr, sdes]);
}
