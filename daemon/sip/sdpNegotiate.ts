// Offer/answer (RFC 3264) for SIP legs: validate a remote SDP, choose one codec per m-line from
// our capabilities (in OUR preference order), keep the REMOTE payload type numbers and H264
// fmtp, and write the answer. Bad SDP → VcError SDP_INVALID; nothing usable → SDP_NO_COMMON_CODEC
// with a reason the caller logs next to its 488.
import { isIP } from 'node:net';
import sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import { AUDIO_CODEC_SPECS, writeSession, type AudioCodecName, type Direction, type VideoCodecName } from './sdp.js';
import { chooseCrypto, cryptoAttr, newSdesKey, type SdesKey } from './sdes.js';

export interface Capabilities {
  audio?: { codecs: readonly AudioCodecName[]; telephoneEvent?: boolean };
  video?: { codecs: readonly VideoCodecName[]; h264Profiles?: readonly string[] };
  /**
   * SDES-SRTP: 'optional' (default) takes RTP/SAVP and RTP/AVP, with keys on AVP taken as best
   * effort; 'required' refuses m-lines without keys we can use; 'off' refuses RTP/SAVP and ignores keys.
   */
  srtp?: 'optional' | 'required' | 'off';
  /** Suites the media layer runs (default the two AES_CM_128 ones). */
  srtpSuites?: readonly string[];
}

export interface NegotiatedCodec {
  name: AudioCodecName | VideoCodecName;
  payloadType: number;
  clockRate: number;
  channels?: number;
  fmtp?: string;
  rtcpFeedback: { type: string; subtype?: string }[];
}

export interface NegotiatedMLine {
  kind: 'audio' | 'video';
  index: number;
  mid?: string;
  codec: NegotiatedCodec;
  telephoneEvent?: { payloadType: number; clockRate: number };
  remote: { address: string; port: number; rtcpPort: number; rtcpMux: boolean };
  /** The remote side's direction, and ours in the answer (mirrored). */
  remoteDirection: Direction;
  direction: Direction;
  protocol: string;
  /** The remote's crypto line we accepted (SDES-SRTP): the key it encrypts with. */
  remoteCrypto?: SdesKey;
  /** Why the remote's a=crypto lines (on best-effort RTP/AVP) were not taken. */
  cryptoRefused?: string;
  ptime?: number;
}

export interface RejectedMedia {
  kind: string;
  index: number;
  reason: string;
}

export interface Negotiation {
  audio?: NegotiatedMLine;
  video?: NegotiatedMLine;
  rejected: RejectedMedia[];
  /** The parsed remote SDP (for writing the answer). */
  remote: SessionDescription;
}

const MAX_SDP_BYTES = 64 * 1024;
const DEFAULT_SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];
const STATIC: Record<number, { codec: string; rate: number }> = {
  0: { codec: 'PCMU', rate: 8000 },
  8: { codec: 'PCMA', rate: 8000 },
  9: { codec: 'G722', rate: 8000 },
};
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

function invalid(why: string): VcError {
  return new VcError('SDP_INVALID', why);
}

/** audio and video as a template (the CLI translates them); any other media type as it is. */
function kindText(kind: string): string {
  return kind === 'audio' ? say('sdp.audio') : kind === 'video' ? say('sdp.video') : kind;
}

