// How the light test rooms (ColourRoom, JunkRoom) answer the bridge's calls like a room system: our
// SipStack as the user agent, PCMA audio from a SimRoom, H.264 video, no SRTP; one call at a time, so a
// redial replaces the destinations.
import { negotiate, buildAnswer, type NegotiatedMLine } from '../../daemon/sip/sdpNegotiate.js';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import type { SimRoom } from './simRoom.js';

export interface RoomVideo {
  port: number;
  rtcpPort: number;
  /** 'sendonly': the room takes no picture from the bridge. */
  direction?: 'sendonly';
  /** A call is up (the previous one's video is to stop): send to the negotiated destination, if any. */
  restart(video: NegotiatedMLine | undefined): void;
}

/** Answer every INVITE on `stack`; `onCall` counts the answered calls. */
export function answerLikeARoom(stack: SipStack, audio: SimRoom, video: RoomVideo, onCall: () => void): void {
  stack.on('invite', (inc) => {
    const offer = inc.offer;
    if (!offer) return void inc.reject(488);
    const neg = negotiate(offer, { audio: { codecs: ['PCMA'] }, video: { codecs: ['H264'] }, srtp: 'off' });
    const { sdp } = buildAnswer(neg, {
      address: '127.0.0.1',
      audio: { port: audio.rtp.address().port, rtcpPort: audio.rtcp.address().port },
      video: {
        port: video.port,
        rtcpPort: video.rtcpPort,
        ...(video.direction ? { direction: video.direction } : {}),
      },
    });
    onCall();
    void inc.accept(sdp).then(
      () => {
        audio.stop();
        if (neg.audio) audio.start(neg.audio.remote);
        video.restart(neg.video);
      },
      () => undefined,
    );
  });
}
