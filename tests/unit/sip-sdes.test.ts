// SDES-SRTP offer/answer (RFC 4568): which a=crypto we take, what we refuse and why, the keys of
// our offers and answers across re-INVITEs, and that keys do not show in logs (JSON/inspect).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import { buildOffer } from '../../daemon/sip/sdp.js';
import { buildAnswer, negotiate, type Capabilities } from '../../daemon/sip/sdpNegotiate.js';
import { chooseCrypto, parseCryptoAttr, SDES_SUITES } from '../../daemon/sip/sdes.js';
import { LegSdes } from '../../daemon/conference/sip/sipSrtp.js';
import { isVcError } from '../../daemon/errors.js';

const K30 = Buffer.alloc(30, 7).toString('base64');
const K30b = Buffer.alloc(30, 9).toString('base64');
const K28 = Buffer.alloc(28, 5).toString('base64');
const ALL = SDES_SUITES;

function offer(proto: string, cryptoLines: string[]): string {
  return [
    'v=0',
    'o=room 1 1 IN IP4 10.0.0.5',
    's=-',
    'c=IN IP4 10.0.0.5',
    't=0 0',
    `m=audio 4000 ${proto} 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    ...cryptoLines,
    'a=sendrecv',
    '',
  ].join('\r\n');
}

const caps = (srtp: Capabilities['srtp']): Capabilities => ({ audio: { codecs: ['PCMU'] }, srtp, srtpSuites: ALL });

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isVcError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a VcError');
}

describe('a=crypto parsing', () => {
  it('takes lifetime, WSH and the harmless session parameters; the key bytes are decoded', () => {
    const v = parseCryptoAttr(
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}|2^31`, sessionConfig: 'WSH=256' },
      ALL,
    );
    expect(v).toEqual({
      ok: { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(30, 7), lifetime: 2 ** 31, windowSize: 256 },
    });
    expect(parseCryptoAttr({ id: 3, suite: 'AEAD_AES_128_GCM', config: `inline:${K28}|1048576` }, ALL)).toMatchObject({
      ok: { lifetime: 1048576 },
    });
    expect(
      parseCryptoAttr(
        { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}`, sessionConfig: 'KDR=0' },
        ALL,
      ),
    ).toHaveProperty('ok');
  });

  it.each([
    [{ id: 1, suite: 'AES_256_CM_HMAC_SHA1_80', config: `inline:${K30}` }, /suite not supported/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}|2^20|1:4` }, /MKI 1:4 not supported/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}|2^49` }, /exceeds the 2\^48/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}|soon` }, /lifetime "soon"/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K28}` }, /28 bytes, the suite needs 30/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:not*base64' }, /not base64/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30};inline:${K30b}` }, /more than one key/],
    [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `uri:${K30}` }, /not inline:/],
    [
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}`, sessionConfig: 'UNENCRYPTED_SRTP' },
      /session parameter UNENCRYPTED_SRTP not supported/,
    ],
    [
      { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${K30}`, sessionConfig: 'KDR=24' },
      /KDR=24 not supported/,
    ],
  ])('refuses %j with its reason', (attr, why) => {
    const v = parseCryptoAttr(attr, ALL);
    expect('refused' in v && v.refused).toMatch(why);
  });

  it('GCM is refused when the media layer cannot run it', () => {
    expect(
      chooseCrypto([{ id: 1, suite: 'AEAD_AES_128_GCM', config: `inline:${K28}` }], ['AES_CM_128_HMAC_SHA1_80']),
    ).toEqual({ refused: 'tag 1 AEAD_AES_128_GCM: suite not supported' });
  });
});