/** Parse and check a remote SDP; throws VcError SDP_INVALID naming the problem. */
export function parseRemoteSdp(text: string): SessionDescription {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(say('sdp.empty'));
  if (Buffer.byteLength(text) > MAX_SDP_BYTES) throw invalid(say('sdp.tooLarge', { max: MAX_SDP_BYTES }));
  if (!/^\s*v=0\s*$/m.test(text.split('\n', 1)[0] ?? '')) throw invalid(say('sdp.noV0'));
  let s: SessionDescription;
  try {
    s = sdpTransform.parse(text);
  } catch (e) {
    throw new VcError('SDP_INVALID', say('sdp.unparsable', { detail: (e as Error).message }), undefined, { cause: e });
  }
  if (!Array.isArray(s.media) || s.media.length === 0) throw invalid(say('sdp.noMedia'));
  s.media.forEach((m, i) => {
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535)
      throw invalid(say('sdp.badPort', { index: i, port: String(m.port) }));
    if (typeof m.protocol !== 'string' || !m.protocol) throw invalid(say('sdp.noProtocol', { index: i }));
    if (m.port !== 0) {
      const ip = m.connection?.ip ?? s.connection?.ip;
      if (!ip) throw invalid(say('sdp.noAddress', { index: i, kind: kindText(m.type) }));
      if (!isIP(ip) && !HOSTNAME.test(ip)) throw invalid(say('sdp.badAddress', { index: i, address: ip }));
      // the relay sends its RTCP there: a port a socket cannot send to would throw in its timer
      if (m.rtcp !== undefined) {
        const rtcp = m.rtcp.port as unknown;
        if (typeof rtcp !== 'number' || !Number.isInteger(rtcp) || rtcp < 1 || rtcp > 65535)
          throw invalid(say('sdp.badRtcpPort', { index: i, port: String(rtcp).slice(0, 20) }));
      } else if (!m.rtcpMux && m.port === 65535) {
        throw invalid(say('sdp.port65535', { index: i }));
      }
    }
  });
  return s;
}

function fmtpOf(m: MediaDescription, pt: number): string | undefined {
  return m.fmtp?.find((f) => f.payload === pt)?.config;
}

function fmtpParams(config: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (config ?? '').split(';')) {
    const [k, v] = part.split('=');
    if (k) out[k.trim().toLowerCase()] = (v ?? '').trim();
  }
  return out;
}

interface OfferedCodec {
  pt: number;
  codec: string;
  rate: number;
  channels?: number;
  fmtp?: string;
}

function offeredCodecs(m: MediaDescription): OfferedCodec[] {
  const pts = String(m.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0 && n <= 127);
  return pts.map((pt) => {
    const r = m.rtp?.find((x) => x.payload === pt);
    const st = STATIC[pt];
    return r
      ? {
          pt,
          codec: r.codec,
          rate: r.rate ?? 0,
          channels: r.encoding ? Number(r.encoding) : undefined,
          fmtp: fmtpOf(m, pt),
        }
      : { pt, codec: st?.codec ?? `pt${pt}`, rate: st?.rate ?? 0 };
  });
}

function h264Acceptable(o: OfferedCodec, profiles: readonly string[]): boolean {
  const p = fmtpParams(o.fmtp);
  const mode = p['packetization-mode'] ?? '0';
  if (mode !== '0' && mode !== '1') return false;
  const plid = (p['profile-level-id'] ?? '42000a').toLowerCase();
  return /^[0-9a-f]{6}$/.test(plid) && profiles.includes(plid.slice(0, 2));
}

