// A room system whose video RTCP is this test's, in a real SIP dialog with the bridge (rawRoom answers
// the bridge's INVITE with H.264 video towards our own sockets). It sends genuine keyframe requests from
// the RTCP address its answer names (a=rtcp, not muxed): PLI (RFC 4585 §6.3.1) and FIR (RFC 5104
// §4.3.1, with a seq nr that grows per request), each with the room's own sender SSRC and the SSRC of
// the video it receives as media SSRC, as a room system's decoder would. It counts the IDR pictures it
// receives, can send video of its own (SimVideo's synthetic H.264), and records the keyframe requests
// the bridge sends it. Why not baresip or linphonec: they ask for a picture only when their decoder fails
// (baresip 1.0: a PLI, or an RFC 2032 FIR when the peer offers no "nack"), which a clean loopback stream
// never makes happen, so they cannot be made to ask on demand.
import { startRawRoom, type RawRoom } from './rawRoom.js';
import { isIdr } from './h264Rtp.js';
import { SimVideo } from '../helpers/simVideo.js';

export interface FeedbackRoomOptions {
  user: string;
  /** The rtcp-fb lines the room's answer carries for its H.264 format. */
  fb: { pli: boolean; fir: boolean };
  /** Send video (synthetic H.264, 15 fps) to the bridge from the room's RTP port. */
  sendVideo?: boolean;
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

/** The H.264 packetization-mode 1 format of the offer's video m-line, with its fmtp. */
function h264Of(videoSection: string): { pt: number; fmtp: string } | undefined {
  for (const m of videoSection.matchAll(/a=rtpmap:(\d+) H264\/90000/gi)) {
    const pt = Number(m[1]);
    const fmtp = new RegExp(`a=fmtp:${pt} ([^\\r\\n]*)`).exec(videoSection)?.[1] ?? '';
    if (/packetization-mode=1/.test(fmtp)) return { pt, fmtp };
  }
  return undefined;
}

export class FeedbackRoom {
  readonly o: FeedbackRoomOptions;
  readonly sip: RawRoom;
  readonly video: SimVideo;
  /** Our RTCP sender SSRC (the video SSRC when the room sends video). */
  readonly ssrc: number;
  /** IDR pictures received, in order of arrival (a running count). */
  idrs = 0;
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
      if (isIdr(m)) this.idrs++;
    });
  }

  static async start(o: FeedbackRoomOptions): Promise<FeedbackRoom> {
    const video = await SimVideo.create({ codec: 'H264', pt: 0, tag: 1, gopFrames: 30 });
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

  async close(): Promise<void> {
    this.video.close();
    await this.sip.close();
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
    const fmt = h264Of(video);
    const port = Number(/^m=video (\d+)/.exec(video)?.[1]);
    const address = /c=IN IP4 (\S+)/.exec(video)?.[1] ?? /c=IN IP4 (\S+)/.exec(offer)?.[1];
    if (!fmt || !port || !address) throw new Error(`${this.o.user}: no H.264 video in the offer:\n${offer}`);
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
      `a=rtpmap:${fmt.pt} H264/90000`,
      `a=fmtp:${fmt.pt} ${fmt.fmtp}`,
      ...(this.o.fb.pli ? [`a=rtcp-fb:${fmt.pt} nack pli`] : []),
      ...(this.o.fb.fir ? [`a=rtcp-fb:${fmt.pt} ccm fir`] : []),
      'a=sendrecv',
      '',
    ].join('\r\n');
  }
}
