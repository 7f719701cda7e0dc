// A room system whose video RTCP is this test's, in a real SIP dialog with the bridge (rawRoom answers
// the bridge's INVITE with H.264 — packetization-mode 1, or 0 as baresip answers — or VP8 video towards
// our own sockets). It sends genuine keyframe requests from
// the RTCP address its answer names (a=rtcp, not muxed): PLI (RFC 4585 §6.3.1) and FIR (RFC 5104
// §4.3.1, with a seq nr that grows per request), each with the room's own sender SSRC and the SSRC of
// the video it receives as media SSRC, as a room system's decoder would; and the old RFC 2032 FIR
// (RTCP PT 192, 8 bytes: only the room's own SSRC), byte for byte what baresip 1.0 sends when its
// decoder fails and the peer's SDP has no "nack" (seen on its socket). It counts the IDR pictures it
// receives (IDR pictures; VP8 key frames), what kinds of H.264 packets and how large, can send video
// of its own (SimVideo's synthetic H.264 or VP8), and records the keyframe requests the bridge sends it. Why not baresip or linphonec: they ask for a picture only when their decoder fails
// (baresip 1.0: a PLI, or an RFC 2032 FIR when the peer offers no "nack"), which a clean loopback stream
// never makes happen, so they cannot be made to ask on demand.
import { startRawRoom, type RawRoom } from './rawRoom.js';
import { isIdr } from './h264Rtp.js';
import { SimVideo } from '../helpers/simVideo.js';
import { parseRtp } from '../../daemon/media/rtp/packet.js';
import { isVp8KeyframeStart } from '../../daemon/media/rtp/keyframe.js';

export interface FeedbackRoomOptions {
  user: string;
  /** The rtcp-fb lines the room's answer carries for its H.264 format (none: a room that knows no RFC 4585). */
  fb: { pli: boolean; fir: boolean };
  /** Send video (synthetic, 15 fps) to the bridge from the room's RTP port. */
  sendVideo?: boolean;
  /** The video codec the room answers (default H264). */
  codec?: 'H264' | 'VP8';
  /** H.264: the packetization-mode of the room's answer (default 1; 0 as baresip answers the bridge's mode-1 offer). */
  mode?: 0 | 1;
}

/** A keyframe request the bridge sent the room (parsed from its RTCP). */
export interface ReceivedRequest {
  kind: 'pli' | 'fir';
  sender: number;
  /** PLI: the media SSRC; FIR: the SSRC of the FCI entry. */
  media: number;
  /** FIR only. */
  seqNr?: number;
}

/** The keyframe requests (PSFB PLI, FMT 1; PSFB FIR, FMT 4) in a compound RTCP packet. */
export function keyframeRequests(buf: Buffer): ReceivedRequest[] {
  const out: ReceivedRequest[] = [];
  for (let off = 0; off + 12 <= buf.length;) {
    if (buf[off]! >> 6 !== 2) break;
    const end = off + 4 * (buf.readUInt16BE(off + 2) + 1);
    const fmt = buf[off]! & 0x1f;
    if (buf[off + 1] === 206 && fmt === 1) {
      out.push({ kind: 'pli', sender: buf.readUInt32BE(off + 4), media: buf.readUInt32BE(off + 8) });
    } else if (buf[off + 1] === 206 && fmt === 4) {
      for (let p = off + 12; p + 8 <= end && p + 8 <= buf.length; p += 8)
        out.push({ kind: 'fir', sender: buf.readUInt32BE(off + 4), media: buf.readUInt32BE(p), seqNr: buf[p + 4]! });
    }
    off = end;
  }
  return out;
}

function pli(sender: number, media: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x81; // V=2, FMT=1
  b[1] = 206; // PSFB
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(sender, 4);
  b.writeUInt32BE(media, 8);
  return b;
}

function fir(sender: number, media: number, seqNr: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x84; // V=2, FMT=4
  b[1] = 206;
  b.writeUInt16BE(4, 2);
  b.writeUInt32BE(sender, 4);
  b.writeUInt32BE(0, 8); // media SSRC unused in FIR (RFC 5104 §4.3.1.2)
  b.writeUInt32BE(media, 12);
  b[16] = seqNr & 0xff;
  return b;
}

