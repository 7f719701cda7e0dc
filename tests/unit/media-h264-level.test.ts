// Level-aware switched view (issue #13): the picture size read from a source's SPS, the H.264 level
// limits (Table A-1) it is compared with, and the plan that follows: a room whose level does not take
// the source's picture gets a single-pane picture of its own class, one whose level does is forwarded.
import { describe, expect, it } from 'vitest';
import { parseSps, spsOfPayload } from '../../daemon/media/rtp/h264Sps.js';
import { fitsLevel, levelOf, maxFrameMbs } from '../../daemon/media/h264Level.js';
import { outputClassOf } from '../../daemon/media/compositor/outputClass.js';
import { pictureTargets } from '../../daemon/conference/pictures.js';
import { Multiview } from '../../daemon/conference/multiview.js';
import type { ConferenceMedia } from '../../daemon/media/ConferenceMedia.js';

/** SPS NAL units written by ffmpeg 5.1's libx264 (`-f h264`, testsrc) and by baresip 1.0 (avcodec). */
const SPS = {
  x264Baseline720p: '6742c01fd9005005bb011000000300100000030320f1832480',
  x264BaselineCif: '6742c00dd9016096c044000003000400000300c83c50a920',
  x264High1080p: '67640028acd940780227e5c044000003000400000300c83c60c658', // cropped from 1088
  x264Main320x240: '674d400deca0a0fd80880000030008000003019078a14cb0',
  x264HighQcif: '6764000bacd942c4ec0440000003004000000c83c50a6580',
  x264High444: '67f4001f919b280a00b76022000003000200000300641e30632c', // 4:4:4: crop units of 1
  x264High422: '677a001ebcd940d83de6f011000003000100000300320f162d96', // 854×480
  x264Interlaced576: '6764001eacd940b424d8088000000300800000190f8a14cb', // field pairs: 18 map units × 2
  x264Interlaced1080: '67640028acd94078044fde0220000003002000000643e2c5b2c0', // cropped by field pairs
  // baresip 1.0 (avcodec: libx264 baseline, ultrafast, zerolatency), as the bridge logged them
  baresip320x240: '6742c00dda0507e8400000030040000007a3c50aa800',
  baresip720p: '6742c01fda014016e8400000030040000007a3c60ca800',
} as const;
const nal = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** Writes an RBSP bit by bit (u(n), ue(v), se(v)), to build SPSs x264 never writes. */
class BitWriter {
  readonly bits: number[] = [];
  u(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push((v >> i) & 1);
    return this;
  }
  ue(v: number): this {
    const len = Math.floor(Math.log2(v + 1));
    return this.u(len, 0).u(len + 1, v + 1);
  }
  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }
  nal(): Buffer {
    this.u(1, 1); // rbsp_stop_one_bit
    while (this.bits.length % 8) this.bits.push(0);
    const out = [0x67];
    for (let i = 0; i < this.bits.length; i += 8) out.push(parseInt(this.bits.slice(i, i + 8).join(''), 2));
    return Buffer.from(out);
  }
}

