// Keyframe requests in RTCP as rooms send them: PLI (RFC 4585 §6.3.1, PSFB FMT 1) and FIR (RFC 5104
// §4.3.1, PSFB FMT 4, the SSRCs in its FCI entries), alone or inside a compound with a receiver report;
// and RFC 2032's FIR (PT 192, only its sender's SSRC), which rooms without rtcp-fb send (baresip 1.0).
// Packets are written byte by byte here, not with the module's own builders.
import { describe, expect, it } from 'vitest';
import {
  buildFir,
  buildPli,
  firEntries,
  hasKeyframeRequest,
  hasRfc2032,
  keyframeRequestSsrcs,
  renameSsrc,
  rfc2032AsPli,
  withoutFir,
  withoutPli,
} from '../../daemon/media/rtp/rtcp.js';

const words = (...w: number[]): Buffer => {
  const b = Buffer.alloc(4 * w.length);
  w.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i));
  return b;
};
/** V=2, FMT/count, PT, length in words - 1. */
const head = (fmt: number, pt: number, len: number): number => ((0x80 | fmt) << 24) | (pt << 16) | len;

const rr = words(head(0, 201, 1), 0x11111111); // an empty receiver report
const pli = words(head(1, 206, 2), 0x11111111, 0xaaaa0001);
const fir = words(head(4, 206, 6), 0x11111111, 0, 0xbbbb0001, 0x07000000, 0xbbbb0002, 0x08000000);
const nack = words(head(1, 205, 3), 0x11111111, 0xaaaa0001, 0x00050000); // generic NACK, RTPFB FMT 1
const remb = words(head(15, 206, 4), 0x11111111, 0, 0x52454d42, 0x01000001); // PSFB FMT 15: not a request

