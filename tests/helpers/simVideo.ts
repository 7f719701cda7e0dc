// A simulated room's video: synthetic but well-formed VP8 or H.264 RTP (15 fps, 3 packets a frame,
// keyframes every `gopFrames` and, if `answersPli`, on the next frame after an RTCP PLI/FIR). Each
// payload carries the source's tag byte after the codec headers so a receiver can tell who it sees.
// An H.264 source given an SPS sends it (a packet of its own) ahead of each keyframe, as encoders do.
import dgram from 'node:dgram';
import { buildRtp, isRtcp, parseRtp, type RtpView } from '../../daemon/media/rtp/packet.js';
import { hasKeyframeRequest } from '../../daemon/media/rtp/rtcp.js';
import { bindUdp, pace } from './udpSim.js';

export interface SimVideoOptions {
  codec: 'VP8' | 'H264';
  pt: number;
  tag: number;
  gopFrames?: number;
  answersPli?: boolean;
  /** H.264: an SPS NAL unit sent before each keyframe (change it on the instance: `sps`). */
  sps?: Buffer;
}

export interface Received {
  at: number;
  v: RtpView;
  payload: Buffer;
}

export class SimVideo {
  readonly o: SimVideoOptions;
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  seq = Math.floor(Math.random() * 60000);
  ts = (Math.random() * 0xffffffff) >>> 0;
  frame = 0;
  keyframesSent = 0;
  plis = 0;
  sps: Buffer | undefined;
  readonly received: Received[] = [];
  #wantKey = true;
  #pacer: { stop(): void } | undefined;

  private constructor(o: SimVideoOptions, rtp: dgram.Socket, rtcp: dgram.Socket) {
    this.o = o;
    this.sps = o.sps;
    this.rtp = rtp;
    this.rtcp = rtcp;
    const onRtcp = (m: Buffer): void => {
      if (hasKeyframeRequest(m)) {
        this.plis++;
        if (o.answersPli) this.#wantKey = true;
      }
    };
    rtcp.on('message', onRtcp);
    rtp.on('message', (m) => {
      if (isRtcp(m)) return onRtcp(m);
      const v = parseRtp(m);
      if (v)
        this.received.push({
          at: performance.now(),
          v,
          payload: Buffer.from(m.subarray(v.payloadOffset, v.payloadEnd)),
        });
    });
  }

  static async create(o: SimVideoOptions): Promise<SimVideo> {
    return new SimVideo(o, await bindUdp(), await bindUdp());
  }

  get port(): number {
    return this.rtp.address().port;
  }
  get rtcpPort(): number {
    return this.rtcp.address().port;
  }

  start(dest: { address: string; port: number }): void {
    this.#pacer = pace(1000 / 15, () => this.sendFrame(dest));
  }

  sendFrame(dest: { address: string; port: number }): void {
    const key = this.#wantKey || this.frame % (this.o.gopFrames ?? 30) === 0;
    this.#wantKey = false;
    if (key) this.keyframesSent++;
    if (key && this.sps && this.o.codec === 'H264') {
      const pkt = buildRtp({ pt: this.o.pt, marker: false, seq: this.seq, ts: this.ts, ssrc: this.ssrc }, this.sps);
      this.rtp.send(pkt, dest.port, dest.address);
      this.seq = (this.seq + 1) & 0xffff;
    }
    for (let i = 0; i < 3; i++) {
      const payload = this.o.codec === 'VP8' ? this.#vp8(key, i) : this.#h264(key, i);
      const pkt = buildRtp({ pt: this.o.pt, marker: i === 2, seq: this.seq, ts: this.ts, ssrc: this.ssrc }, payload);
      this.rtp.send(pkt, dest.port, dest.address);
      this.seq = (this.seq + 1) & 0xffff;
    }
    this.frame++;
    this.ts = (this.ts + 6000) >>> 0;
  }

  stop(): void {
    this.#pacer?.stop();
  }

  close(): void {
    this.stop();
    this.rtp.close();
    this.rtcp.close();
  }

  /** VP8 descriptor (S on the first packet), frame tag (P bit = !key), then the tag byte. */
  #vp8(key: boolean, i: number): Buffer {
    const b = Buffer.alloc(40, 0x55);
    b[0] = i === 0 ? 0x10 : 0x00;
    b[1] = key ? 0x10 : 0x11;
    b[2] = 0x02;
    b[3] = 0x00;
    if (key) {
      b[4] = 0x9d;
      b[5] = 0x01;
      b[6] = 0x2a;
    }
    b[7] = this.o.tag;
    return b;
  }

  /** H.264 FU-A fragments of an IDR (type 5) or non-IDR (type 1) slice, then the tag byte. */
  #h264(key: boolean, i: number): Buffer {
    const b = Buffer.alloc(40, 0x55);
    const type = key ? 5 : 1;
    b[0] = 0x60 | 28;
    b[1] = (i === 0 ? 0x80 : 0) | (i === 2 ? 0x40 : 0) | type;
    b[2] = this.o.tag;
    return b;
  }
}

/** The tag byte of a payload produced by SimVideo. */
export function tagOf(codec: 'VP8' | 'H264', payload: Buffer): number | undefined {
  return codec === 'VP8' ? payload[7] : payload[2];
}
