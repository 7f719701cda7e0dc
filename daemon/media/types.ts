// Plain shapes shared by the media layer and its users (the SIP layer fills NegotiatedMedia from the
// answered SDP; the conference layer reads LocalMedia back into the SDP it sends).
import {
  AudioCodec,
  VideoCodec,
  type AudioCodec as AudioCodecName,
  type VideoCodec as VideoCodecName,
} from '../config/schema.js';
import type { SrtpKeys } from './srtp/SrtpKeys.js';

export type MediaKind = 'audio' | 'video';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Codec names as they appear in SDP rtpmap (case-insensitive on input): the ones the site config
 *  accepts, which are the ones the bridge mixes and forwards. */
export const AUDIO_CODECS: readonly AudioCodecName[] = AudioCodec.options;
export const VIDEO_CODECS: readonly VideoCodecName[] = VideoCodec.options;
export type { AudioCodecName, VideoCodecName };

/**
 * What a video stream's bytes look like to a decoder. Two streams are interchangeable only when their
 * keys are equal: H.264 packetization-mode 0 (single NAL) and 1 (FU-A/STAP-A) are different keys.
 */
export type VideoCodecKey = 'VP8' | 'H264/0' | 'H264/1';

/** One negotiated m-line, as agreed in offer/answer. Ports and PTs are the room's. */
export interface NegotiatedStream {
  /** The room's RTP port; 0 means the m-line was rejected. */
  port: number;
  /** The room's RTCP port (a=rtcp); default port + 1. Ignored when rtcpMux. */
  rtcpPort?: number;
  /** Per-m-line c= address; default NegotiatedMedia.address. */
  address?: string;
  /** Both sides agreed on a=rtcp-mux. */
  rtcpMux?: boolean;
  /** Payload type the room uses for the chosen codec (we send with it too). */
  pt: number;
  /** 'PCMA' | 'PCMU' | 'G722' | 'opus' | 'H264' | 'VP8'. */
  codec: string;
  /** RTP clock rate from rtpmap (G.722: 8000 although it samples at 16 kHz; opus: 48000). */
  clockRate: number;
  channels?: number;
  /** fmtp of the chosen codec, either raw ("packetization-mode=1;profile-level-id=42e01f") or parsed. */
  fmtp?: string | Record<string, string | number>;
  /** PT of telephone-event (RFC 4733) if negotiated on this m-line. */
  telephoneEventPt?: number;
  /** a=rtcp-fb the room announced for the chosen codec. Absent means "unknown" (PLI is still sent). */
  rtcpFb?: { nack?: boolean; pli?: boolean; fir?: boolean };
  /** Direction from the room's side: 'sendonly' means the room sends and does not receive. */
  direction?: Direction;
  ptime?: number;
  /** SDES-SRTP keys agreed for this m-line; absent means plain RTP. */
  srtp?: SrtpKeys;
}

export interface NegotiatedMedia {
  /** Session-level c= address of the room. */
  address: string;
  audio?: NegotiatedStream;
  video?: NegotiatedStream;
}

/** Where the room must send to: our relay sockets. */
export interface LocalStream {
  port: number;
  rtcpPort: number;
}

export interface LocalMedia {
  address: string;
  audio?: LocalStream;
  video?: LocalStream;
}

/** Address and port pair. */
export interface TransportAddress {
  address: string;
  port: number;
}

export function normaliseCodecName(codec: string): string {
  const c = codec.trim();
  return c.toLowerCase() === 'opus' ? 'opus' : c.toUpperCase();
}

export function fmtpParams(fmtp: NegotiatedStream['fmtp']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fmtp) return out;
  if (typeof fmtp !== 'string') {
    for (const [k, v] of Object.entries(fmtp)) out[k.toLowerCase()] = String(v);
    return out;
  }
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** The codec key of a negotiated video stream, or undefined if we do not carry that codec. */
export function videoKeyOf(stream: Pick<NegotiatedStream, 'codec' | 'fmtp'>): VideoCodecKey | undefined {
  const name = normaliseCodecName(stream.codec);
  if (name === 'VP8') return 'VP8';
  if (name === 'H264') return fmtpParams(stream.fmtp)['packetization-mode'] === '1' ? 'H264/1' : 'H264/0';
  return undefined;
}
