// Multi-picture layouts and the pane policy (pure): geometry, auto, filling, pins, bad input.
import { describe, expect, it } from 'vitest';
import {
  LAYOUTS,
  autoLayout,
  paneCount,
  paneRects,
  parseLayout,
  type FixedLayout,
} from '../../daemon/media/compositor/layouts.js';
import { outputClassOf } from '../../daemon/media/compositor/outputClass.js';
import { pickCjkFamily } from '../../daemon/media/compositor/cjkFont.js';
import { Multiview, fill, type PlanTarget, type Seat } from '../../daemon/conference/multiview.js';
import { VcError } from '../../daemon/errors.js';
import { viewingOf } from '../../daemon/conference/pictures.js';

const area = (l: FixedLayout, w: number, h: number): number => paneRects(l, w, h).reduce((a, r) => a + r.w * r.h, 0);

describe('layouts', () => {
  it('has the pane counts operators expect', () => {
    const counts = Object.fromEntries(LAYOUTS.filter((l) => l !== 'auto').map((l) => [l, paneCount(l as FixedLayout)]));
    expect(counts).toEqual({ '1': 1, '2x2': 4, '3x3': 9, '4x4': 16, '5x5': 25, '1+5': 6, '1+7': 8, '1+12': 13 });
  });

  it('tiles the whole canvas without overlap, on even pixels', () => {
    for (const l of LAYOUTS) {
      if (l === 'auto') continue;
      for (const [w, h] of [
        [1280, 720],
        [352, 288],
        [720, 576],
      ] as const) {
        expect(area(l, w, h)).toBe(w * h);
        for (const r of paneRects(l, w, h)) expect([r.x % 2, r.y % 2, r.w % 2, r.h % 2]).toEqual([0, 0, 0, 0]);
      }
    }
  });

  it('puts the large pane of 1+N first: 1+5 two thirds top-left, 1+12 in the centre', () => {
    expect(paneRects('1+5', 1200, 600)[0]).toEqual({ x: 0, y: 0, w: 800, h: 400 });
    expect(paneRects('1+12', 1280, 720)[0]).toEqual({ x: 320, y: 180, w: 640, h: 360 });
    expect(paneRects('4x4', 1280, 720)[5]).toEqual({ x: 320, y: 180, w: 320, h: 180 });
  });

  it('auto grows with the connected sites: 21 sites get 5x5', () => {
    expect([0, 1, 2, 4, 5, 9, 10, 16, 17, 21].map(autoLayout)).toEqual([
      '1',
      '1',
      '2x2',
      '2x2',
      '3x3',
      '3x3',
      '4x4',
      '4x4',
      '5x5',
      '5x5',
    ]);
  });

  it('names an unknown layout and lists the valid ones', () => {
    expect(() => parseLayout('6x6')).toThrow(/unknown layout "6x6" \(one of 1, 2x2/);
  });
});

describe('output classes', () => {
  it('follows the H.264 level the room negotiated; VP8 gets 720p', () => {
    expect(outputClassOf('H264/1', { fmtp: 'packetization-mode=1;profile-level-id=42e01f' })).toMatchObject({
      width: 1280,
      height: 720,
    });
    expect(outputClassOf('H264/0', { fmtp: 'profile-level-id=42801e' })).toMatchObject({ width: 720, height: 576 });
    expect(outputClassOf('H264/0', { fmtp: 'profile-level-id=42800d' })).toMatchObject({
      width: 352,
      height: 288,
      fps: 15,
    });
    expect(outputClassOf('VP8')).toMatchObject({ key: 'VP8', width: 1280, height: 720 });
  });
});

describe('CJK font choice', () => {
  it('prefers Noto, takes WenQuanYi, finds nothing in an empty list', () => {
    expect(pickCjkFamily('WenQuanYi Zen Hei,文泉驛正黑\nNoto Sans CJK SC,Noto Sans CJK SC Regular\n')).toBe(
      'Noto Sans CJK SC',
    );
    expect(pickCjkFamily('WenQuanYi Zen Hei Mono,文泉驛等寬正黑\n')).toBe('WenQuanYi Zen Hei Mono');
    expect(pickCjkFamily('')).toBeUndefined();
  });
});

const seats: Seat[] = [
  { id: 'mihe', label: '米河镇', video: true, connected: true },
  { id: 'zhulin', label: '竹林镇', video: false, connected: false },
  { id: 'xiaoguan', label: '小关镇', video: true, connected: true },
  { id: 'city', label: '市政府', video: true, connected: true },
];
const cls = { key: 'H264/1' as const, width: 1280, height: 720, fps: 25, kbps: 1500 };
const target = (id: string, o: Partial<PlanTarget> = {}): PlanTarget => ({
  id,
  cls,
  view: null,
  canDecodeView: true,
  ...o,
});

describe('pane filling', () => {
  it('puts the floor in pane 1, then connected sites in order, then the missing ones as placeholders', () => {
    const panes = fill(6, seats, 'city');
    expect(panes.map((p) => p.site)).toEqual(['city', 'mihe', 'xiaoguan', 'zhulin', null, null]);
    expect(panes[3]).toEqual({ sourceId: null, label: '竹林镇', site: 'zhulin' });
    expect(panes[0]).toEqual({ sourceId: 'city', label: '市政府', site: 'city' });
  });

  it('keeps pinned panes where the operator put them', () => {
    const panes = fill(
      4,
      seats,
      'city',
      new Map([
        [0, 'zhulin'],
        [3, 'mihe'],
      ]),
    );
    expect(panes.map((p) => p.site)).toEqual(['zhulin', 'city', 'xiaoguan', 'mihe']);
  });
});

describe('Multiview', () => {
  it('is off by default: nobody gets a composed picture unless it cannot decode its view', () => {
    const m = new Multiview();
    expect(m.plan([target('mihe', { view: 'city' })], seats, 'city').size).toBe(0);
    const tx = m.plan([target('mihe', { view: 'city', canDecodeView: false })], seats, 'city');
    expect(tx.get('mihe')).toMatchObject({
      canvasId: 'tx:city|H264/1@1280x720p25',
      spec: { layout: '1', panes: [{ sourceId: 'city', site: 'city' }] },
    });
    // conf show names what the room sees by the source, not by the canvas
    const pic = tx.get('mihe')!;
    expect(viewingOf(`canvas:${pic.canvasId}`, pic)).toBe('city');
    expect(viewingOf('zhulin', pic)).toBe('zhulin');
    const grid = new Multiview();
    grid.setLayout('2x2');
    const g = grid.plan([target('mihe')], seats, null).get('mihe')!;
    expect(viewingOf(`canvas:${g.canvasId}`, g)).toBe('layout:2x2');
    expect(viewingOf(null, undefined)).toBeNull();
    // the room's view still shows the previous canvas for a moment after a change: never its id
    expect(viewingOf(`canvas:${pic.canvasId}`, g)).toBe('city');
    expect(viewingOf(`canvas:${pic.canvasId}`, undefined)).toBe('city');
    expect(viewingOf(`canvas:${g.canvasId}`, pic)).toBe('layout');
  });

  it('shares one canvas per class for the conference layout; a personal layout gets its own', () => {
    const m = new Multiview();
    m.setLayout('2x2');
    m.setLayout('1+5', 'city');
    const plan = m.plan([target('mihe'), target('xiaoguan'), target('city')], seats, 'mihe');
    expect(plan.get('mihe')!.canvasId).toBe(plan.get('xiaoguan')!.canvasId);
    expect(plan.get('city')!.canvasId).toBe('site:city|H264/1@1280x720p25');
    expect(plan.get('city')!.spec.layout).toBe('1+5');
    m.setLayout('default', 'city');
    expect(m.plan([target('city')], seats, null).get('city')!.spec.layout).toBe('2x2');
  });

  it('auto counts connected sites; the banner reaches every canvas', () => {
    const m = new Multiview();
    m.setLayout('auto');
    m.setBanner('防汛会商\n第一次');
    const p = m.plan([target('mihe')], seats, null).get('mihe')!;
    expect(p.spec.layout).toBe('2x2');
    expect(p.spec.banner).toBe('防汛会商 第一次');
  });

  it('refuses bad input with a message naming it, changing nothing', () => {
    const m = new Multiview();
    expect(() => Multiview.parseChoice('7x7', false)).toThrow(VcError);
    expect(() => m.setPane(1, 'mihe')).toThrow(/no multi-picture layout/);
    m.setLayout('2x2');
    expect(() => m.setPane(5, 'mihe')).toThrow(/pane 5 is out of range: layout 2x2 has panes 1-4/);
    expect(() => m.setPane(0, 'mihe')).toThrow(/out of range/);
    expect(() => m.setBanner('x'.repeat(61))).toThrow(/at most 60/);
    expect(() => m.setBanner('  ')).toThrow(/empty/);
    expect(m.view()).toEqual({ layout: '2x2', banner: null, personal: {}, pins: {} });
  });

  it('a pinned site moves rather than appearing twice; auto frees the pane', () => {
    const m = new Multiview();
    m.setLayout('2x2');
    m.setPane(2, 'zhulin');
    m.setPane(4, 'zhulin');
    expect(m.view().pins).toEqual({ conference: { 4: 'zhulin' } });
    m.setPane(4, null);
    expect(m.view().pins).toEqual({});
  });
});