describe('SDES negotiation', () => {
  it('answers RTP/SAVP with the first suite we support in the offer order, the offer tag and our own key', () => {
    const o = offer('RTP/SAVP', [
      `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${Buffer.alloc(46).toString('base64')}`,
      `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K30}|2^31`,
      `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${K30b}`,
    ]);
    const neg = negotiate(o, caps('optional'));
    expect(neg.audio?.remoteCrypto).toMatchObject({
      tag: 2,
      suite: 'AES_CM_128_HMAC_SHA1_32',
      key: Buffer.alloc(30, 7),
    });
    const ans = buildAnswer(neg, { address: '127.0.0.1', audio: { port: 1000 } });
    const m = sdpTransform.parse(ans.sdp).media[0]!;
    expect(m.protocol).toBe('RTP/SAVP');
    expect(m.crypto).toHaveLength(1);
    expect(m.crypto![0]).toMatchObject({ id: 2, suite: 'AES_CM_128_HMAC_SHA1_32' });
    expect(m.crypto![0]!.config).not.toContain(K30);
    expect(ans.crypto.audio?.key).toHaveLength(30);
  });

  it('never answers RTP/SAVP without a=crypto: SAVP with no usable key, or with SRTP off, is refused naming why', () => {
    expect(errorOf(() => negotiate(offer('RTP/SAVP', []), caps('optional'))).message).toMatch(
      /no a=crypto we can use on RTP\/SAVP \(no a=crypto line\)/,
    );
    const mki = offer('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30}|2^31|1:1`]);
    const e = errorOf(() => negotiate(mki, caps('required')));
    expect(e.code).toBe('SDP_NO_COMMON_CODEC');
    expect(e.message).toMatch(/MKI 1:1 not supported/);
    expect(
      errorOf(() => negotiate(offer('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30}`]), caps('off')))
        .message,
    ).toMatch(/SRTP is off/);
  });

  it('best effort: keys on RTP/AVP are taken unless SRTP is off; required refuses plain RTP', () => {
    const avpKeys = offer('RTP/AVP', [`a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:${K30}`]);
    expect(negotiate(avpKeys, caps('optional')).audio?.remoteCrypto?.tag).toBe(5);
    expect(negotiate(avpKeys, caps('required')).audio?.remoteCrypto?.tag).toBe(5);
    const off = negotiate(avpKeys, caps('off'));
    expect(off.audio?.remoteCrypto).toBeUndefined();
    expect(buildAnswer(off, { address: '127.0.0.1', audio: { port: 1 } }).sdp).not.toContain('a=crypto');
    const plain = offer('RTP/AVP', []);
    expect(negotiate(plain, caps('optional')).audio?.remoteCrypto).toBeUndefined();
    expect(errorOf(() => negotiate(plain, caps('required'))).message).toMatch(
      /SRTP is required but the audio line is plain RTP\/AVP/,
    );
    // keys we cannot use on AVP: plain for optional (with the reason kept), refused for required
    const bad = offer('RTP/AVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30}|2^20|1:4`]);
    expect(negotiate(bad, caps('optional')).audio?.cryptoRefused).toMatch(/MKI/);
    expect(errorOf(() => negotiate(bad, caps('required'))).message).toMatch(/a=crypto refused: .*MKI/);
  });
});

describe('LegSdes: our keys across offers, answers and re-INVITEs', () => {
  const local = { address: '127.0.0.1', audio: { port: 30000, codecs: ['PCMU'] as const } };

  it('optional offers every suite on RTP/AVP, required on RTP/SAVP, off offers no keys; keys are fresh per leg', () => {
    const a = new LegSdes('optional', ALL);
    const o = sdpTransform.parse(buildOffer({ ...local, audio: { ...local.audio, ...a.offer('audio') } })).media[0]!;
    expect(o.protocol).toBe('RTP/AVP');
    expect(o.crypto?.map((c) => `${c.id} ${c.suite}`)).toEqual([
      '1 AES_CM_128_HMAC_SHA1_80',
      '2 AES_CM_128_HMAC_SHA1_32',
      '3 AEAD_AES_128_GCM',
    ]);
    expect(new Set(o.crypto!.map((c) => c.config)).size).toBe(3);
    const r = sdpTransform.parse(
      buildOffer({ ...local, audio: { ...local.audio, ...new LegSdes('required', ALL).offer('audio') } }),
    ).media[0]!;
    expect(r.protocol).toBe('RTP/SAVP');
    expect(r.crypto?.[0]?.config).not.toBe(o.crypto?.[0]?.config);
    expect(new LegSdes('off', ALL).offer('audio')).toEqual({});
  });

  it('the answer is paired with our key by tag; an unknown tag or unusable keys in the answer are errors', () => {
    const sdes = new LegSdes('optional', ALL);
    const ours = sdes.offer('audio').crypto!;
    const answer = offer('RTP/AVP', [`a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K30}`]);
    sdes.takeAnswer(negotiate(answer, caps('optional')));
    const keys = sdes.keysFor('audio')!;
    expect(keys.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(ours[1]!.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(
      errorOf(() =>
        sdes.takeAnswer(
          negotiate(offer('RTP/SAVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${K30}`]), caps('optional')),
        ),
      ).message,
    ).toMatch(/tag 7 .* was not in our offer/);
    const unusable = negotiate(
      offer('RTP/AVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30}|1:4`]),
      caps('optional'),
    );
    expect(errorOf(() => sdes.takeAnswer(unusable)).message).toMatch(/answer has a=crypto we cannot use/);
    sdes.takeAnswer(negotiate(offer('RTP/AVP', []), caps('optional')));
    expect(sdes.keysFor('audio')).toBeUndefined();
  });

  it('a re-INVITE with the same room key keeps our key; a new room key gets a new one of ours (re-key)', () => {
    const sdes = new LegSdes('optional', ALL);
    const first = sdes.answer(
      negotiate(offer('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30}`]), caps('optional')),
    ).audio!;
    const again = sdes.answer(
      negotiate(offer('RTP/SAVP', [`a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:${K30}`]), caps('optional')),
    ).audio!;
    expect(again.key.equals(first.key)).toBe(true);
    expect(again.tag).toBe(4);
    const k1 = sdes.keysFor('audio')!;
    const rekeyed = sdes.answer(
      negotiate(offer('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30b}`]), caps('optional')),
    ).audio!;
    expect(rekeyed.key.equals(first.key)).toBe(false);
    expect(sdes.keysFor('audio')!.sameAs(k1)).toBe(false);
    // and our next offer (a re-INVITE from us) carries the key in use, not a third one
    expect(sdes.offer('audio').crypto![0]!.key.equals(rekeyed.key)).toBe(true);
  });

  it('keys never show when the negotiated media is logged (JSON or inspect)', () => {
    const sdes = new LegSdes('optional', ALL);
    const ours = sdes.answer(
      negotiate(offer('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K30}`]), caps('optional')),
    ).audio!;
    const keys = sdes.keysFor('audio')!;
    for (const text of [JSON.stringify({ srtp: keys }), inspect({ srtp: keys }, { depth: 5 })]) {
      expect(text).toContain('AES_CM_128_HMAC_SHA1_80');
      expect(text).not.toContain(K30);
      expect(text).not.toContain(ours.key.toString('base64'));
      expect(text).not.toContain(ours.key.toString('hex'));
    }
  });
});
