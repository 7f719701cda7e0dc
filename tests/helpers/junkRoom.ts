// A SIP room that answers the bridge's calls like a real one (our SipStack, PCMA tone as audio) but
// whose H.264 video is junk: well-formed RTP carrying FU-A "slices" of filler bytes, with no SPS/PPS
// and no decodable keyframe ever. The picture a decoder makes of it is nothing at all.
import { negotiate, buildAnswer } from '../../daemon/sip/sdpNegotiate.js';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import { SimRoom } from './simRoom.js';
import { SimVideo } from './simVideo.js';
import { startTestStack, uriOf } from './sipTestStack.js';

export class JunkRoom {
  readonly stack: SipStack;
  readonly audio: SimRoom;
  readonly video: SimVideo;
  calls = 0;

  private constructor(stack: SipStack, audio: SimRoom, video: SimVideo) {
    this.stack = stack;
    this.audio = audio;
    this.video = video;
    stack.on('invite', (inc) => {
      const offer = inc.offer;
      if (!offer) return void inc.reject(488);
      const neg = negotiate(offer, { audio: { codecs: ['PCMA'] }, video: { codecs: ['H264'] }, srtp: 'off' });
      const { sdp } = buildAnswer(neg, {
        address: '127.0.0.1',
        audio: { port: audio.rtp.address().port, rtcpPort: audio.rtcp.address().port },
        video: { port: video.port, rtcpPort: video.rtcpPort },
      });
      this.calls++;
      void inc.accept(sdp).then(
        () => {
          // one call at a time: a redial replaces the destinations
          audio.stop();
          video.stop();
          if (neg.audio) audio.start(neg.audio.remote);
          if (neg.video) {
            video.o.pt = neg.video.codec.payloadType;
            video.start(neg.video.remote);
          }
        },
        () => undefined,
      );
    });
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
