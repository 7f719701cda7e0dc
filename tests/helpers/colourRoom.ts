// A light SIP room that sends one solid colour as real H.264: it answers the bridge's calls like a real
// one (our SipStack as its user agent, a PCMA tone as its audio) and sends a clip x264 encoded once for
// its colour (tests/helpers/h264Clip.ts) in a loop, 15 pictures a second, jumping to the clip's next
// IDR when asked by RTCP PLI/FIR — dozens of rooms cost what one baresip encoding live does. It only
// sends video (a=sendonly), unless `watch`: then it also receives, and what it receives is decoded by
// ffmpeg with every decoder problem counted (H264Watch).
import type dgram from 'node:dgram';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import { buildRtp, isRtcp } from '../../daemon/media/rtp/packet.js';
import { hasKeyframeRequest } from '../../daemon/media/rtp/rtcp.js';
import { SimRoom } from './simRoom.js';
import { bindUdp, pace } from './udpSim.js';
import { startTestStack, uriOf } from './sipTestStack.js';
import { CLIP_FPS, colourClip, packetize, type Clip } from './h264Clip.js';
import { H264Watch } from './h264Watch.js';
import { answerLikeARoom } from './roomAnswer.js';

export class ColourRoom {
  readonly id: string;
  readonly colour: string;
  readonly stack: SipStack;
  readonly audio: SimRoom;
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  readonly clip: Clip;
  /** The decoder of what it receives (with `watch`). */
  readonly watch: H264Watch | undefined;
  calls = 0;
  /** Keyframe requests (PLI/FIR) the bridge sent. */
  keyframeRequests = 0;
  readonly #ssrc = (Math.random() * 0xffffffff) >>> 0;
  #seq = Math.floor(Math.random() * 60000);
  #ts = (Math.random() * 0xffffffff) >>> 0;
  #next = 0;
  #pacer: { stop(): void } | undefined;

  private constructor(
    o: { id: string; colour: string; watch?: boolean },
    stack: SipStack,
    audio: SimRoom,
    rtp: dgram.Socket,
    rtcp: dgram.Socket,
  ) {
    this.id = o.id;
    this.colour = o.colour;
    this.stack = stack;
    this.audio = audio;
    this.rtp = rtp;
    this.rtcp = rtcp;
    this.clip = colourClip(o.colour);
    this.watch = o.watch ? new H264Watch() : undefined;
    const onRtcp = (m: Buffer): void => {
      if (!hasKeyframeRequest(m)) return;
      this.keyframeRequests++;
      // the clip's next IDR (or its start)
      this.#next = this.clip.idr.find((i) => i >= this.#next) ?? 0;
    };
    rtcp.on('message', onRtcp);
    rtp.on('message', (m) => (isRtcp(m) ? onRtcp(m) : this.watch?.rtp(m)));
    // only a watching room takes the composed picture: the others only send (sendonly), so the bridge
    // does not send 1.5 Mbit/s to each of them into this process
    answerLikeARoom(
      stack,
      audio,
      {
        port: rtp.address().port,
        rtcpPort: rtcp.address().port,
        ...(o.watch ? {} : { direction: 'sendonly' as const }),
        restart: (v) => {
          this.#pacer?.stop();
          if (v) this.#send(v.codec.payloadType, v.remote);
        },
      },
      () => this.calls++,
    );
  }

  static async start(o: { id: string; colour: string; watch?: boolean }): Promise<ColourRoom> {
    const stack = await startTestStack({ userAgent: `colour-room ${o.id}` });
    const rtp = await bindUdp();
    const rtcp = await bindUdp();
    // a decoding room takes 1.5 Mbit/s of composed picture: room for bursts while the loop is busy
    if (o.watch) rtp.setRecvBufferSize(4 << 20);
    return new ColourRoom(o, stack, await SimRoom.create({ codec: 'PCMA', pt: 8, toneHz: 500 }), rtp, rtcp);
  }

  get uri(): string {
    return uriOf(this.stack, 'udp', this.id);
  }

  #send(pt: number, dest: { address: string; port: number }): void {
    this.#pacer = pace(1000 / CLIP_FPS, () => {
      const unit = this.clip.units[this.#next]!;
      this.#next = (this.#next + 1) % this.clip.units.length;
      const payloads = packetize(unit);
      payloads.forEach((p, i) => {
        const marker = i === payloads.length - 1;
        this.rtp.send(
          buildRtp({ pt, marker, seq: this.#seq, ts: this.#ts, ssrc: this.#ssrc }, p),
          dest.port,
          dest.address,
        );
        this.#seq = (this.#seq + 1) & 0xffff;
      });
      this.#ts = (this.#ts + 90_000 / CLIP_FPS) >>> 0;
    });
  }

  async stop(): Promise<void> {
    this.#pacer?.stop();
    this.audio.close();
    this.watch?.close();
    this.rtp.close();
    this.rtcp.close();
    await this.stack.close();
  }
}
