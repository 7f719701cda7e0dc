// The libsrtp2 binding against the reference packets of RFC 3711 / libsrtp's own validation
// (AES_CM_128 with HMAC-SHA1 80 and 32, SRTCP), a GCM round trip, and what SrtpGuard does with
// tampered, replayed and garbage packets (dropped, counted, reported; never thrown).
import { describe, expect, it } from 'vitest';
import {
  SRTP_AUTH_FAIL,
  SRTP_REPLAY_FAIL,
  SrtpContext,
  supportedSuites,
  KEY_EXPIRED,
} from '../../daemon/media/srtp/libsrtp.js';
import { SrtpKeys } from '../../daemon/media/srtp/SrtpKeys.js';
import { SrtpGuard, srtpEvents } from '../../daemon/media/srtp/SrtpGuard.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// master key then master salt
const KEY = hex('e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6');
const RTP_PLAIN = hex('800f1234decafbadcafebabe abababababababababababababababab');
const SRTP_80 = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
const SRTP_32 = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc');
const RTCP_PLAIN = hex('81c8000bcafebabe abababababababababababababababab');
const SRTCP_80 = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');

describe('libsrtp2 through koffi: reference packets', () => {
  it('AES_CM_128_HMAC_SHA1_80 protects and unprotects the reference RTP packet', () => {
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'outbound');
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'inbound');
    try {
      const out = tx.protectRtp(RTP_PLAIN);
      expect(Buffer.isBuffer(out) && out.toString('hex')).toBe(SRTP_80.toString('hex'));
      const back = rx.unprotectRtp(Buffer.from(SRTP_80));
      expect(Buffer.isBuffer(back) && back.toString('hex')).toBe(RTP_PLAIN.toString('hex'));
    } finally {
      tx.close();
      rx.close();
    }
  });

  it('AES_CM_128_HMAC_SHA1_32 carries the 32-bit tag on RTP', () => {
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_32', KEY, 'outbound');
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_32', KEY, 'inbound');
    try {
      const out = tx.protectRtp(RTP_PLAIN);
      expect(Buffer.isBuffer(out) && out.toString('hex')).toBe(SRTP_32.toString('hex'));
      expect((rx.unprotectRtp(Buffer.from(SRTP_32)) as Buffer).toString('hex')).toBe(RTP_PLAIN.toString('hex'));
    } finally {
      tx.close();
      rx.close();
    }
  });

  it('SRTCP: the reference sender report (index 1, encrypted) both ways', () => {
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'outbound');
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'inbound');
    try {
      expect((tx.protectRtcp(RTCP_PLAIN) as Buffer).toString('hex')).toBe(SRTCP_80.toString('hex'));
      expect((rx.unprotectRtcp(Buffer.from(SRTCP_80)) as Buffer).toString('hex')).toBe(RTCP_PLAIN.toString('hex'));
    } finally {
      tx.close();
      rx.close();
    }
  });

  it('tampering fails authentication, a replay is refused, and the input of protect() is left alone', () => {
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'inbound');
    try {
      const bad = Buffer.from(SRTP_80);
      bad[20]! ^= 1;
      expect(rx.unprotectRtp(bad)).toBe(SRTP_AUTH_FAIL);
      expect(rx.unprotectRtp(Buffer.from(SRTP_80))).toBeInstanceOf(Buffer);
      expect(rx.unprotectRtp(Buffer.from(SRTP_80))).toBe(SRTP_REPLAY_FAIL);
    } finally {
      rx.close();
    }
    const plain = Buffer.from(RTP_PLAIN);
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'outbound');
    tx.protectRtp(plain);
    tx.close();
    expect(plain.equals(RTP_PLAIN)).toBe(true);
  });

  it('AEAD_AES_128_GCM round-trips where libsrtp2 has it (Debian builds it with NSS)', () => {
    expect(supportedSuites()).toContain('AEAD_AES_128_GCM');
    const key = Buffer.alloc(28, 3);
    const tx = new SrtpContext('AEAD_AES_128_GCM', key, 'outbound');
    const rx = new SrtpContext('AEAD_AES_128_GCM', key, 'inbound');
    try {
      const out = tx.protectRtp(RTP_PLAIN) as Buffer;
      expect(out.length).toBe(RTP_PLAIN.length + 16);
      expect((rx.unprotectRtp(Buffer.from(out)) as Buffer).equals(RTP_PLAIN)).toBe(true);
      const rtcp = tx.protectRtcp(RTCP_PLAIN) as Buffer;
      expect((rx.unprotectRtcp(Buffer.from(rtcp)) as Buffer).equals(RTCP_PLAIN)).toBe(true);
    } finally {
      tx.close();
      rx.close();
    }
  });

  it('a wrong key length is refused; a key lifetime is enforced', () => {
    expect(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', Buffer.alloc(28), 'inbound')).toThrow(
      /needs a 30-byte key/,
    );
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, 'outbound', { maxPackets: 2 });
    const pkt = (seq: number): Buffer => {
      const p = Buffer.from(RTP_PLAIN);
      p.writeUInt16BE(seq, 2);
      return p;
    };
    expect(tx.protectRtp(pkt(1))).toBeInstanceOf(Buffer);
    expect(tx.protectRtp(pkt(2))).toBeInstanceOf(Buffer);
    expect(tx.protectRtp(pkt(3))).toBe(KEY_EXPIRED);
    tx.close();
  });
});