describe('keyframe requests in RTCP', () => {
  it('finds a PLI and names its media SSRC', () => {
    expect(hasKeyframeRequest(pli)).toBe(true);
    expect(keyframeRequestSsrcs(pli)).toEqual([0xaaaa0001]);
  });

  it('finds a FIR and names the SSRC of each FCI entry', () => {
    expect(hasKeyframeRequest(fir)).toBe(true);
    expect(keyframeRequestSsrcs(fir)).toEqual([0xbbbb0001, 0xbbbb0002]);
  });

  it('finds them inside a compound after a receiver report', () => {
    const c = Buffer.concat([rr, pli, fir]);
    expect(hasKeyframeRequest(c)).toBe(true);
    expect(keyframeRequestSsrcs(c)).toEqual([0xaaaa0001, 0xbbbb0001, 0xbbbb0002]);
  });

  it('does not take a generic NACK (RTPFB FMT 1) or a REMB (PSFB FMT 15) for one', () => {
    const c = Buffer.concat([rr, nack, remb]);
    expect(hasKeyframeRequest(c)).toBe(false);
    expect(keyframeRequestSsrcs(c)).toEqual([]);
  });

  it('ignores a truncated request', () => {
    expect(keyframeRequestSsrcs(pli.subarray(0, 8))).toEqual([]);
  });

  it('writes PLI and FIR as rooms read them', () => {
    expect(buildPli(0x11111111, 0xaaaa0001).equals(pli)).toBe(true);
    const f = buildFir(0x11111111, 0xbbbb0001, 7);
    expect(f.equals(words(head(4, 206, 4), 0x11111111, 0, 0xbbbb0001, 0x07000000))).toBe(true);
  });

  it('reads the FIR entries with their seq nrs, and strips the FIRs of a compound', () => {
    expect(firEntries(Buffer.concat([rr, pli, fir]))).toEqual([
      { ssrc: 0xbbbb0001, seqNr: 7 },
      { ssrc: 0xbbbb0002, seqNr: 8 },
    ]);
    expect(firEntries(fir.subarray(0, 20))).toEqual([]); // its length says more than there is
    expect(withoutFir(Buffer.concat([rr, fir, pli]))?.equals(Buffer.concat([rr, pli]))).toBe(true);
    expect(withoutFir(fir)).toBeUndefined();
  });

  it('strips the PLIs of a compound for a room that negotiated only FIR', () => {
    expect(withoutPli(pli)).toBeUndefined();
    const c = withoutPli(Buffer.concat([rr, pli, fir]));
    expect(c?.equals(Buffer.concat([rr, fir]))).toBe(true);
    expect(withoutPli(fir)?.equals(fir)).toBe(true);
  });

  it('renames a request about a stream, its sender too unless told to leave the sender alone', () => {
    // mediasoup's PLI for a room's stream names that stream as sender and media
    const both = (): Buffer => words(head(1, 206, 2), 0x5000, 0x5000);
    const renamed = both();
    renameSsrc(renamed, 0x5000, 0xabc);
    expect([renamed.readUInt32BE(4), renamed.readUInt32BE(8)]).toEqual([0xabc, 0xabc]);
    const toRoom = both();
    renameSsrc(toRoom, 0x5000, 0xabc, { feedbackSender: false });
    expect([toRoom.readUInt32BE(4), toRoom.readUInt32BE(8)]).toEqual([0x5000, 0xabc]);
    const firToRoom = words(head(4, 206, 4), 0x5000, 0, 0x5000, 0x01000000);
    renameSsrc(firToRoom, 0x5000, 0xabc, { feedbackSender: false });
    expect([firToRoom.readUInt32BE(4), firToRoom.readUInt32BE(12)]).toEqual([0x5000, 0xabc]);
  });

  describe('RFC 2032 FIR (PT 192)', () => {
    const fir2032 = words(head(0, 192, 1), 0x22222222); // the room's own SSRC, nothing else
    const nack2032 = words(head(0, 193, 1), 0x22222222, 0x00050000);
    const asPli = words(head(1, 206, 2), 0x33333333, 0x44444444);

    it('is not taken for an RFC 4585/5104 request by itself, but is found', () => {
      expect(hasKeyframeRequest(fir2032)).toBe(false);
      expect(hasRfc2032(fir2032)).toBe(true);
      expect(hasRfc2032(Buffer.concat([rr, nack2032]))).toBe(true);
      expect(hasRfc2032(Buffer.concat([rr, pli, fir]))).toBe(false);
    });

    it('becomes one PLI about the stream the room receives, in place, the rest of the compound kept', () => {
      const out = rfc2032AsPli(Buffer.concat([rr, fir2032, nack, fir2032]), 0x33333333, 0x44444444);
      expect(out?.equals(Buffer.concat([rr, asPli, nack]))).toBe(true);
      expect(keyframeRequestSsrcs(out!)).toEqual([0x44444444]);
      expect(rfc2032AsPli(fir2032, 0x33333333, 0x44444444)?.equals(asPli)).toBe(true);
    });

    it('is left out with RFC 2032 NACKs when the room has been sent nothing', () => {
      expect(rfc2032AsPli(Buffer.concat([fir2032, rr]), 1, undefined)?.equals(rr)).toBe(true);
      expect(rfc2032AsPli(Buffer.concat([nack2032, fir2032]), 1, undefined)).toBeUndefined();
    });

    it('ends the compound at a malformed packet instead of reading past it', () => {
      const long = words(head(0, 192, 7), 0x22222222); // says 32 bytes, has 8
      expect(rfc2032AsPli(Buffer.concat([rr, long]), 1, 2)?.equals(rr)).toBe(true);
      expect(rfc2032AsPli(long, 1, 2)).toBeUndefined();
      const v1 = Buffer.from(fir2032);
      v1[0] = 0x40; // version 1
      expect(rfc2032AsPli(Buffer.concat([rr, v1, fir2032]), 1, 2)?.equals(rr)).toBe(true);
      for (let n = 0; n <= fir2032.length; n++) expect(() => rfc2032AsPli(fir2032.subarray(0, n), 1, 2)).not.toThrow();
    });
  });
});
