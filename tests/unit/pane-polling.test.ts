// Polling one pane of a multi-picture layout (轮巡 in a pane): MeetingControl pins each polled site
// into the pane, gives the pane back to automatic filling when the polling stops, and refuses a
// missing layout or pane without changing anything. The host stands in for a conference (its rules
// are checked with real rooms in tests/integration/compositor-daemon.test.ts); the clock is manual.
import { describe, expect, it } from 'vitest';
import { MeetingControl, type ControlHost } from '../../daemon/conference/MeetingControl.js';
import { VcError } from '../../daemon/errors.js';
import { ManualClock } from '../helpers/manualClock.js';
import { reasonText } from '../../protocol/index.js';

const T0 = Date.parse('2026-12-07T01:00:00Z');
const SITES = ['city', 'mihe', 'xiaoguan', 'zhulin'];

function setup(up = new Set(SITES)) {
  const clock = new ManualClock(T0);
  const events: string[] = [];
  let applied = 0;
  const host: ControlHost = {
    conferenceId: 'c1',
    clock,
    assertLive: () => undefined,
    require: (id) => {
      if (!SITES.includes(id)) throw new VcError('PARTICIPANT_UNKNOWN', `${id} is not in the meeting`);
    },
    everyone: () => [...SITES],
    rollcallDefault: () => SITES.slice(1),
    present: () => SITES.filter((s) => up.has(s)),
    showable: (_t, id) => up.has(id),
    floor: () => null,
    setFloor: () => undefined,
    event: (m) => events.push(typeof m === 'string' ? m : reasonText(m)),
    apply: () => void applied++,
    startCompositor: () => Promise.resolve(),
    checkCompositor: () => undefined,
    publish: () => undefined,
    emitState: () => undefined,
  };
  const mc = new MeetingControl(host);
  return { clock, events, mc, up, applied: () => applied };
}

describe('polling a pane', () => {
  it('pins the connected sites of the list into the pane one after the other, then gives the pane back', async () => {
    const { clock, mc, up } = setup();
    mc.setLayout('2x2');
    up.delete('xiaoguan');
    mc.poll({ intervalSeconds: 10, sites: ['mihe', 'xiaoguan', 'zhulin'], target: null, pane: 3 });
    expect(mc.multiview.view().pins).toEqual({ conference: { 3: 'mihe' } });
    expect(mc.view().polling).toMatchObject({ pane: 3, target: null, current: 'mihe', next: 'zhulin' });
    // a polled pane changes no switched view
    expect(mc.polled).toBeUndefined();
    await clock.advance(10_000);
    expect(mc.multiview.view().pins).toEqual({ conference: { 3: 'zhulin' } });
    await clock.advance(10_000);
    expect(mc.multiview.view().pins).toEqual({ conference: { 3: 'mihe' } });
    mc.stopPolling();
    expect(mc.multiview.view().pins).toEqual({});
    expect(mc.view().polling).toBeNull();
    expect(clock.pending).toBe(0);
  });

  it("walks a site's own layout with --for, leaving the conference's layout alone", async () => {
    const { clock, mc } = setup();
    mc.setLayout('2x2');
    mc.setPane(1, 'city');
    mc.setLayout('1+5', 'city');
    mc.poll({ intervalSeconds: 5, sites: null, target: 'city', pane: 2 });
    expect(mc.multiview.view().pins).toEqual({ conference: { 1: 'city' }, city: { 2: 'mihe' } });
    await clock.advance(5_000);
    expect(mc.multiview.view().pins).toEqual({ conference: { 1: 'city' }, city: { 2: 'xiaoguan' } });
    mc.stopPolling();
    expect(mc.multiview.view().pins).toEqual({ conference: { 1: 'city' } });
  });

  it('skips a site the operator pinned to another pane, and keeps that pin', async () => {
    const { clock, mc } = setup();
    mc.setLayout('3x3');
    mc.setPane(1, 'mihe');
    mc.poll({ intervalSeconds: 10, sites: ['mihe', 'xiaoguan'], target: null, pane: 5 });
    expect(mc.multiview.view().pins).toEqual({ conference: { 1: 'mihe', 5: 'xiaoguan' } });
    await clock.advance(10_000);
    expect(mc.multiview.view().pins).toEqual({ conference: { 1: 'mihe', 5: 'xiaoguan' } });
    expect(() => mc.setPane(5, 'zhulin')).toThrow(/pane 5 is being polled/);
    mc.setPane(6, 'zhulin');
    expect(mc.multiview.view().pins).toEqual({ conference: { 1: 'mihe', 5: 'xiaoguan', 6: 'zhulin' } });
  });

  it('refuses without a layout, a pane out of range, or --for a site without its own layout; nothing changes', () => {
    const { mc, clock } = setup();
    expect(() => mc.poll({ intervalSeconds: 10, sites: null, target: null, pane: 1 })).toThrow(
      /no multi-picture layout: set one with conf layout first/,
    );
    mc.setLayout('2x2');
    expect(() => mc.poll({ intervalSeconds: 10, sites: null, target: null, pane: 5 })).toThrow(
      /pane 5 is out of range: layout 2x2 has panes 1-4/,
    );
    expect(() => mc.poll({ intervalSeconds: 10, sites: null, target: 'city', pane: 2 })).toThrow(
      /city has no layout of its own/,
    );
    expect(() => mc.poll({ intervalSeconds: 2, sites: null, target: null, pane: 2 })).toThrow(/out of range/);
    expect(mc.view().polling).toBeNull();
    expect(mc.multiview.view().pins).toEqual({});
    expect(clock.pending).toBe(0);
  });

  it('a refused new polling leaves the running one (and its pane) as it was', () => {
    const { mc } = setup();
    mc.setLayout('2x2');
    mc.poll({ intervalSeconds: 10, sites: ['mihe'], target: null, pane: 4 });
    expect(() => mc.poll({ intervalSeconds: 10, sites: ['zhulin'], target: null, pane: 9 })).toThrow(/out of range/);
    expect(mc.view().polling).toMatchObject({ pane: 4, current: 'mihe' });
    expect(mc.multiview.view().pins).toEqual({ conference: { 4: 'mihe' } });
  });

  it('restarting on another pane gives the first pane back', () => {
    const { mc } = setup();
    mc.setLayout('2x2');
    mc.poll({ intervalSeconds: 10, sites: ['mihe'], target: null, pane: 4 });
    mc.poll({ intervalSeconds: 10, sites: ['zhulin'], target: null, pane: 2 });
    expect(mc.multiview.view().pins).toEqual({ conference: { 2: 'zhulin' } });
  });

  it('a layout without the polled pane ends the polling, said in the event log', () => {
    const { mc, events, clock } = setup();
    mc.setLayout('3x3');
    mc.poll({ intervalSeconds: 10, sites: null, target: null, pane: 7 });
    mc.setLayout('2x2');
    expect(mc.view().polling).toBeNull();
    expect(clock.pending).toBe(0);
    expect(events.at(-1)).toMatch(/polling stopped: pane 7 of the conference's layout is gone/);
    mc.setLayout('1+5', 'city');
    mc.poll({ intervalSeconds: 10, sites: null, target: 'city', pane: 6 });
    mc.setLayout('default', 'city');
    expect(mc.view().polling).toBeNull();
    expect(mc.multiview.view().pins).toEqual({});
  });
});
