// Translation between the SIP layer's SDP offer/answer and the media layer's descriptions: our offer
// from a leg's relay ports and the endpoint's codecs, the room's answer (or offer) as the media
// layer's NegotiatedMedia, and our answer to a room's offer.
import sdpTransform from 'sdp-transform';
import type { Endpoint } from '../../config/schema.js';
import type { LocalMedia, NegotiatedMedia, NegotiatedStream } from '../../media/types.js';
import { buildOffer } from '../../sip/sdp.js';
import {
  buildAnswer,
  negotiate,
  type Capabilities,
  type Negotiation,
  type NegotiatedMLine,
} from '../../sip/sdpNegotiate.js';
import { srtpSuites, type LegSdes } from './sipSrtp.js';

/** What we can carry for an endpoint: its configured codecs, and SRTP as it asks (default optional). */
export function capabilitiesOf(ep: Endpoint): Capabilities {
  return {
    audio: { codecs: ep.codecs.audio, telephoneEvent: true },
    ...(ep.codecs.video.length ? { video: { codecs: ep.codecs.video } } : {}),
    srtp: ep.srtp ?? 'optional',
    srtpSuites: srtpSuites(),
  };
}

/** Our SDP offer: media lines pointing at the leg's relay ports, the endpoint's codecs in its order. */
export function offerFor(
  ep: Endpoint,
  local: LocalMedia,
  o: { sessionId?: string; version?: number } = {},
  sdes?: LegSdes,
): string {
  return withH264Mode0(
    buildOffer({
      address: local.address,
      sessionId: o.sessionId,
      version: o.version,
      sessionName: 'vcbridge',
      ...(local.audio
        ? {
            audio: {
              port: local.audio.port,
              rtcpPort: local.audio.rtcpPort,
              codecs: ep.codecs.audio,
              telephoneEvent: true,
              ptime: 20,
              ...sdes?.offer('audio'),
            },
          }
        : {}),
      ...(local.video && ep.codecs.video.length
        ? {
            video: {
              port: local.video.port,
              rtcpPort: local.video.rtcpPort,
              codecs: ep.codecs.video,
              ...sdes?.offer('video'),
            },
          }
        : {}),
    }),
  );
}

const H264_MODE0_PT = 98;

/**
 * Offer H.264 packetization-mode 0 next to mode 1: older room systems (and baresip's avcodec) do
 * only single-NAL mode and would otherwise refuse the video line. The media layer carries both.
 */
function withH264Mode0(sdp: string): string {
  const parsed = sdpTransform.parse(sdp);
  const video = parsed.media.find((m) => m.type === 'video');
  const h264 = video?.rtp.find((r) => r.codec.toUpperCase() === 'H264');
  if (!video || !h264 || video.rtp.some((r) => r.payload === H264_MODE0_PT)) return sdp;
  const fmtp = video.fmtp.find((f) => f.payload === h264.payload)?.config ?? '';
  const at =
    String(video.payloads ?? '')
      .split(' ')
      .indexOf(String(h264.payload)) + 1;
  const pts = String(video.payloads ?? '').split(' ');
  pts.splice(at, 0, String(H264_MODE0_PT));
  video.payloads = pts.join(' ');
  video.rtp.push({ payload: H264_MODE0_PT, codec: 'H264', rate: 90000 });
  video.fmtp.push({
    payload: H264_MODE0_PT,
    config:
      fmtp.replace(/packetization-mode=\d/, 'packetization-mode=0') || 'packetization-mode=0;profile-level-id=42e01f',
  });
  const fb = (video.rtcpFb ?? []).filter((f) => String(f.payload) === String(h264.payload));
  video.rtcpFb = [...(video.rtcpFb ?? []), ...fb.map((f) => ({ ...f, payload: H264_MODE0_PT }))];
  return sdpTransform.write(parsed);
}

/** The room's SDP (its answer to our offer, or its offer) against the endpoint's capabilities. */
export function negotiateFor(ep: Endpoint, remoteSdp: string): Negotiation {
  return negotiate(remoteSdp, capabilitiesOf(ep));
}

/** Our answer to a room's offer, with the leg's ports (and our SDES keys where the room offered SRTP). */
export function answerFor(
  neg: Negotiation,
  local: LocalMedia,
  o: { sessionId?: string; version?: number } = {},
  sdes?: LegSdes,
): string {
  const keys = sdes?.answer(neg) ?? {};
  const line = (s: LocalMedia['audio'], k: 'audio' | 'video') =>
    s ? { port: s.port, rtcpPort: s.rtcpPort, ...(keys[k] ? { crypto: keys[k] } : {}) } : undefined;
  return buildAnswer(neg, {
    address: local.address,
    sessionId: o.sessionId,
    version: o.version,
    audio: line(local.audio, 'audio'),
    video: line(local.video, 'video'),
  }).sdp;
}

function stream(m: NegotiatedMLine, sdes: LegSdes | undefined): NegotiatedStream {
  const fb = m.codec.rtcpFeedback;
  const s: NegotiatedStream = {
    port: m.remote.port,
    rtcpPort: m.remote.rtcpPort,
    address: m.remote.address,
    rtcpMux: m.remote.rtcpMux,
    pt: m.codec.payloadType,
    codec: m.codec.name,
    clockRate: m.codec.clockRate,
    direction: m.remoteDirection,
  };
  if (m.codec.channels !== undefined) s.channels = m.codec.channels;
  if (m.codec.fmtp !== undefined) s.fmtp = m.codec.fmtp;
  if (m.telephoneEvent) s.telephoneEventPt = m.telephoneEvent.payloadType;
  if (m.ptime !== undefined) s.ptime = m.ptime;
  const keys = sdes?.keysFor(m.kind);
  if (keys) s.srtp = keys;
  if (m.kind === 'video') {
    s.rtcpFb = {
      nack: fb.some((f) => f.type === 'nack' && !f.subtype),
      pli: fb.some((f) => f.type === 'nack' && f.subtype === 'pli'),
      fir: fb.some((f) => f.type === 'ccm' && f.subtype === 'fir'),
    };
  }
  return s;
}

/** The SIP layer's negotiation as the media layer wants it (keys from `sdes`, after answer()/takeAnswer()). */
export function toMediaNegotiated(neg: Negotiation, sdes?: LegSdes): NegotiatedMedia {
  const any = neg.audio ?? neg.video;
  const out: NegotiatedMedia = { address: any?.remote.address ?? '0.0.0.0' };
  if (neg.audio) out.audio = stream(neg.audio, sdes);
  if (neg.video) out.video = stream(neg.video, sdes);
  return out;
}
