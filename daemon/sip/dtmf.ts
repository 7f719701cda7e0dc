// DTMF: RFC 4733 telephone-event RTP packets (pure; the media layer owns the RTP sockets and
// sends them at the given offsets) and SIP INFO bodies (application/dtmf-relay).
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';

const EVENTS = '0123456789*#ABCD';

export function isDtmfDigits(s: string): boolean {
  return s.length > 0 && [...s.toUpperCase()].every((c) => EVENTS.includes(c));
}

function eventCode(digit: string): number {
  const i = EVENTS.indexOf(digit.toUpperCase());
  if (i < 0) throw new VcError('USAGE', say('sip.dtmfDigit', { digit }));
  return i;
}

export interface DtmfRtpOptions {
  payloadType: number;
  ssrc: number;
  /** Next sequence number of the RTP stream the events are sent in. */
  seq: number;
  /** RTP timestamp at which the first digit starts. */
  timestamp: number;
  /** Clock of the telephone-event payload type (8000 unless negotiated otherwise). */
  clockRate?: number;
  /** Tone length per digit (default 100 ms). */
  toneMs?: number;
  /** Silence between digits (default 70 ms). */
  gapMs?: number;
  /** How often an event packet is sent while the tone lasts (default 20 ms). */
  intervalMs?: number;
  /** Power level 0..63 (-dBm0), default 10. */
  volume?: number;
}

export interface DtmfRtpPacket {
  /** When to send it, relative to the first packet. */
  atMs: number;
  packet: Buffer;
}

export interface DtmfRtpPlan {
  packets: DtmfRtpPacket[];
  /** The stream's next sequence number / a timestamp past the last event, to continue from. */
  nextSeq: number;
  nextTimestamp: number;
}

function rtpPacket(
  pt: number,
  marker: boolean,
  seq: number,
  ts: number,
  ssrc: number,
  event: number,
  end: boolean,
  volume: number,
  duration: number,
): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b[12] = event;
  b[13] = (end ? 0x80 : 0) | (volume & 0x3f);
  b.writeUInt16BE(Math.min(duration, 0xffff), 14);
  return b;
}

/** The telephone-event packets for `digits`: updates while each tone lasts, the end packet 3 times. */
export function buildDtmfRtp(digits: string, o: DtmfRtpOptions): DtmfRtpPlan {
  const clock = o.clockRate ?? 8000;
  const toneMs = o.toneMs ?? 100;
  const gapMs = o.gapMs ?? 70;
  const intervalMs = o.intervalMs ?? 20;
  const volume = o.volume ?? 10;
  const perMs = clock / 1000;
  const packets: DtmfRtpPacket[] = [];
  let seq = o.seq;
  let ts = o.timestamp;
  let at = 0;
  for (const d of digits) {
    const ev = eventCode(d);
    let first = true;
    for (let elapsed = intervalMs; elapsed < toneMs; elapsed += intervalMs) {
      packets.push({
        atMs: at + elapsed - intervalMs,
        packet: rtpPacket(o.payloadType, first, seq++, ts, o.ssrc, ev, false, volume, Math.round(elapsed * perMs)),
      });
      first = false;
    }
    const duration = Math.round(toneMs * perMs);
    for (let i = 0; i < 3; i++) {
      packets.push({
        atMs: at + toneMs - intervalMs + i * intervalMs,
        packet: rtpPacket(o.payloadType, first && i === 0, seq++, ts, o.ssrc, ev, true, volume, duration),
      });
    }
    at += toneMs + gapMs;
    ts = (ts + Math.round((toneMs + gapMs) * perMs)) >>> 0;
  }
  return { packets, nextSeq: seq & 0xffff, nextTimestamp: ts };
}

/** Decode one telephone-event payload (after the 12-byte RTP header). */
export function parseDtmfPayload(
  payload: Buffer,
): { digit: string; end: boolean; volume: number; duration: number } | undefined {
  if (payload.length < 4) return undefined;
  const digit = EVENTS[payload[0]!];
  if (digit === undefined) return undefined;
  return { digit, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: payload.readUInt16BE(2) };
}

/** The body of one SIP INFO for a digit (application/dtmf-relay). */
export function dtmfInfoBody(digit: string, durationMs = 160): string {
  eventCode(digit);
  return `Signal=${digit.toUpperCase()}\r\nDuration=${durationMs}\r\n`;
}

/** Read an INFO body (application/dtmf-relay or application/dtmf); undefined when it is not DTMF. */
export function parseDtmfInfo(contentType: string, body: string): { digit: string; durationMs: number } | undefined {
  if (contentType === 'application/dtmf') {
    const d = body.trim();
    return d.length === 1 && EVENTS.includes(d.toUpperCase()) ? { digit: d.toUpperCase(), durationMs: 160 } : undefined;
  }
  if (contentType !== 'application/dtmf-relay') return undefined;
  const sig = /^\s*signal\s*=\s*(\S)\s*$/im.exec(body);
  if (!sig || !EVENTS.includes(sig[1]!.toUpperCase())) return undefined;
  const dur = /^\s*duration\s*=\s*(\d+)\s*$/im.exec(body);
  return { digit: sig[1]!.toUpperCase(), durationMs: dur ? Number(dur[1]) : 160 };
}

/** SIP INFO body asking the far end's encoder for a key frame (RFC 5168). */
export const PICTURE_FAST_UPDATE =
  '<?xml version="1.0" encoding="utf-8" ?>\r\n<media_control>\r\n  <vc_primitive>\r\n    <to_encoder>\r\n      <picture_fast_update/>\r\n    </to_encoder>\r\n  </vc_primitive>\r\n</media_control>\r\n';

export function isPictureFastUpdate(contentType: string, body: string): boolean {
  return contentType === 'application/media_control+xml' && /picture_fast_update/i.test(body);
}