/** The format the room answers from the offer's video m-line: the offer's H.264 packetization-mode 1
 *  format (answered in the room's own mode, the offer's profile-level-id kept), or its VP8. */
function formatOf(videoSection: string, o: FeedbackRoomOptions): { pt: number; fmtp?: string } | undefined {
  if (o.codec === 'VP8') {
    const pt = /a=rtpmap:(\d+) VP8\/90000/i.exec(videoSection)?.[1];
    return pt === undefined ? undefined : { pt: Number(pt) };
  }
  for (const m of videoSection.matchAll(/a=rtpmap:(\d+) H264\/90000/gi)) {
    const pt = Number(m[1]);
    const fmtp = new RegExp(`a=fmtp:${pt} ([^\\r\\n]*)`).exec(videoSection)?.[1] ?? '';
    if (/packetization-mode=1/.test(fmtp))
      return { pt, fmtp: fmtp.replace('packetization-mode=1', `packetization-mode=${o.mode ?? 1}`) };
  }
  return undefined;
}

/** H.264 RTP packets received, by kind (RFC 6184 §5.4: single NAL unit 1–23, STAP-A 24, FU-A 28). */
export interface H264Packets {
  single: number;
  stapA: number;
  fuA: number;
  other: number;
  /** The largest RTP payload received, in bytes. */
  maxPayload: number;
}

export class FeedbackRoom {
  readonly o: FeedbackRoomOptions;
  readonly sip: RawRoom;
  readonly video: SimVideo;
  /** Our RTCP sender SSRC (the video SSRC when the room sends video). */
  readonly ssrc: number;
  /** Keyframes received (H.264 IDR pictures, VP8 key frames), in order of arrival (a running count). */
  idrs = 0;
  /** H.264 only: the kinds of packets received. */
  readonly h264: H264Packets = { single: 0, stapA: 0, fuA: 0, other: 0, maxPayload: 0 };
  /** RTP packets of video received. */
  packets = 0;
  /** The SSRC of the video the room receives (what its PLI/FIR name). */
  receivedSsrc: number | undefined;
  /** Keyframe requests the bridge sent the room. */
  readonly requests: ReceivedRequest[] = [];
  /** Where the bridge's video RTP and RTCP are, from its offer. */
  bridge: { address: string; port: number; rtcpPort: number } | undefined;
  #firSeq = 0;

  private constructor(o: FeedbackRoomOptions, sip: RawRoom, video: SimVideo) {
    this.o = o;
    this.sip = sip;
    this.video = video;
    this.ssrc = video.ssrc;
    const onRtcp = (m: Buffer): void => void this.requests.push(...keyframeRequests(m));
    video.rtcp.on('message', onRtcp);
    // counted here, not kept: the composed picture is ~150 packets a second
    video.rtp.removeAllListeners('message');
    video.rtp.on('message', (m: Buffer) => {
      if (m.length >= 2 && m[1]! >= 192 && m[1]! <= 223) return onRtcp(m);
      if (m.length < 12) return;
      this.packets++;
      this.receivedSsrc = m.readUInt32BE(8);
      if (o.codec === 'VP8') {
        const v = parseRtp(m);
        if (v && isVp8KeyframeStart(m.subarray(v.payloadOffset, v.payloadEnd))) this.idrs++;
        return;
      }
      if (isIdr(m)) this.idrs++;
      this.#countH264(m);
    });
  }

  static async start(o: FeedbackRoomOptions): Promise<FeedbackRoom> {
    const video = await SimVideo.create({ codec: o.codec ?? 'H264', pt: 0, tag: 1, gopFrames: 30 });
    const sip = await startRawRoom({
      user: o.user,
      // called on the bridge's INVITE, once `room` exists
      answer: (offer, audioPort) => room.#answer(offer, audioPort),
    });
    const room = new FeedbackRoom(o, sip, video);
    return room;
  }