describe('parseSps: the picture size an H.264 source sends', () => {
  it.each([
    ['x264Baseline720p', 66, 31, 80, 45, 1280, 720],
    ['x264BaselineCif', 66, 13, 22, 18, 352, 288],
    ['x264High1080p', 100, 40, 120, 68, 1920, 1080],
    ['x264Main320x240', 77, 13, 20, 15, 320, 240],
    ['x264HighQcif', 100, 11, 11, 9, 176, 144],
    ['x264High444', 244, 31, 80, 45, 1280, 720],
    ['x264High422', 122, 30, 54, 30, 854, 480],
    ['x264Interlaced576', 100, 30, 45, 36, 720, 576],
    ['x264Interlaced1080', 100, 40, 120, 68, 1920, 1080],
    ['baresip320x240', 66, 13, 20, 15, 320, 240],
    ['baresip720p', 66, 31, 80, 45, 1280, 720],
  ] as const)('%s', (name, profile, level, widthMbs, heightMbs, width, height) => {
    expect(parseSps(nal(SPS[name]))).toEqual({ profile, level, widthMbs, heightMbs, width, height });
  });

  it('reads past scaling matrices and picture order count type 1 (High profile, built bit by bit)', () => {
    const w = new BitWriter().u(8, 100).u(8, 0).u(8, 31).ue(0); // profile, constraints, level, sps id
    w.ue(1).ue(0).ue(0).u(1, 0); // 4:2:0, 8 bit, no bypass
    w.u(1, 1); // seq_scaling_matrix_present
    for (let i = 0; i < 8; i++) {
      w.u(1, i % 2); // lists 1, 3, 5, 7 present
      if (i % 2) for (let j = 0; j < (i < 6 ? 16 : 64); j++) w.se(j === 0 ? 8 : 1);
    }
    w.ue(0).ue(1).u(1, 0).se(-2).se(1).ue(3).se(1).se(-1).se(2); // frame_num, POC type 1 with a cycle of 3
    w.ue(4).u(1, 0).ue(79).ue(44).u(1, 1).u(1, 1).u(1, 0); // refs, 80×45 MBs, frame only, no cropping
    expect(parseSps(w.nal())).toMatchObject({ widthMbs: 80, heightMbs: 45, width: 1280, height: 720 });
  });

  it('emulation prevention bytes are taken out before reading', () => {
    // 2^24 - 1 reference frames (absurd, but the parser does not judge it): long runs of zero bits,
    // so the RBSP has 00 00 0x bytes, which a NAL unit must escape as 00 00 03 0x
    const w = new BitWriter().u(8, 66).u(8, 0xc0).u(8, 20).ue(0).ue(0).ue(0).ue(0);
    w.ue(2 ** 24 - 1)
      .u(1, 0)
      .ue(21)
      .ue(17)
      .u(1, 1)
      .u(1, 1)
      .u(1, 0);
    const rbsp = w.nal();
    const escaped: number[] = [];
    let zeros = 0;
    for (const b of rbsp) {
      if (zeros >= 2 && b <= 3) {
        escaped.push(3);
        zeros = 0;
      }
      escaped.push(b);
      zeros = b === 0 ? zeros + 1 : 0;
    }
    expect(escaped.length).toBeGreaterThan(rbsp.length);
    expect(parseSps(Buffer.from(escaped))).toMatchObject({ widthMbs: 22, heightMbs: 18, width: 352, height: 288 });
  });

  it('anything else is not read as a picture', () => {
    expect(parseSps(nal('6801ebe3cb22c0'))).toBeUndefined(); // a PPS
    expect(parseSps(nal(SPS.x264Baseline720p).subarray(0, 6))).toBeUndefined(); // cut short
    expect(parseSps(Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00]))).toBeUndefined();
    expect(parseSps(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('spsOfPayload: an SPS in an RTP payload (RFC 6184)', () => {
  const sps = nal(SPS.x264BaselineCif);
  const pps = nal('68ce3c80');
  it('a single NAL unit, one in a STAP-A, the first fragment of an FU-A', () => {
    expect(spsOfPayload(sps)).toEqual(sps);
    const stap = Buffer.concat([Buffer.from([0x78, 0, sps.length]), sps, Buffer.from([0, pps.length]), pps]);
    expect(spsOfPayload(stap)).toEqual(sps);
    const fuStart = Buffer.concat([Buffer.from([0x7c, 0x80 | 7]), sps.subarray(1)]);
    expect(parseSps(spsOfPayload(fuStart)!)).toMatchObject({ width: 352, height: 288 });
  });
  it('slices, a PPS, a later FU-A fragment: none', () => {
    expect(spsOfPayload(pps)).toBeUndefined();
    expect(spsOfPayload(Buffer.from([0x65, 0x88, 0x84]))).toBeUndefined();
    expect(spsOfPayload(Buffer.from([0x7c, 0x07, 0x42]))).toBeUndefined();
    expect(spsOfPayload(Buffer.from([0x78, 0, pps.length, ...pps]))).toBeUndefined();
  });
});

describe('H.264 levels (Table A-1)', () => {
  it('a room level from its profile-level-id, 3.1 when it names none, 1b both ways', () => {
    expect(levelOf('packetization-mode=1;profile-level-id=42e01f')).toBe(31);
    expect(levelOf('profile-level-id=42e014')).toBe(20);
    expect(levelOf('profile-level-id=42f00b')).toBe(9); // Baseline 1b: level 11 with constraint_set3
    expect(levelOf('profile-level-id=640009')).toBe(9);
    expect(levelOf('packetization-mode=0')).toBe(31);
    expect(levelOf(undefined)).toBe(31);
  });
  it('MaxFS: 2.0 = 396 (CIF), 3.0 = 1620, 3.1 = 3600 (720p), 4.0 = 8192 (1080p)', () => {
    expect([10, 11, 13, 20, 21, 22, 30, 31, 32, 40, 41, 51].map(maxFrameMbs)).toEqual([
      99, 396, 396, 396, 792, 1620, 1620, 3600, 5120, 8192, 8192, 36864,
    ]);
  });
  it('what fits: by macroblocks per frame and by the longest side', () => {
    const pic = (hex: string) => parseSps(nal(hex))!;
    expect(fitsLevel(pic(SPS.x264BaselineCif), 20)).toBe(true);
    expect(fitsLevel(pic(SPS.x264Main320x240), 20)).toBe(true);
    expect(fitsLevel(pic(SPS.x264Baseline720p), 20)).toBe(false);
    expect(fitsLevel(pic(SPS.x264Baseline720p), 30)).toBe(false);
    expect(fitsLevel(pic(SPS.x264Baseline720p), 31)).toBe(true);
    expect(fitsLevel(pic(SPS.x264High1080p), 31)).toBe(false);
    expect(fitsLevel(pic(SPS.x264High1080p), 40)).toBe(true);
    expect(fitsLevel(pic(SPS.x264Interlaced576), 30)).toBe(true);
    // 396 macroblocks in one row is not CIF: no side longer than √(8·396) ≈ 56
    expect(fitsLevel({ widthMbs: 99, heightMbs: 4 }, 20)).toBe(false);
  });
  it('a room gets an encoder of the size its level takes (the same level reading)', () => {
    const cif = outputClassOf('H264/0', { fmtp: 'profile-level-id=42e014' });
    expect(cif).toMatchObject({ width: 352, height: 288 });
    expect(fitsLevel({ widthMbs: cif.width / 16, heightMbs: cif.height / 16 }, 20)).toBe(true);
    const sd = outputClassOf('H264/0', { fmtp: 'profile-level-id=42e01e' });
    expect(fitsLevel({ widthMbs: sd.width / 16, heightMbs: sd.height / 16 }, 30)).toBe(true);
  });
});

describe('the switched view plan: forwarded when the level takes it, else transcoded', () => {
  const cls = (id: string) =>
    outputClassOf('H264/0', { fmtp: `profile-level-id=${id === 'cif' ? '42e014' : '42e01f'}` });
  /** cif and city both view hd; hd's picture is too large for cif only. */
  const media = {
    legIds: ['city', 'hd', 'cif'],
    outputClass: cls,
    forwards: (t: string, s: string) => !(t === 'cif' && s === 'hd'),
  } as unknown as ConferenceMedia;
  const seats = ['city', 'hd', 'cif'].map((id) => ({ id, label: id, video: true, connected: true }));
  const decision = {
    source: 'hd',
    muted: new Map(),
    views: new Map<string, string | null>([
      ['city', 'hd'],
      ['hd', 'city'],
      ['cif', 'hd'],
    ]),
  };

  it('only the CIF room gets a picture (a single pane of hd, CIF): one encoder', () => {
    const plan = new Multiview().plan(pictureTargets(media, decision), seats, 'hd');
    expect([...plan.keys()]).toEqual(['cif']);
    const p = plan.get('cif')!;
    expect(p.canvasId).toMatch(/^tx:hd\|/);
    expect(p.spec).toMatchObject({ layout: '1', cls: { width: 352, height: 288 }, panes: [{ sourceId: 'hd' }] });
  });

  it('the CIF room viewing a source its level takes: no picture at all', () => {
    const views = new Map(decision.views).set('cif', 'city');
    expect(new Multiview().plan(pictureTargets(media, { ...decision, views }), seats, 'hd').size).toBe(0);
  });
});