function mirror(d: Direction): Direction {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

function chooseCodec(kind: 'audio' | 'video', offered: OfferedCodec[], caps: Capabilities): OfferedCodec | undefined {
  if (kind === 'audio') {
    for (const want of caps.audio?.codecs ?? []) {
      const spec = AUDIO_CODEC_SPECS[want];
      const hit = offered.find(
        (o) => o.codec.toLowerCase() === spec.encoding.toLowerCase() && (o.rate === spec.clockRate || o.rate === 0),
      );
      if (hit) return hit;
    }
    return undefined;
  }
  const profiles = caps.video?.h264Profiles ?? ['42', '4d', '58', '64'];
  for (const want of caps.video?.codecs ?? []) {
    const hits = offered.filter((o) => o.codec.toLowerCase() === want.toLowerCase() && o.rate === 90000);
    if (want === 'H264') {
      const ok = hits.filter((o) => h264Acceptable(o, profiles));
      // prefer packetization-mode 1 (non-interleaved: larger frames) when offered
      const best = ok.find((o) => fmtpParams(o.fmtp)['packetization-mode'] === '1') ?? ok[0];
      if (best) return best;
    } else if (hits[0]) {
      return hits[0];
    }
  }
  return undefined;
}

/** Choose codecs for each m-line of a remote offer (or answer). */
export function negotiate(remoteSdp: string, caps: Capabilities): Negotiation {
  const remote = parseRemoteSdp(remoteSdp);
  const srtp = caps.srtp ?? 'optional';
  const out: Negotiation = { rejected: [], remote };
  remote.media.forEach((m, index) => {
    const kind = m.type;
    const reject = (reason: string): void => void out.rejected.push({ kind, index, reason });
    if (kind !== 'audio' && kind !== 'video') return reject(say('sdp.typeUnsupported', { kind }));
    if (m.port === 0) return reject(say('sdp.disabled'));
    if (out[kind]) return reject(say('sdp.onlyOne', { kind: kindText(kind) }));
    if (!caps[kind]) return reject(say('sdp.notOnLeg', { kind: kindText(kind) }));
    const proto = m.protocol.toUpperCase();
    let remoteCrypto: SdesKey | undefined;
    let cryptoRefused: string | undefined;
    const savp = proto === 'RTP/SAVP' || proto === 'RTP/SAVPF';
    if (!savp && proto !== 'RTP/AVP' && proto !== 'RTP/AVPF')
      return reject(say('sdp.transportUnsupported', { proto: m.protocol }));
    if (savp && srtp === 'off') return reject(say('sdp.srtpOff', { proto }));
    if (srtp !== 'off' && (savp || m.crypto?.length)) {
      const v = chooseCrypto(m.crypto ?? [], caps.srtpSuites ?? DEFAULT_SUITES);
      if ('ok' in v) remoteCrypto = v.ok;
      else if (savp) return reject(say('sdp.savpNoKey', { proto, why: v.refused }));
      else cryptoRefused = v.refused;
    }
    if (!remoteCrypto && srtp === 'required') {
      return reject(
        cryptoRefused
          ? say('sdp.srtpRequiredRefused', { kind: kindText(kind), proto, why: cryptoRefused })
          : say('sdp.srtpRequired', { kind: kindText(kind), proto }),
      );
    }
    const offered = offeredCodecs(m);
    const chosen = chooseCodec(kind, offered, caps);
    if (!chosen) {
      const want = kind === 'audio' ? caps.audio?.codecs : caps.video?.codecs;
      return reject(
        say('sdp.noCommonCodec', {
          kind: kindText(kind),
          offered: offered.map((o) => `${o.codec}/${o.rate}(${o.pt})`).join(' ') || say('err.none'),
          supported: want?.join(' ') || say('err.none'),
        }),
      );
    }
    const te =
      kind === 'audio' && (caps.audio?.telephoneEvent ?? true)
        ? (offered.find((o) => o.codec.toLowerCase() === 'telephone-event' && o.rate === chosen.rate) ??
          offered.find((o) => o.codec.toLowerCase() === 'telephone-event' && o.rate === 8000))
        : undefined;
    const rtcpMux = Boolean(m.rtcpMux);
    const remoteDirection = (m.direction ?? remote.direction ?? 'sendrecv') as Direction;
    out[kind] = {
      kind,
      index,
      mid: m.mid !== undefined ? String(m.mid) : undefined,
      codec: {
        name: normalizeName(chosen.codec),
        payloadType: chosen.pt,
        clockRate: chosen.rate || 8000,
        ...(chosen.channels ? { channels: chosen.channels } : {}),
        ...(chosen.fmtp !== undefined ? { fmtp: chosen.fmtp } : {}),
        rtcpFeedback: (m.rtcpFb ?? [])
          .filter((f) => String(f.payload) === String(chosen.pt) || f.payload === '*')
          .map((f) => ({ type: f.type, ...(f.subtype ? { subtype: f.subtype } : {}) })),
      },
      ...(te ? { telephoneEvent: { payloadType: te.pt, clockRate: te.rate } } : {}),
      remote: {
        address: (m.connection?.ip ?? remote.connection?.ip)!,
        port: m.port,
        rtcpPort: rtcpMux ? m.port : (m.rtcp?.port ?? m.port + 1),
        rtcpMux,
      },
      remoteDirection,
      direction: mirror(remoteDirection),
      protocol: m.protocol,
      ...(remoteCrypto ? { remoteCrypto } : {}),
      ...(cryptoRefused ? { cryptoRefused } : {}),
      ...(m.ptime ? { ptime: m.ptime } : {}),
    };
  });
  if (!out.audio && !out.video) {
    throw new VcError(
      'SDP_NO_COMMON_CODEC',
      say('sdp.noUsableMedia', {
        rejected: out.rejected
          .map((r) => say('sdp.rejected', { kind: kindText(r.kind), index: r.index, reason: r.reason }))
          .join('; '),
      }),
      { rejected: out.rejected },
    );
  }
  return out;
}

function normalizeName(codec: string): AudioCodecName | VideoCodecName {
  const c = codec.toLowerCase();
  if (c === 'opus') return 'opus';
  if (c === 'vp8') return 'VP8';
  return codec.toUpperCase() as AudioCodecName | VideoCodecName;
}

export interface LocalMedia {
  port: number;
  rtcpPort?: number;
  /** Answer rtcp-mux when the remote offered it (default false: many room systems lack it). */
  rtcpMux?: boolean;
  /** Our SDES key for an SRTP m-line (a fresh one is made when missing or of another suite). */
  crypto?: SdesKey;
  direction?: Direction;
}

/** Our answer to the offer behind `neg`: one m-line per offered line, rejected ones with port 0. */
export function buildAnswer(
  neg: Negotiation,
  local: { address: string; sessionId?: string; version?: number; audio?: LocalMedia; video?: LocalMedia },
): { sdp: string; crypto: { audio?: SdesKey; video?: SdesKey } } {
  const crypto: { audio?: SdesKey; video?: SdesKey } = {};
  const media = neg.remote.media.map((m, index): MediaDescription => {
    const kind = m.type === 'audio' || m.type === 'video' ? m.type : undefined;
    const chosen = kind ? neg[kind] : undefined;
    const mine = kind ? local[kind] : undefined;
    if (!kind || !chosen || chosen.index !== index || !mine) {
      const first =
        String(m.payloads ?? '')
          .trim()
          .split(/\s+/)[0] || '0';
      return {
        type: m.type,
        port: 0,
        protocol: m.protocol,
        payloads: first,
        rtp: [],
        fmtp: [],
        ...(m.mid !== undefined ? { mid: m.mid } : {}),
      };
    }
    const codecs = [
      chosen.codec,
      ...(chosen.telephoneEvent
        ? [
            {
              name: 'telephone-event',
              payloadType: chosen.telephoneEvent.payloadType,
              clockRate: chosen.telephoneEvent.clockRate,
              fmtp: '0-16',
            },
          ]
        : []),
    ];
    const md: MediaDescription = {
      type: kind,
      port: mine.port,
      protocol: m.protocol,
      payloads: codecs.map((c) => c.payloadType).join(' '),
      connection: { version: isIP(local.address) === 6 ? 6 : 4, ip: local.address },
      rtp: codecs.map((c) => ({
        payload: c.payloadType,
        codec: c.name,
        rate: c.clockRate,
        ...('channels' in c && c.channels ? { encoding: c.channels } : {}),
      })),
      fmtp: codecs.filter((c) => c.fmtp !== undefined).map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
      direction: mine.direction ?? chosen.direction,
    };
    if (m.mid !== undefined) md.mid = m.mid;
    if (chosen.remote.rtcpMux && mine.rtcpMux) md.rtcpMux = 'rtcp-mux';
    else if (mine.rtcpPort !== undefined && mine.rtcpPort !== mine.port + 1) md.rtcp = { port: mine.rtcpPort };
    if (chosen.codec.rtcpFeedback.length)
      md.rtcpFb = chosen.codec.rtcpFeedback.map((f) => ({ payload: chosen.codec.payloadType, ...f }));
    if (chosen.ptime) md.ptime = chosen.ptime;
    if (chosen.remoteCrypto) {
      // RFC 4568 5.1.2: the answer carries the offer's tag and suite with the answerer's own key
      const { tag, suite } = chosen.remoteCrypto;
      const c = mine.crypto?.suite === suite ? { ...mine.crypto, tag } : newSdesKey(tag, suite);
      md.crypto = [cryptoAttr(c)];
      crypto[kind] = c;
    }
    return md;
  });
  return { sdp: writeSession(local.address, local.sessionId, local.version, undefined, media), crypto };
}