  get uri(): string {
    return this.sip.uri;
  }

  /** A PLI from the room's RTCP port for the video it receives. */
  sendPli(): void {
    this.#sendRtcp(pli(this.ssrc, this.#media()));
  }

  /** A FIR (a new request: the next seq nr) from the room's RTCP port for the video it receives. */
  sendFir(): void {
    this.#sendRtcp(fir(this.ssrc, this.#media(), this.#firSeq++));
  }

  /** The last FIR again, with its seq nr: a retransmission (RFC 5104 §4.3.1), not a new request. */
  resendFir(): void {
    if (this.#firSeq === 0) throw new Error(`${this.o.user} has sent no FIR to repeat`);
    this.#sendRtcp(fir(this.ssrc, this.#media(), this.#firSeq - 1));
  }

  /** An RFC 2032 FIR (RTCP PT 192) from the room's RTCP port: it names no stream, only the room. */
  sendFir2032(): void {
    const b = Buffer.alloc(8);
    b[0] = 0x80; // V=2, no count
    b[1] = 192;
    b.writeUInt16BE(1, 2);
    b.writeUInt32BE(this.ssrc, 4);
    this.#sendRtcp(b);
  }

  async close(): Promise<void> {
    this.video.close();
    await this.sip.close();
  }

  #countH264(m: Buffer): void {
    const v = parseRtp(m);
    if (!v || v.payloadEnd <= v.payloadOffset) return;
    const h = this.h264;
    const type = m[v.payloadOffset]! & 0x1f;
    if (type >= 1 && type <= 23) h.single++;
    else if (type === 24) h.stapA++;
    else if (type === 28) h.fuA++;
    else h.other++;
    h.maxPayload = Math.max(h.maxPayload, v.payloadEnd - v.payloadOffset);
  }

  #media(): number {
    if (this.receivedSsrc === undefined) throw new Error(`${this.o.user} has received no video to ask about`);
    return this.receivedSsrc;
  }

  #sendRtcp(b: Buffer): void {
    if (!this.bridge) throw new Error(`${this.o.user} has no dialog`);
    this.video.rtcp.send(b, this.bridge.rtcpPort, this.bridge.address);
  }

  #answer(offer: string, audioPort: number): string {
    const sections = offer.split(/\r?\n(?=m=)/);
    const video = sections.find((s) => s.startsWith('m=video')) ?? '';
    const fmt = formatOf(video, this.o);
    const port = Number(/^m=video (\d+)/.exec(video)?.[1]);
    const address = /c=IN IP4 (\S+)/.exec(video)?.[1] ?? /c=IN IP4 (\S+)/.exec(offer)?.[1];
    if (!fmt || !port || !address)
      throw new Error(`${this.o.user}: no ${this.o.codec ?? 'H264'} video in the offer:\n${offer}`);
    const rtcpPort = Number(/a=rtcp:(\d+)/.exec(video)?.[1] ?? port + 1);
    const first = this.bridge === undefined;
    this.bridge = { address, port, rtcpPort };
    if (first && this.o.sendVideo) this.video.start({ address, port });
    this.video.o.pt = fmt.pt;
    return [
      'v=0',
      `o=${this.o.user} 1 1 IN IP4 127.0.0.1`,
      `s=${this.o.user}`,
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${audioPort} RTP/AVP 0`,
      'a=rtpmap:0 PCMU/8000',
      `m=video ${this.video.port} RTP/AVP ${fmt.pt}`,
      `a=rtcp:${this.video.rtcpPort}`,
      `a=rtpmap:${fmt.pt} ${this.o.codec ?? 'H264'}/90000`,
      ...(fmt.fmtp === undefined ? [] : [`a=fmtp:${fmt.pt} ${fmt.fmtp}`]),
      ...(this.o.fb.pli ? [`a=rtcp-fb:${fmt.pt} nack pli`] : []),
      ...(this.o.fb.fir ? [`a=rtcp-fb:${fmt.pt} ccm fir`] : []),
      'a=sendrecv',
      '',
    ].join('\r\n');
  }
}
