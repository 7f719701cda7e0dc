// SDP offers for SIP legs, built from a typed description with sdp-transform. Answering a remote
// offer lives in sdpNegotiate.ts.
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { cryptoAttr, type SdesKey } from './sdes.js';

import type { AudioCodec as AudioCodecName, VideoCodec as VideoCodecName } from '../config/schema.js';

export type { AudioCodecName, VideoCodecName };
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type { SdesKey, SdesSuite } from './sdes.js';

interface MediaOfferBase {
  port: number;
  /** Default port + 1 (not announced unless different); ignored with rtcpMux. */
  rtcpPort?: number;
  rtcpMux?: boolean;
  direction?: Direction;
  /** SDES keys (a=crypto). With them the m-line is RTP/SAVP unless `bestEffort` keeps RTP/AVP. */
  crypto?: SdesKey[];
  /** Offer the keys on RTP/AVP ("best effort" SRTP: a plain room ignores them). */
  bestEffort?: boolean;
  bandwidthKbps?: number;
}

export interface AudioOffer extends MediaOfferBase {
  codecs: readonly AudioCodecName[];
  /** Offer telephone-event (RFC 4733) too; default true. */
  telephoneEvent?: boolean;
  ptime?: number;
}

export interface VideoOffer extends MediaOfferBase {
  codecs: readonly VideoCodecName[];
  h264?: { profileLevelId?: string; packetizationMode?: 0 | 1 };
  /** rtcp-fb nack, nack pli, ccm fir; default true. */
  rtcpFeedback?: boolean;
}

export interface SessionOffer {
  /** Address put in o= and c=. */
  address: string;
  sessionId?: string;
  version?: number;
  sessionName?: string;
  audio?: AudioOffer;
  video?: VideoOffer;
}

export interface CodecSpec {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

/** The payload types we offer (static ones as assigned by RFC 3551). */
export const AUDIO_CODEC_SPECS: Record<AudioCodecName, CodecSpec> = {
  PCMU: { payloadType: 0, encoding: 'PCMU', clockRate: 8000 },
  PCMA: { payloadType: 8, encoding: 'PCMA', clockRate: 8000 },
  // RFC 3551: G.722 is announced with 8000 although it samples at 16 kHz
  G722: { payloadType: 9, encoding: 'G722', clockRate: 8000 },
  opus: { payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
};
export const TELEPHONE_EVENT: CodecSpec = {
  payloadType: 101,
  encoding: 'telephone-event',
  clockRate: 8000,
  fmtp: '0-16',
};
export const VIDEO_CODEC_SPECS: Record<VideoCodecName, CodecSpec> = {
  H264: { payloadType: 96, encoding: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1;profile-level-id=42e01f' },
  VP8: { payloadType: 97, encoding: 'VP8', clockRate: 90000 },
};

function ipVer(address: string): number {
  return isIPv6(address) ? 6 : 4;
}

function mediaSection(
  kind: 'audio' | 'video',
  m: MediaOfferBase,
  codecs: CodecSpec[],
  address: string,
  fb: boolean,
  ptime?: number,
): MediaDescription {
  const md: MediaDescription = {
    type: kind,
    port: m.port,
    protocol: m.crypto && m.crypto.length && !m.bestEffort ? 'RTP/SAVP' : 'RTP/AVP',
    payloads: codecs.map((c) => c.payloadType).join(' '),
    connection: { version: ipVer(address), ip: address },
    rtp: codecs.map((c) => ({
      payload: c.payloadType,
      codec: c.encoding,
      rate: c.clockRate,
      ...(c.channels ? { encoding: c.channels } : {}),
    })),
    fmtp: codecs.filter((c) => c.fmtp).map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
    direction: m.direction ?? 'sendrecv',
  };
  if (m.rtcpMux) md.rtcpMux = 'rtcp-mux';
  else if (m.rtcpPort !== undefined && m.rtcpPort !== m.port + 1) md.rtcp = { port: m.rtcpPort };
  if (m.crypto && m.crypto.length) md.crypto = m.crypto.map(cryptoAttr);
  if (m.bandwidthKbps) md.bandwidth = [{ type: 'AS', limit: m.bandwidthKbps }];
  if (ptime) md.ptime = ptime;
  if (fb) {
    md.rtcpFb = codecs.flatMap((c) => [
      { payload: c.payloadType, type: 'nack' },
      { payload: c.payloadType, type: 'nack', subtype: 'pli' },
      { payload: c.payloadType, type: 'ccm', subtype: 'fir' },
    ]);
  }
  return md;
}

/** An SDP offer for a SIP leg. */
export function buildOffer(desc: SessionOffer): string {
  const media: MediaDescription[] = [];
  if (desc.audio) {
    const codecs = desc.audio.codecs.map((c) => AUDIO_CODEC_SPECS[c]);
    if (desc.audio.telephoneEvent ?? true) codecs.push(TELEPHONE_EVENT);
    media.push(mediaSection('audio', desc.audio, codecs, desc.address, false, desc.audio.ptime));
  }
  if (desc.video) {
    const codecs = desc.video.codecs.map((c) => {
      const spec = VIDEO_CODEC_SPECS[c];
      if (c !== 'H264' || !desc.video?.h264) return spec;
      const h = desc.video.h264;
      return {
        ...spec,
        fmtp: `packetization-mode=${h.packetizationMode ?? 1};profile-level-id=${h.profileLevelId ?? '42e01f'}`,
      };
    });
    media.push(mediaSection('video', desc.video, codecs, desc.address, desc.video.rtcpFeedback ?? true));
  }
  return writeSession(desc.address, desc.sessionId, desc.version, desc.sessionName, media);
}

export function writeSession(
  address: string,
  sessionId: string | undefined,
  version: number | undefined,
  name: string | undefined,
  media: MediaDescription[],
): string {
  const session: SessionDescription = {
    version: 0,
    origin: {
      username: 'vcbridge',
      sessionId: sessionId ?? String(randomInt(1, 2 ** 31)),
      sessionVersion: version ?? 1,
      netType: 'IN',
      ipVer: ipVer(address),
      address,
    },
    name: name ?? 'vcbridge',
    connection: { version: ipVer(address), ip: address },
    timing: { start: 0, stop: 0 },
    media,
  };
  return sdpTransform.write(session);
}

/** o= session id and version of an SDP (undefined when there is no usable o= line). */
export function originOf(sdp: string): { sessionId: string; version: number } | undefined {
  const m = /^o=\S+ (\S+) (\d+) /m.exec(sdp);
  return m ? { sessionId: m[1]!, version: Number(m[2]) } : undefined;
}

/** The same SDP with its o= version set (a changed offer must carry a higher version). */
export function setOriginVersion(sdp: string, version: number): string {
  return sdp.replace(/^(o=\S+ \S+ )(\d+)( )/m, (_all, a: string, _v: string, b: string) => `${a}${version}${b}`);
}

/** Payload type and clock of telephone-event in the first audio m-line of an SDP. */
export function telephoneEventOf(sdp: string): { payloadType: number; clockRate: number } | undefined {
  const audio = sdp.split(/\r?\nm=/).find((s) => s.startsWith('audio '));
  if (!audio) return undefined;
  const m = /a=rtpmap:(\d+) telephone-event\/(\d+)/i.exec(audio);
  return m ? { payloadType: Number(m[1]), clockRate: Number(m[2]) } : undefined;
}
