import { describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { buildOffer, originOf, setOriginVersion, telephoneEventOf } from '../../daemon/sip/sdp.js';
import { buildAnswer, negotiate, parseRemoteSdp } from '../../daemon/sip/sdpNegotiate.js';
import { newSdesKey } from '../../daemon/sip/sdes.js';
import { isVcError } from '../../daemon/errors.js';

// An offer as a Polycom/Cisco-style room system sends it: dynamic PTs that differ from ours,
// H264 in two packetization modes, no rtpmap for static PCMU/PCMA.
const ROOM_OFFER = [
  'v=0',
  'o=room 1000 1 IN IP4 10.1.2.3',
  's=-',
  'c=IN IP4 10.1.2.3',
  't=0 0',
  'm=audio 49170 RTP/AVP 9 8 0 100',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:100 telephone-event/8000',
  'a=fmtp:100 0-15',
  'a=sendrecv',
  'm=video 49172 RTP/AVP 109 110 120',
  'a=rtpmap:109 H264/90000',
  'a=fmtp:109 profile-level-id=42801f;packetization-mode=0',
  'a=rtpmap:110 H264/90000',
  'a=fmtp:110 profile-level-id=428016;packetization-mode=1;max-mbps=108000',
  'a=rtpmap:120 VP8/90000',
  'a=rtcp-fb:* nack pli',
  'a=rtcp:49175',
  'a=sendrecv',
  '',
].join('\r\n');

function expectVcError(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (e) {
    expect(isVcError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return (e as Error).message;
  }
  throw new Error(`expected VcError ${code}`);
}

describe('SDP offers', () => {
  it('an offer lists PCMA, PCMU, G722, opus and telephone-event with their clock rates', () => {
    const sdp = buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMA', 'PCMU', 'G722', 'opus'] } });
    const s = sdpTransform.parse(sdp);
    const a = s.media[0]!;
    expect(a.type).toBe('audio');
    expect(a.port).toBe(40000);
    expect(a.protocol).toBe('RTP/AVP');
    expect(String(a.payloads)).toBe('8 0 9 111 101');
    expect(a.rtp.map((r) => `${r.codec}/${r.rate}${r.encoding ? `/${r.encoding}` : ''}`)).toEqual([
      'PCMA/8000',
      'PCMU/8000',
      'G722/8000',
      'opus/48000/2',
      'telephone-event/8000',
    ]);
    expect(a.fmtp.find((f) => f.payload === 101)?.config).toBe('0-16');
    expect(a.direction).toBe('sendrecv');
    expect(s.connection?.ip).toBe('127.0.0.1');
  });

  it('a video offer carries H264 packetization-mode and profile-level-id, VP8, and nack/pli/fir feedback', () => {
    const sdp = buildOffer({
      address: '127.0.0.1',
      video: {
        port: 40002,
        codecs: ['H264', 'VP8'],
        h264: { profileLevelId: '42e01f', packetizationMode: 1 },
        direction: 'sendonly',
      },
    });
    const v = sdpTransform.parse(sdp).media[0]!;
    expect(v.rtp.map((r) => r.codec)).toEqual(['H264', 'VP8']);
    expect(v.fmtp.find((f) => f.payload === 96)?.config).toBe('packetization-mode=1;profile-level-id=42e01f');
    expect(v.rtcpFb?.filter((f) => f.payload === 96).map((f) => `${f.type} ${f.subtype ?? ''}`.trim())).toEqual([
      'nack',
      'nack pli',
      'ccm fir',
    ]);
    expect(v.direction).toBe('sendonly');
  });

  it('an offer with SDES keys is RTP/SAVP with a=crypto lines; rtcp-mux and a separate RTCP port are announced', () => {
    const c = newSdesKey(1, 'AES_CM_128_HMAC_SHA1_80');
    expect(c.key).toHaveLength(30);
    const sdp = buildOffer({
      address: '127.0.0.1',
      audio: { port: 40000, rtcpPort: 40005, codecs: ['PCMU'], crypto: [c] },
      video: { port: 40010, rtcpMux: true, codecs: ['VP8'] },
    });
    const [a, v] = sdpTransform.parse(sdp).media;
    expect(a!.protocol).toBe('RTP/SAVP');
    expect(a!.crypto?.[0]).toEqual({
      id: 1,
      suite: 'AES_CM_128_HMAC_SHA1_80',
      config: `inline:${c.key.toString('base64')}`,
    });
    expect(a!.rtcp?.port).toBe(40005);
    expect(v!.rtcpMux).toBe('rtcp-mux');
  });

  it('the o= version can be raised and read back; telephone-event is found in the audio section', () => {
    const sdp = buildOffer({
      address: '127.0.0.1',
      sessionId: '42',
      version: 3,
      audio: { port: 1000, codecs: ['PCMU'] },
    });
    expect(originOf(sdp)).toEqual({ sessionId: '42', version: 3 });
    expect(originOf(setOriginVersion(sdp, 4))).toEqual({ sessionId: '42', version: 4 });
    expect(telephoneEventOf(ROOM_OFFER)).toEqual({ payloadType: 100, clockRate: 8000 });
  });
});

describe('SDP negotiation', () => {
  it('keeps the REMOTE payload types and H264 fmtp, prefers packetization-mode 1, and follows our codec order', () => {
    const neg = negotiate(ROOM_OFFER, { audio: { codecs: ['PCMA', 'G722'] }, video: { codecs: ['H264', 'VP8'] } });
    expect(neg.audio?.codec).toMatchObject({ name: 'PCMA', payloadType: 8, clockRate: 8000 });
    expect(neg.audio?.telephoneEvent).toEqual({ payloadType: 100, clockRate: 8000 });
    expect(neg.audio?.remote).toEqual({ address: '10.1.2.3', port: 49170, rtcpPort: 49171, rtcpMux: false });
    expect(neg.video?.codec).toMatchObject({
      name: 'H264',
      payloadType: 110,
      fmtp: 'profile-level-id=428016;packetization-mode=1;max-mbps=108000',
    });
    expect(neg.video?.codec.rtcpFeedback).toEqual([{ type: 'nack', subtype: 'pli' }]);
    expect(neg.video?.remote.rtcpPort).toBe(49175);
    expect(neg.rejected).toEqual([]);
  });

  it('the answer has one m-line per offered line, with the remote PT numbers, and port 0 for what we refuse', () => {
    const neg = negotiate(ROOM_OFFER, { audio: { codecs: ['G722'] } });
    expect(neg.video).toBeUndefined();
    expect(neg.rejected).toEqual([{ kind: 'video', index: 1, reason: 'no video on this leg' }]);
    const { sdp } = buildAnswer(neg, { address: '127.0.0.1', audio: { port: 30000 } });
    const s = sdpTransform.parse(sdp);
    expect(s.media).toHaveLength(2);
    expect(s.media[0]!.port).toBe(30000);
    expect(String(s.media[0]!.payloads)).toBe('9 100');
    expect(s.media[1]!.port).toBe(0);
  });

  it('directions are mirrored: the peer sending only means we receive only', () => {
    const offer = ROOM_OFFER.replace('a=sendrecv\r\nm=video', 'a=sendonly\r\nm=video');
    const neg = negotiate(offer, { audio: { codecs: ['PCMU'] } });
    expect(neg.audio?.remoteDirection).toBe('sendonly');
    expect(neg.audio?.direction).toBe('recvonly');
    expect(buildAnswer(neg, { address: '127.0.0.1', audio: { port: 1 } }).sdp).toContain('a=recvonly');
  });

  it('no common codec is a VcError SDP_NO_COMMON_CODEC whose message says what was offered', () => {
    const msg = expectVcError(() => negotiate(ROOM_OFFER, { audio: { codecs: ['opus'] } }), 'SDP_NO_COMMON_CODEC');
    expect(msg).toMatch(/no common audio codec: offered G722\/8000\(9\) PCMA\/8000\(8\) PCMU\/8000\(0\)/);
    expect(msg).toMatch(/supported opus/);
  });

  it('our own offer negotiates against our own answerer (opus keeps its fmtp and 48 kHz clock)', () => {
    const offer = buildOffer({
      address: '127.0.0.1',
      audio: { port: 5000, codecs: ['opus', 'PCMU'] },
      video: { port: 5002, codecs: ['VP8'] },
    });
    const neg = negotiate(offer, { audio: { codecs: ['opus'] }, video: { codecs: ['VP8', 'H264'] } });
    expect(neg.audio?.codec).toMatchObject({
      name: 'opus',
      payloadType: 111,
      clockRate: 48000,
      channels: 2,
      fmtp: 'minptime=10;useinbandfec=1',
    });
    expect(neg.video?.codec).toMatchObject({ name: 'VP8', payloadType: 97 });
    // our answer, read back as the remote answer by the offerer
    const back = negotiate(
      buildAnswer(neg, { address: '127.0.0.1', audio: { port: 6000 }, video: { port: 6002 } }).sdp,
      { audio: { codecs: ['opus', 'PCMU'] }, video: { codecs: ['VP8'] } },
    );
    expect(back.audio?.remote.port).toBe(6000);
    expect(back.video?.codec.payloadType).toBe(97);
  });

  const BAD: [string, string][] = [
    ['empty', ''],
    ['no v= line', 'o=x 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n'],
    ['no m= line', 'v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n'],
    ['port out of range', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n'],
    ['port not a number', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio abc RTP/AVP 0\r\n'],
    ['no connection address', 'v=0\r\nm=audio 5000 RTP/AVP 0\r\n'],
    ['garbage address', 'v=0\r\nc=IN IP4 ;;;<>\r\nm=audio 5000 RTP/AVP 0\r\n'],
    ['binary garbage', '\u0000\u0001\u00ff\u00fe v=0 \u0007'],
    ['huge', `v=0\r\n${'a=x\r\n'.repeat(20_000)}`],
    // the RTCP port is where the relay sends its reports: one a socket cannot send to must not get past here
    ['a=rtcp port out of range', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:99999\r\n'],
    ['a=rtcp port 0', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:0\r\n'],
    ['a=rtcp without a port', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:\r\n'],
    ['RTP port 65535 leaves no RTCP port', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 65535 RTP/AVP 0\r\n'],
  ];
  it.each(BAD)('bad SDP (%s) is a VcError SDP_INVALID, never a crash', (_name, sdp) => {
    expectVcError(() => parseRemoteSdp(sdp), 'SDP_INVALID');
    expectVcError(() => negotiate(sdp, { audio: { codecs: ['PCMU'] } }), 'SDP_INVALID');
  });
});