describe('SrtpGuard', () => {
  it('drops and counts garbage, tampered and replayed packets, reports auth failures by leg, and keeps working', () => {
    const ours = Buffer.alloc(30, 1);
    const theirs = Buffer.alloc(30, 2);
    const bridge = new SrtpGuard(new SrtpKeys('AES_CM_128_HMAC_SHA1_80', { key: theirs }, { key: ours }), 'town-a');
    const room = new SrtpGuard(new SrtpKeys('AES_CM_128_HMAC_SHA1_80', { key: ours }, { key: theirs }), 'room');
    const seen: string[] = [];
    const on = (e: { legId: string }): void => void seen.push(e.legId);
    srtpEvents.on('authFailure', on);
    try {
      const pkt = (seq: number): Buffer => {
        const p = Buffer.from(RTP_PLAIN);
        p.writeUInt16BE(seq, 2);
        return p;
      };
      const sent = room.protectRtp(pkt(1))!;
      // garbage of every size, including shorter than a header
      for (let n = 0; n < 200; n++) expect(bridge.unprotect(Buffer.alloc(n % 60, n), n % 2 === 0)).toBeUndefined();
      const tampered = Buffer.from(sent);
      tampered[tampered.length - 1]! ^= 0xff;
      expect(bridge.unprotect(tampered, false)).toBeUndefined();
      expect(bridge.unprotect(Buffer.from(sent), false)?.equals(pkt(1))).toBe(true);
      expect(bridge.unprotect(Buffer.from(sent), false)).toBeUndefined();
      const c = bridge.counters;
      expect(c.authFailures).toBeGreaterThan(0);
      expect(c.replays).toBeGreaterThanOrEqual(1);
      expect(c.authFailures + c.otherFailures + c.replays).toBe(202);
      expect(seen.length).toBe(c.authFailures);
      expect(new Set(seen)).toEqual(new Set(['town-a']));
      // still decrypts after the burst, both ways, RTCP too
      expect(bridge.unprotect(room.protectRtp(pkt(2))!, false)?.equals(pkt(2))).toBe(true);
      expect(room.unprotect(bridge.protectRtcp(RTCP_PLAIN)!, true)?.equals(RTCP_PLAIN)).toBe(true);
    } finally {
      srtpEvents.off('authFailure', on);
      bridge.close();
      room.close();
    }
  });

  it("a re-key of the room's key keeps our outbound context (the room would take a restarted SRTCP index for replays)", () => {
    const [a, b, c] = [Buffer.alloc(30, 1), Buffer.alloc(30, 2), Buffer.alloc(30, 3)];
    const bridge = new SrtpGuard(new SrtpKeys('AES_CM_128_HMAC_SHA1_80', { key: a }, { key: b }), 'leg');
    const room = new SrtpGuard(new SrtpKeys('AES_CM_128_HMAC_SHA1_80', { key: b }, { key: a }), 'room');
    const room2 = new SrtpGuard(new SrtpKeys('AES_CM_128_HMAC_SHA1_80', { key: b }, { key: c }), 'room');
    try {
      expect(room.unprotect(bridge.protectRtcp(RTCP_PLAIN)!, true)?.equals(RTCP_PLAIN)).toBe(true);
      bridge.rekey(new SrtpKeys('AES_CM_128_HMAC_SHA1_80', { key: c }, { key: b }));
      expect(room.unprotect(bridge.protectRtcp(RTCP_PLAIN)!, true)?.equals(RTCP_PLAIN)).toBe(true);
      expect(room.counters.replays).toBe(0);
      expect(bridge.unprotect(room2.protectRtp(RTP_PLAIN)!, false)?.equals(RTP_PLAIN)).toBe(true);
      expect(bridge.unprotect(room.protectRtp(RTP_PLAIN)!, false)).toBeUndefined(); // the old key is gone
    } finally {
      bridge.close();
      room.close();
      room2.close();
    }
  });
});
