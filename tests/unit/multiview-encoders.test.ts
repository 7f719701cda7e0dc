// Encoding once per output class (issue #13), as planned and as `conf show` reports it: rooms of one
// class on the conference layout get one picture, another class (VP8, a CIF H.264 level, packetization
// mode 0) its own, a personal layout one more; multiviewInfo() turns the compositor's usage into one
// encoder entry per picture (whose it is, its rooms in conference order, the program feed) and the
// sources it decodes / does not decode.
import { describe, expect, it } from 'vitest';
import { Multiview, type PlanTarget, type Seat } from '../../daemon/conference/multiview.js';
import { multiviewInfo } from '../../daemon/conference/pictures.js';
import { outputClassOf } from '../../daemon/media/compositor/outputClass.js';
import type { PicturesUsage } from '../../daemon/media/compositor/Pictures.js';
import { PROGRAM_TARGET } from '../../daemon/media/program/ProgramFeed.js';

const h264 = (pli: string, mode: 0 | 1 = 1): PlanTarget['cls'] =>
  outputClassOf(mode ? 'H264/1' : 'H264/0', { fmtp: `profile-level-id=${pli};packetization-mode=${mode}` });
const target = (id: string, cls: PlanTarget['cls']): PlanTarget => ({ id, cls, view: null, canDecodeView: true });
const SEATS: Seat[] = ['city', 'mihe', 'xiaoguan', 'zhulin', 'huiguo', 'cif', 'pm0'].map((id) => ({
  id,
  label: id,
  video: true,
  connected: true,
}));
const TARGETS = [
  target('city', h264('42e01f')),
  target('mihe', h264('42e01f')),
  target('xiaoguan', h264('42e01f')),
  target('zhulin', h264('42e01f')),
  target('huiguo', outputClassOf('VP8')),
  target('cif', h264('42e014')),
  target('pm0', h264('42e01f', 0)),
];

/** The compositor's usage when it runs exactly the planned pictures, with `decoding` fed. */
function usageOf(plan: ReturnType<Multiview['plan']>, decoding: string[]): PicturesUsage {
  const canvases = new Map<string, PicturesUsage['canvases'][number]>();
  for (const [t, p] of plan) {
    const c = canvases.get(p.canvasId) ?? { id: p.canvasId, cls: p.spec.cls, layout: p.spec.layout, targets: [] };
    c.targets.push(t);
    canvases.set(p.canvasId, c);
  }
  return {
    canvases: [...canvases.values()],
    decoding: decoding.map((id) => ({ id, live: id !== 'zhulin' })),
    idle: SEATS.map((s) => s.id).filter((id) => !decoding.includes(id)),
  };
}

describe('one encoder per output class', () => {
  it('same class on the conference layout: one picture; VP8, CIF and mode 0 each their own', () => {
    const mv = new Multiview();
    mv.setLayout('2x2');
    const plan = mv.plan(TARGETS, SEATS, null);
    const ids = (sites: string[]): Set<string> => new Set(sites.map((s) => plan.get(s)!.canvasId));
    expect(ids(['city', 'mihe', 'xiaoguan', 'zhulin']).size).toBe(1);
    expect(new Set([...plan.values()].map((p) => p.canvasId)).size).toBe(4);
    expect(plan.get('cif')!.spec.cls).toMatchObject({ key: 'H264/1', width: 352, height: 288 });
    expect(plan.get('pm0')!.spec.cls.key).toBe('H264/0');
    // the same panes for all: everyone on the conference layout sees the same picture
    expect(plan.get('huiguo')!.spec.panes).toEqual(plan.get('city')!.spec.panes);
  });

  it('a personal layout adds exactly one picture; default takes it away', () => {
    const mv = new Multiview();
    mv.setLayout('2x2');
    const count = (): number => new Set([...mv.plan(TARGETS, SEATS, null).values()].map((p) => p.canvasId)).size;
    expect(count()).toBe(4);
    mv.setLayout('1', 'mihe');
    expect(count()).toBe(5);
    mv.setLayout('default', 'mihe');
    expect(count()).toBe(4);
  });

  it('conf show: one encoder entry per picture with its class, owner, rooms (conference order) and the program feed', () => {
    const mv = new Multiview();
    mv.setLayout('2x2');
    mv.setLayout('1', 'mihe');
    const plan = mv.plan([...TARGETS].reverse(), SEATS, null);
    plan.set(PROGRAM_TARGET, plan.get('city')!);
    const order = SEATS.map((s) => s.id);
    const info = multiviewInfo(mv, plan, usageOf(plan, ['city', 'mihe', 'zhulin']), order);
    expect(info.encoders).toHaveLength(5);
    const conf = info.encoders!.find((e) => e.kind === 'conference' && e.codec === 'H264/1' && e.width === 1280);
    expect(conf).toMatchObject({ layout: '2x2', fps: 25, kbps: 1500, rooms: ['city', 'xiaoguan', 'zhulin'] });
    expect(conf!.program).toBe(true);
    expect(info.encoders!.find((e) => e.kind === 'personal')).toMatchObject({
      site: 'mihe',
      layout: '1',
      rooms: ['mihe'],
    });
    expect(info.encoders!.filter((e) => e.program)).toHaveLength(1);
    expect(info.decoding).toEqual([
      { source: 'city', live: true },
      { source: 'mihe', live: true },
      { source: 'zhulin', live: false },
    ]);
    expect(info.offScreen).toEqual(['xiaoguan', 'huiguo', 'cif', 'pm0']);
    // the program feed is no room
    expect(Object.keys(info.pictures)).not.toContain(PROGRAM_TARGET);
  });

  it('a transcoded picture names its source; no compositor: no encoder fields', () => {
    const mv = new Multiview();
    const plan = mv.plan([{ ...target('city', h264('42e01f')), view: 'huiguo', canDecodeView: false }], SEATS, null);
    const info = multiviewInfo(mv, plan, usageOf(plan, ['huiguo']));
    expect(info.encoders).toEqual([expect.objectContaining({ kind: 'transcoded', site: 'huiguo', rooms: ['city'] })]);
    const none = multiviewInfo(mv, plan);
    expect(none).not.toHaveProperty('encoders');
    expect(none).not.toHaveProperty('decoding');
  });
});
