import { describe, expect, it } from 'vitest';
import {
  buildDtmfRtp,
  dtmfInfoBody,
  parseDtmfInfo,
  parseDtmfPayload,
  isPictureFastUpdate,
  PICTURE_FAST_UPDATE,
} from '../../daemon/sip/dtmf.js';
import { authorize, challengesOf, DigestVerifier, signRequest } from '../../daemon/sip/digest.js';
import type { SipMessage } from '../../daemon/sip/sipLibrary.js';
import { parseMessage } from '../../daemon/sip/sipLibrary.js';

describe('RFC 4733 telephone-event packets', () => {
  it('each digit: marker on its first packet, growing durations, the end packet three times, one timestamp per event', () => {
    const plan = buildDtmfRtp('1#', {
      payloadType: 101,
      ssrc: 0x11223344,
      seq: 65534,
      timestamp: 1000,
      toneMs: 100,
      gapMs: 60,
      intervalMs: 20,
    });
    // 4 updates (20..80 ms) + 3 end packets per digit
    expect(plan.packets).toHaveLength(14);
    const decoded = plan.packets.map(({ atMs, packet }) => ({
      atMs,
      marker: (packet[1]! & 0x80) !== 0,
      pt: packet[1]! & 0x7f,
      seq: packet.readUInt16BE(2),
      ts: packet.readUInt32BE(4),
      ssrc: packet.readUInt32BE(8),
      ...parseDtmfPayload(packet.subarray(12))!,
    }));
    const first = decoded.slice(0, 7);
    expect(first.map((p) => p.digit)).toEqual(Array(7).fill('1'));
    expect(first.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(first.map((p) => p.end)).toEqual([false, false, false, false, true, true, true]);
    expect(first.map((p) => p.duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(new Set(first.map((p) => p.ts))).toEqual(new Set([1000]));
    expect(decoded.map((p) => p.seq)).toEqual([65534, 65535, ...Array.from({ length: 12 }, (_, i) => i)]);
    expect(decoded.every((p) => p.pt === 101 && p.ssrc === 0x11223344 && p.volume === 10)).toBe(true);
    const second = decoded.slice(7);
    expect(second[0]).toMatchObject({ digit: '#', marker: true, ts: 1000 + (100 + 60) * 8, atMs: 160 });
    expect(plan.nextSeq).toBe(12);
    expect(plan.nextTimestamp).toBe(1000 + 2 * 160 * 8);
    // send times never go backwards
    expect(decoded.map((p) => p.atMs)).toEqual([...decoded.map((p) => p.atMs)].sort((a, b) => a - b));
  });

  it('a 48 kHz telephone-event clock scales durations; a non-digit is a VcError', () => {
    const plan = buildDtmfRtp('5', {
      payloadType: 110,
      ssrc: 1,
      seq: 0,
      timestamp: 0,
      clockRate: 48000,
      toneMs: 40,
      intervalMs: 20,
    });
    expect(plan.packets.map((p) => p.packet.readUInt16BE(14))).toEqual([960, 1920, 1920, 1920]);
    expect(() => buildDtmfRtp('12x', { payloadType: 101, ssrc: 1, seq: 0, timestamp: 0 })).toThrow(/not a DTMF digit/);
  });

  it('SIP INFO bodies: dtmf-relay both ways, application/dtmf, picture_fast_update', () => {
    expect(dtmfInfoBody('*', 120)).toBe('Signal=*\r\nDuration=120\r\n');
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal= 7\r\nDuration= 250\r\n')).toEqual({
      digit: '7',
      durationMs: 250,
    });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=Q\r\n')).toBeUndefined();
    expect(parseDtmfInfo('application/dtmf', '#')).toEqual({ digit: '#', durationMs: 160 });
    expect(parseDtmfInfo('text/plain', 'Signal=1')).toBeUndefined();
    expect(isPictureFastUpdate('application/media_control+xml', PICTURE_FAST_UPDATE)).toBe(true);
  });
});

function challengeResponse(header: string): SipMessage {
  return parseMessage(
    `SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: ${header}\r\nContent-Length: 0\r\n\r\n`,
  )!;
}

describe('digest authentication', () => {
  it('computes the RFC 2617 example response (MD5, qop=auth)', () => {
    const a = authorize(
      {
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        opaque: '5ccc069c403ebaf9f0171e9517f40e41',
        qop: ['auth', 'auth-int'],
        stale: false,
        proxy: false,
      },
      { username: 'Mufasa', password: 'Circle Of Life' },
      { method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b', nc: 1 },
    );
    expect(a.response).toBe('"6629fae49393a05397450978507c4ef1"');
    expect(a).toMatchObject({
      qop: 'auth',
      nc: '00000001',
      cnonce: '"0a4f113b"',
      opaque: '"5ccc069c403ebaf9f0171e9517f40e41"',
    });
  });

  it('echoes the algorithm token exactly as the server wrote it (defect 9), and prefers SHA-256 when offered', () => {
    for (const alg of ['MD5', 'md5', 'MD5-sess', 'SHA-256']) {
      const rs = challengeResponse(`Digest realm="r", nonce="n1", algorithm=${alg}, qop="auth"`);
      const rq = parseMessage(
        'REGISTER sip:r SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@r>;tag=1\r\nTo: <sip:a@r>\r\nCall-ID: y\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n',
      )!;
      expect(signRequest(rq, rs, { username: 'a', password: 'p' }, 'sip:r')).toBe(true);
      expect(rq.headers.authorization?.[0]?.algorithm).toBe(alg);
    }
    const both = challengeResponse(
      'Digest realm="r", nonce="n", algorithm=MD5, Digest realm="r", nonce="n", algorithm=SHA-256',
    );
    expect(challengesOf(both).map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    const unknown = challengeResponse('Digest realm="r", nonce="n", algorithm=SHA-512-256');
    expect(challengesOf(unknown)).toEqual([]);
  });

  it('the UAS verifier accepts a correct answer, flags a wrong password and an expired nonce', () => {
    let now = 1_000_000;
    const v = new DigestVerifier({ realm: 'vcbridge', ttlMs: 60_000, now: () => now });
    const header = v.challenge();
    const rs = challengeResponse(
      `${header.scheme} ${Object.entries(header)
        .filter(([k]) => k !== 'scheme')
        .map(([k, x]) => `${k}=${x}`)
        .join(', ')}`,
    );
    const make = (password: string): SipMessage => {
      const rq = parseMessage(
        'INVITE sip:bridge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:town@h>;tag=1\r\nTo: <sip:bridge@127.0.0.1>\r\nCall-ID: z\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n',
      )!;
      signRequest(rq, rs, { username: 'town', password }, 'sip:bridge@127.0.0.1');
      return rq;
    };
    expect(v.verify(make('right'), { username: 'town', password: 'right' })).toBe('ok');
    expect(v.verify(make('wrong'), { username: 'town', password: 'right' })).toBe('bad');
    expect(v.verify(make('right'), { username: 'other', password: 'right' })).toBe('bad');
    const noAuth = parseMessage(
      'INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK4\r\nFrom: <sip:t@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: q\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    )!;
    expect(v.verify(noAuth, { username: 'town', password: 'right' })).toBe('missing');
    now += 120_000;
    expect(v.verify(make('right'), { username: 'town', password: 'right' })).toBe('stale');
    // a nonce we never issued
    const forged = make('right');
    forged.headers.authorization![0]!.nonce = '"abc.def"';
    expect(v.verify(forged, { username: 'town', password: 'right' })).toBe('bad');
  });
});
