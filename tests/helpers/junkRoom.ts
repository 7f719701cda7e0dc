// A SIP room that answers the bridge's calls like a real one (our SipStack, PCMA tone as audio) but
// whose H.264 video is junk: well-formed RTP carrying FU-A "slices" of filler bytes, with no SPS/PPS
// and no decodable keyframe ever. The picture a decoder makes of it is nothing at all.
import type { SipStack } from '../../daemon/sip/SipStack.js';
import { SimRoom } from './simRoom.js';
import { SimVideo } from './simVideo.js';
import { startTestStack, uriOf } from './sipTestStack.js';
import { answerLikeARoom } from './roomAnswer.js';

export class JunkRoom {
  readonly stack: SipStack;
  readonly audio: SimRoom;
  readonly video: SimVideo;
  calls = 0;

  private constructor(stack: SipStack, audio: SimRoom, video: SimVideo) {
    this.stack = stack;
    this.audio = audio;
    this.video = video;
    answerLikeARoom(
      stack,
      audio,
      {
        port: video.port,
        rtcpPort: video.rtcpPort,
        restart: (v) => {
          video.stop();
          if (!v) return;
          video.o.pt = v.codec.payloadType;
          video.start(v.remote);
        },
      },
      () => this.calls++,
    );
  }

  static async start(): Promise<JunkRoom> {
    const stack = await startTestStack({ userAgent: 'junk-room' });
    // gopFrames: never another "keyframe" after the first junk one, and PLIs are not answered
    return new JunkRoom(
      stack,
      await SimRoom.create({ codec: 'PCMA', pt: 8, toneHz: 700 }),
      await SimVideo.create({ codec: 'H264', pt: 96, tag: 0x77, gopFrames: 1e9 }),
    );
  }

  get uri(): string {
    return uriOf(this.stack, 'udp', 'junk');
  }

  /** Video frames sent so far. */
  get framesSent(): number {
    return this.video.frame;
  }

  async stop(): Promise<void> {
    this.audio.close();
    this.video.close();
    await this.stack.close();
  }
}
