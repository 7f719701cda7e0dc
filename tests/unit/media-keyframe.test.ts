// Keyframe-start detection on RTP payloads (VP8 per RFC 7741, H.264 per RFC 6184).
import { describe, expect, it } from 'vitest';
import { isH264KeyframeStart, isVp8KeyframeStart } from '../../daemon/media/rtp/keyframe.js';

const b = (...x: number[]): Buffer => Buffer.from(x);

describe('VP8 keyframe start', () => {
  it('needs S=1, partition 0 and the P bit clear, after any descriptor extension', () => {
    expect(isVp8KeyframeStart(b(0x10, 0x10, 0x02, 0x00, 0x9d))).toBe(true);
    expect(isVp8KeyframeStart(b(0x10, 0x11, 0x02, 0x00))).toBe(false); // delta frame
    expect(isVp8KeyframeStart(b(0x00, 0x10, 0x02, 0x00))).toBe(false); // not the first packet
    expect(isVp8KeyframeStart(b(0x11, 0x10, 0x02, 0x00))).toBe(false); // partition 1
    // X=1, I with a 15-bit picture id, L (TL0PICIDX), T/K byte: payload header at index 6.
    expect(isVp8KeyframeStart(b(0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x50, 0x02))).toBe(true);
    expect(isVp8KeyframeStart(b(0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x51, 0x02))).toBe(false);
    // X=1, I with a 7-bit picture id only: header at index 3.
    expect(isVp8KeyframeStart(b(0x90, 0x80, 0x12, 0x30))).toBe(true);
  });
});

describe('H.264 keyframe start', () => {
  it('sees SPS and IDR as single NALs, inside STAP-A, and at the start of an FU-A', () => {
    expect(isH264KeyframeStart(b(0x67, 0x42, 0xc0))).toBe(true); // SPS
    expect(isH264KeyframeStart(b(0x65, 0x88))).toBe(true); // IDR slice
    expect(isH264KeyframeStart(b(0x41, 0x9a))).toBe(false); // non-IDR slice
    expect(isH264KeyframeStart(b(0x68, 0xce))).toBe(false); // PPS alone
    expect(isH264KeyframeStart(b(0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x03, 0x67, 0x42, 0xc0))).toBe(true); // STAP-A: SEI, SPS
    expect(isH264KeyframeStart(b(0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x41, 0x9a))).toBe(false); // STAP-A: SEI, P
    expect(isH264KeyframeStart(b(0x7c, 0x85, 0x88))).toBe(true); // FU-A start of IDR
    expect(isH264KeyframeStart(b(0x7c, 0x05, 0x88))).toBe(false); // FU-A middle of IDR
    expect(isH264KeyframeStart(b(0x7c, 0x81, 0x88))).toBe(false); // FU-A start of a P slice
  });
});
