// The router's codec set and the small translations between negotiated SDP streams and mediasoup's
// RTP parameters. Payload types on the wire towards rooms are rewritten by the relay, so the router's
// own PT numbers never need to match a room's.
import type { types as ms } from 'mediasoup';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { normaliseCodecName, videoKeyOf, type MediaKind, type NegotiatedStream, type VideoCodecKey } from './types.js';

const H264_BASE = { 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 };

export const ROUTER_MEDIA_CODECS: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, preferredPayloadType: 0 },
  { kind: 'audio', mimeType: 'audio/PCMA', clockRate: 8000, preferredPayloadType: 8 },
  { kind: 'audio', mimeType: 'audio/G722', clockRate: 8000, preferredPayloadType: 9 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
  { kind: 'video', mimeType: 'video/H264', clockRate: 90000, parameters: { ...H264_BASE, 'packetization-mode': 1 } },
  // Older room systems negotiate single-NAL mode only.
  { kind: 'video', mimeType: 'video/H264', clockRate: 90000, parameters: { ...H264_BASE, 'packetization-mode': 0 } },
];

/** RTCP feedback we ask for on the rooms' side. Nothing that needs header extensions (transport-cc, REMB). */
const VIDEO_FEEDBACK: ms.RtcpFeedback[] = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
];

export function videoKeyOfCodec(
  codec: Pick<ms.RtpCodecParameters, 'mimeType' | 'parameters'>,
): VideoCodecKey | undefined {
  const name = codec.mimeType.split('/')[1] ?? '';
  const pm = (codec.parameters as Record<string, unknown> | undefined)?.['packetization-mode'];
  return videoKeyOf({ codec: name, fmtp: pm === undefined ? undefined : { 'packetization-mode': String(pm) } });
}

function sameCodec(
  c: ms.RtpCodecCapability,
  kind: MediaKind,
  stream: Pick<NegotiatedStream, 'codec' | 'fmtp' | 'clockRate'>,
): boolean {
  if (c.kind !== kind) return false;
  const name = normaliseCodecName(stream.codec);
  if (normaliseCodecName(c.mimeType.split('/')[1] ?? '') !== name) return false;
  if (kind === 'video') return videoKeyOfCodec(c) === videoKeyOf(stream);
  return c.clockRate === stream.clockRate;
}

/** The router's codec (with its PT) for a negotiated stream; throws if the router lacks it. */
export function routerCodecFor(
  caps: ms.RtpCapabilities,
  kind: MediaKind,
  stream: NegotiatedStream,
): ms.RtpCodecCapability {
  const c = (caps.codecs ?? []).find((x) => sameCodec(x, kind, stream));
  if (!c || c.preferredPayloadType === undefined) {
    throw new VcError(
      'SDP_NO_COMMON_CODEC',
      say('media.cannotCarry', { kind, codec: stream.codec, rate: stream.clockRate }),
    );
  }
  return c;
}

/** The router's codec for a video codec key. */
export function routerVideoCodec(caps: ms.RtpCapabilities, key: VideoCodecKey): ms.RtpCodecCapability {
  const c = (caps.codecs ?? []).find((x) => x.kind === 'video' && videoKeyOfCodec(x) === key);
  if (!c) throw new VcError('MEDIA_FAILED', say('media.routerNoVideoCodec', { key }));
  return c;
}

/** Producer parameters for a stream that arrives with the router's PT and our chosen SSRC. */
export function producerParams(
  codec: ms.RtpCodecCapability,
  ssrc: number,
  opts: { nack?: boolean } = {},
): ms.RtpParameters {
  const feedback =
    codec.kind === 'video' ? VIDEO_FEEDBACK.filter((f) => f.type !== 'nack' || f.parameter === 'pli' || opts.nack) : [];
  return {
    codecs: [
      {
        mimeType: codec.mimeType,
        clockRate: codec.clockRate,
        payloadType: codec.preferredPayloadType ?? 0,
        ...(codec.channels !== undefined ? { channels: codec.channels } : {}),
        ...(codec.parameters ? { parameters: codec.parameters } : {}),
        rtcpFeedback: feedback,
      },
    ],
    encodings: [{ ssrc }],
    headerExtensions: [],
  };
}

/**
 * Capabilities for consume() towards a plain RTP peer: only this codec, NACK/PLI/FIR, no header
 * extensions (room systems are RTP/AVP; they gain nothing from abs-send-time or transport-cc).
 */
export function plainConsumeCaps(codec: ms.RtpCodecCapability): ms.RtpCapabilities {
  return {
    codecs: [{ ...codec, rtcpFeedback: codec.kind === 'video' ? VIDEO_FEEDBACK : [] }],
    headerExtensions: [],
  };
}

/** The router codec a producer uses (its first media codec). */
export function producerCodec(caps: ms.RtpCapabilities, producer: ms.Producer): ms.RtpCodecCapability {
  const pc = producer.rtpParameters.codecs[0];
  if (!pc) throw new VcError('MEDIA_FAILED', say('media.producerNoCodec', { producer: producer.id }));
  const key = producer.kind === 'video' ? videoKeyOfCodec(pc) : undefined;
  const c = (caps.codecs ?? []).find(
    (x) =>
      x.kind === producer.kind &&
      x.mimeType.toLowerCase() === pc.mimeType.toLowerCase() &&
      x.clockRate === pc.clockRate &&
      (producer.kind !== 'video' || videoKeyOfCodec(x) === key),
  );
  if (!c) throw new VcError('MEDIA_FAILED', say('media.routerNoCodec', { producer: producer.id, mime: pc.mimeType }));
  return c;
}
