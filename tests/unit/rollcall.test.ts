// Roll call (点名): `conf floor ID --next/--previous [--sites]` steps the floor through a list of
// connected sites; a refused step (no site of a new list connected) changes neither the floor nor
// the list the next steps walk.
import { describe, expect, it } from 'vitest';
import { MeetingControl, type ControlHost } from '../../daemon/conference/MeetingControl.js';
import { VcError } from '../../daemon/errors.js';
import { ManualClock } from '../helpers/manualClock.js';
import { refused } from '../helpers/errorTemplates.js';

const SITES = ['city', 'mihe', 'zhulin', 'xiaoyi', 'huiguo'];

function meeting(present: Set<string>) {
  let floor: string | null = null;
  const host: ControlHost = {
    conferenceId: 'c-test',
    clock: new ManualClock(Date.parse('2026-12-07T01:00:00Z')),
    assertLive: () => undefined,
    require: (id) => {
      if (!SITES.includes(id)) throw new VcError('PARTICIPANT_UNKNOWN', `no site ${id}`);
    },
    everyone: () => [...SITES],
    rollcallDefault: () => SITES.filter((s) => s !== 'city'),
    present: () => SITES.filter((s) => present.has(s)),
    showable: (_t, id) => present.has(id),
    floor: () => floor,
    setFloor: (id) => void (floor = id),
    event: () => undefined,
    apply: () => undefined,
    startCompositor: async () => undefined,
    checkCompositor: () => undefined,
    publish: () => undefined,
    emitState: () => undefined,
  };
  return { control: new MeetingControl(host), floor: () => floor };
}

describe('roll call through a list', () => {
  it('walks the default list (every site but the chair), skipping sites not connected, both ways', () => {
    const m = meeting(new Set(['city', 'mihe', 'xiaoyi', 'huiguo']));
    expect(m.control.stepFloor('next')).toBe('mihe');
    expect(m.control.stepFloor('next')).toBe('xiaoyi'); // zhulin is not connected
    expect(m.control.stepFloor('next')).toBe('huiguo');
    expect(m.control.stepFloor('next')).toBe('mihe'); // wraps around
    expect(m.control.stepFloor('previous')).toBe('huiguo');
    expect(m.control.view().rollcall).toBeUndefined(); // no list given: the default, not stored
  });

  it('keeps a given list for the next steps', () => {
    const m = meeting(new Set(SITES));
    expect(m.control.stepFloor('next', ['zhulin', 'mihe'])).toBe('zhulin');
    expect(m.control.view().rollcall).toEqual(['zhulin', 'mihe']);
    expect(m.control.stepFloor('next')).toBe('mihe');
    expect(m.control.stepFloor('next')).toBe('zhulin');
  });

  it('a refused step (no site of the new list connected) changes neither the floor nor the list', () => {
    const m = meeting(new Set(['city', 'mihe', 'zhulin']));
    m.control.stepFloor('next', ['mihe', 'zhulin']);
    expect(m.floor()).toBe('mihe');
    const e = refused(() => m.control.stepFloor('next', ['xiaoyi', 'huiguo']));
    expect(e.code).toBe('PARTICIPANT_UNKNOWN');
    expect(e.message).toContain('xiaoyi, huiguo');
    expect(m.floor()).toBe('mihe');
    expect(m.control.view().rollcall).toEqual(['mihe', 'zhulin']);
    // the old list goes on where it was
    expect(m.control.stepFloor('next')).toBe('zhulin');
  });

  it('refuses an empty list and a site that is not in the meeting, changing nothing', () => {
    const m = meeting(new Set(SITES));
    m.control.stepFloor('next', ['huiguo']);
    expect(refused(() => m.control.stepFloor('next', [])).code).toBe('BAD_REQUEST');
    expect(refused(() => m.control.stepFloor('next', ['mihe', 'nowhere'])).code).toBe('PARTICIPANT_UNKNOWN');
    expect(m.floor()).toBe('huiguo');
    expect(m.control.view().rollcall).toEqual(['huiguo']);
  });
});
