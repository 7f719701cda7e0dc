import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduleAddParams, ScheduleConflict } from '../../protocol/index.js';
import { VcError } from '../../daemon/errors.js';
import { formatWall } from '../../daemon/scheduler/zonedTime.js';
import { ALICE, harness, siteConfig, type Harness } from '../helpers/schedulerFixture.js';

// Booking against a real SQLite file: validation, conflicts, force, list/show/edit/cancel.

const NOW = Date.UTC(2026, 11, 1, 0, 0); // Tue 2026-12-01 08:00 in Shanghai
const SH = 'Asia/Shanghai';

function errorOf(fn: () => unknown): VcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VcError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const weekly: ScheduleAddParams = {
  title: '周一例会',
  start: '2026-12-07 09:00',
  durationMinutes: 90,
  rrule: 'FREQ=WEEKLY;BYDAY=MO',
  group: 'towns',
  upstream: 'zhengzhou',
};

let h: Harness;
beforeEach(() => {
  h = harness({
    now: NOW,
    start: false,
    config: siteConfig({ scheduler: { maxConcurrentConferences: 2, maxLegs: 6 } }),
  });
});
afterEach(async () => {
  await h.close();
});

describe('booking: validation', () => {
  it.each<[string, Partial<ScheduleAddParams>, string, RegExp]>([
    [
      'a start in the past',
      { start: '2026-11-30 09:00' },
      'SCHEDULE_INVALID',
      /start 2026-11-30 09:00 Asia\/Shanghai is in the past/,
    ],
    ['a zero duration', { durationMinutes: 0 }, 'SCHEDULE_INVALID', /duration must be more than 0 minutes, got 0/],
    ['a negative duration', { durationMinutes: -30 }, 'SCHEDULE_INVALID', /more than 0 minutes, got -30/],
    [
      'an unknown endpoint',
      { group: undefined, endpoints: ['xiaoguan', 'nope'] },
      'ENDPOINT_UNKNOWN',
      /unknown endpoint "nope" \(known endpoints: zhengzhou, xiaoguan/,
    ],
    [
      'an unknown group',
      { group: 'villages' },
      'GROUP_UNKNOWN',
      /unknown group "villages" \(known groups: towns, empty\)/,
    ],
    ['a group without endpoints', { group: 'empty' }, 'SCHEDULE_INVALID', /group "empty" has no endpoints/],
    ['no participants', { group: undefined, upstream: undefined }, 'SCHEDULE_INVALID', /no participants/],
    [
      'a bad RRULE',
      { rrule: 'FREQ=WEEKLY;BYDAY=MONDAY' },
      'SCHEDULE_INVALID',
      /bad recurrence rule "FREQ=WEEKLY;BYDAY=MONDAY": BYDAY must list days/,
    ],
    [
      'UNTIL before the start',
      { rrule: 'FREQ=WEEKLY;UNTIL=20261130' },
      'SCHEDULE_INVALID',
      /no occurrence: it ends \(UNTIL\) before its start 2026-12-07 09:00/,
    ],
    [
      'an upstream that is a town',
      { upstream: 'xiaoguan' },
      'SCHEDULE_INVALID',
      /"xiaoguan" is a town endpoint, not an upstream link/,
    ],
    ['an unknown time zone', { timezone: 'Asia/Gongyi' }, 'SCHEDULE_INVALID', /unknown time zone "Asia\/Gongyi"/],
    [
      'a start that is not a time',
      { start: 'Monday morning' },
      'SCHEDULE_INVALID',
      /start "Monday morning" is not a time/,
    ],
    ['an unknown chair', { chair: 'boss' }, 'ENDPOINT_UNKNOWN', /unknown chair "boss"/],
  ])('refuses %s with a message naming it, and stores nothing', (_name, over, code, msg) => {
    const e = errorOf(() => h.scheduler.add({ ...weekly, ...over }, ALICE));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(msg);
    expect(h.store.schedules.list({ includeCancelled: true })).toEqual([]);
  });

  it('takes the site time zone when none is given, and reads the start in it', () => {
    const r = h.scheduler.add(weekly, ALICE);
    expect(r.schedule).toMatchObject({
      timezone: SH,
      start: '2026-12-07T01:00:00.000Z',
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      durationMinutes: 90,
      upstream: 'zhengzhou',
    });
    expect(r.schedule.endpoints).toEqual(['xiaoguan', 'zhulin', 'mihe']);
    expect(r.schedule.upcoming.map((o) => formatWall(Date.parse(o.start), SH)).slice(0, 3)).toEqual([
      '2026-12-07 09:00',
      '2026-12-14 09:00',
      '2026-12-21 09:00',
    ]);
    const berlin = h.scheduler.add(
      {
        ...weekly,
        title: 'Berlin',
        group: undefined,
        upstream: undefined,
        endpoints: ['jiaoyu'],
        timezone: 'Europe/Berlin',
      },
      ALICE,
    );
    expect(berlin.schedule.start).toBe('2026-12-07T08:00:00.000Z');
  });

  it('moves a start the rule does not generate onto the first real occurrence', () => {
    const r = h.scheduler.add({ ...weekly, start: '2026-12-08 09:00' }, ALICE);
    expect(formatWall(Date.parse(r.schedule.start), SH)).toBe('2026-12-14 09:00');
  });
});

describe('booking: conflicts', () => {
  it('an endpoint booked in an overlapping occurrence is a conflict naming the meeting and the times', () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    const e = errorOf(() =>
      h.scheduler.add(
        { title: 'Xiaoguan review', start: '2026-12-14 10:00', durationMinutes: 60, endpoints: ['xiaoguan', 'jiaoyu'] },
        ALICE,
      ),
    );
    expect(e.code).toBe('SCHEDULE_CONFLICT');
    expect(e.message).toContain(
      `xiaoguan is already booked in "周一例会" (${a.id}) 2026-12-14 09:00–10:30 Asia/Shanghai`,
    );
    expect(e.message).toMatch(/--force/);
    const conflicts = (e.details as { conflicts: ScheduleConflict[] }).conflicts;
    expect(conflicts).toEqual([
      expect.objectContaining({
        kind: 'endpoint',
        endpoints: ['xiaoguan'],
        occurrenceStart: '2026-12-14T02:00:00.000Z',
        meetings: [
          { scheduleId: a.id, title: '周一例会', start: '2026-12-14T01:00:00.000Z', end: '2026-12-14T02:30:00.000Z' },
        ],
      }),
    ]);
    // back to back is fine
    expect(() =>
      h.scheduler.add(
        { title: 'After', start: '2026-12-14 10:30', durationMinutes: 60, endpoints: ['xiaoguan'] },
        ALICE,
      ),
    ).not.toThrow();
  });

  it('the upstream link used by another overlapping meeting is an upstream conflict', () => {
    h.scheduler.add(weekly, ALICE);
    const e = errorOf(() =>
      h.scheduler.add(
        {
          title: 'Bureaus with Zhengzhou',
          start: '2026-12-07 10:00',
          durationMinutes: 30,
          endpoints: ['jiaoyu'],
          upstream: 'zhengzhou',
        },
        ALICE,
      ),
    );
    expect(e.code).toBe('SCHEDULE_CONFLICT');
    const c = (e.details as { conflicts: ScheduleConflict[] }).conflicts;
    expect(c.map((x) => x.kind)).toEqual(['upstream']);
    expect(c[0]!.message).toMatch(/upstream link zhengzhou is already used by "周一例会"/);
  });

  it('more conferences at once than the site allows is a capacity conflict', () => {
    h.scheduler.add({ title: 'A', start: '2026-12-10 14:00', durationMinutes: 60, endpoints: ['jiaoyu'] }, ALICE);
    h.scheduler.add({ title: 'B', start: '2026-12-10 14:30', durationMinutes: 60, endpoints: ['gongan'] }, ALICE);
    const e = errorOf(() =>
      h.scheduler.add({ title: 'C', start: '2026-12-10 14:45', durationMinutes: 30, endpoints: ['caizheng'] }, ALICE),
    );
    expect(e.code).toBe('SCHEDULE_CONFLICT');
    const c = (e.details as { conflicts: ScheduleConflict[] }).conflicts;
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ kind: 'capacity' });
    expect(c[0]!.message).toMatch(
      /3 conferences at once \(at most 2\) at 2026-12-10 14:45 Asia\/Shanghai with "A" .*"B"/,
    );
    // after A ends there is room
    expect(() =>
      h.scheduler.add({ title: 'D', start: '2026-12-10 15:00', durationMinutes: 30, endpoints: ['caizheng'] }, ALICE),
    ).not.toThrow();
  });

  it('more legs at once than the site allows is a capacity conflict', () => {
    h.scheduler.add(
      { title: 'Towns', start: '2026-12-10 14:00', durationMinutes: 60, group: 'towns', upstream: 'zhengzhou' },
      ALICE,
    ); // 4 legs
    const e = errorOf(() =>
      h.scheduler.add(
        {
          title: 'Bureaus',
          start: '2026-12-10 14:30',
          durationMinutes: 60,
          endpoints: ['jiaoyu', 'gongan', 'caizheng'],
        },
        ALICE,
      ),
    );
    expect((e.details as { conflicts: ScheduleConflict[] }).conflicts[0]!.message).toMatch(
      /7 legs at once \(at most 6\)/,
    );
  });

  it('a series is booked all-or-nothing: one colliding occurrence months ahead refuses the whole series', () => {
    const one = h.scheduler.add(
      { title: 'Spring review', start: '2027-03-01 09:30', durationMinutes: 30, endpoints: ['mihe'] },
      ALICE,
    ).schedule;
    const e = errorOf(() => h.scheduler.add(weekly, ALICE));
    expect(e.code).toBe('SCHEDULE_CONFLICT');
    const c = (e.details as { conflicts: ScheduleConflict[] }).conflicts;
    expect(c.map((x) => [x.occurrenceStart, x.meetings[0]!.scheduleId])).toEqual([
      ['2027-03-01T01:00:00.000Z', one.id],
    ]);
    expect(h.store.schedules.list().map((s) => s.id)).toEqual([one.id]);
  });

  it('--force books anyway, marks the schedule and writes the override to the audit log', () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    const r = h.scheduler.add(
      { title: 'Urgent', start: '2026-12-07 09:30', durationMinutes: 30, endpoints: ['xiaoguan'], force: true },
      { name: 'bob', role: 'operator' },
    );
    expect(r.overridden).toEqual([
      expect.objectContaining({ kind: 'endpoint', meetings: [expect.objectContaining({ scheduleId: a.id })] }),
    ]);
    expect(r.schedule.forced).toBe(true);
    const audit = h.store.audit.list().filter((x) => x.method === 'schedule.override');
    expect(audit).toEqual([expect.objectContaining({ actor: 'bob', role: 'operator', result: 'ok' })]);
    expect(audit[0]!.params).toMatchObject({
      action: 'add',
      scheduleId: r.schedule.id,
      total: 1,
      conflicts: [expect.objectContaining({ kind: 'endpoint' })],
    });
  });

  it('a cancelled occurrence frees its slot; a cancelled series frees all of them', () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    const clash = { title: 'Xiaoguan', start: '2026-12-14 09:00', durationMinutes: 30, endpoints: ['xiaoguan'] };
    expect(() => h.scheduler.add(clash, ALICE)).toThrow(/already booked/);
    return h.scheduler.cancel({ id: a.id, occurrence: '2026-12-14 09:00' }, ALICE).then(async (r) => {
      expect(r).toMatchObject({ scope: 'occurrence', occurrence: '2026-12-14T01:00:00.000Z' });
      expect(() => h.scheduler.add(clash, ALICE)).not.toThrow();
      await h.scheduler.cancel({ id: a.id }, ALICE);
      expect(() => h.scheduler.add({ ...clash, start: '2026-12-21 09:00' }, ALICE)).not.toThrow();
    });
  });
});

describe('listing, editing and cancelling', () => {
  it('lists occurrences (not series) in a window, with cancelled ones marked', async () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    const b = h.scheduler.add(
      { title: 'Bureaus', start: '2026-12-09 15:00', durationMinutes: 45, endpoints: ['jiaoyu'] },
      ALICE,
    ).schedule;
    await h.scheduler.cancel({ id: a.id, occurrence: '2026-12-14T01:00:00Z' }, ALICE);
    const list = h.scheduler.list({ from: '2026-12-01T00:00:00Z', to: '2026-12-22T00:00:00Z' });
    expect(list.map((o) => [o.scheduleId, formatWall(Date.parse(o.start), SH), o.state])).toEqual([
      [a.id, '2026-12-07 09:00', 'pending'],
      [b.id, '2026-12-09 15:00', 'pending'],
      [a.id, '2026-12-14 09:00', 'cancelled'],
      [a.id, '2026-12-21 09:00', 'pending'],
    ]);
    expect(list[0]).toMatchObject({
      end: '2026-12-07T02:30:00.000Z',
      timezone: SH,
      endpoints: ['xiaoguan', 'zhulin', 'mihe', 'zhengzhou'],
    });
    expect(() => h.scheduler.list({ from: '2026-12-22T00:00:00Z', to: '2026-12-01T00:00:00Z' })).toThrow(
      /must be after/,
    );
    const show = h.scheduler.show(a.id);
    expect(show.exceptions).toEqual([
      { occurrenceStart: '2026-12-14T01:00:00.000Z', kind: 'cancelled', newStart: null },
    ]);
  });

  it('edits the whole series (re-checking conflicts against others, not itself)', () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    h.scheduler.add({ title: 'Late', start: '2026-12-07 11:00', durationMinutes: 30, endpoints: ['mihe'] }, ALICE);
    const e = errorOf(() => h.scheduler.edit({ id: a.id, durationMinutes: 150 }, ALICE));
    expect(e.code).toBe('SCHEDULE_CONFLICT');
    const r = h.scheduler.edit({ id: a.id, durationMinutes: 100, title: '周一例会 (long)' }, ALICE);
    expect(r.schedule).toMatchObject({ id: a.id, durationMinutes: 100, title: '周一例会 (long)', start: a.start });
  });

  it('edits from an occurrence on: the series is split there and later occurrences get the change', () => {
    const a = h.scheduler.add({ ...weekly, rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6' }, ALICE).schedule;
    const r = h.scheduler.edit(
      { id: a.id, from: '2026-12-21 09:00', start: '2026-12-21 14:00', title: 'Afternoon meeting' },
      ALICE,
    );
    expect(r.previous).toMatchObject({ id: a.id, rrule: 'FREQ=WEEKLY;COUNT=2;BYDAY=MO' });
    expect(r.schedule).toMatchObject({ title: 'Afternoon meeting', rrule: 'FREQ=WEEKLY;COUNT=4;BYDAY=MO' });
    const list = h.scheduler.list({ from: '2026-12-01T00:00:00Z', to: '2027-02-01T00:00:00Z' });
    expect(list.map((o) => `${formatWall(Date.parse(o.start), SH)} ${o.title}`)).toEqual([
      '2026-12-07 09:00 周一例会',
      '2026-12-14 09:00 周一例会',
      '2026-12-21 14:00 Afternoon meeting',
      '2026-12-28 14:00 Afternoon meeting',
      '2027-01-04 14:00 Afternoon meeting',
      '2027-01-11 14:00 Afternoon meeting',
    ]);
    expect(() => h.scheduler.edit({ id: a.id, from: '2026-12-22 09:00', title: 'x' }, ALICE)).toThrow(
      /has no occurrence at 2026-12-22 09:00/,
    );
  });

  it('moves a single occurrence, checking the new slot for conflicts', () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    h.scheduler.add({ title: 'Mihe', start: '2026-12-15 09:00', durationMinutes: 30, endpoints: ['mihe'] }, ALICE);
    expect(() =>
      h.scheduler.edit({ id: a.id, occurrence: '2026-12-14 09:00', start: '2026-12-15 08:45' }, ALICE),
    ).toThrow(/already booked/);
    expect(() =>
      h.scheduler.edit({ id: a.id, occurrence: '2026-12-14 09:00', start: '2026-12-15 10:00', title: 'x' }, ALICE),
    ).toThrow(/changes only its start/);
    h.scheduler.edit({ id: a.id, occurrence: '2026-12-14 09:00', start: '2026-12-15 10:00' }, ALICE);
    const list = h.scheduler.list({ scheduleId: a.id, from: '2026-12-13T00:00:00Z', to: '2026-12-16T00:00:00Z' });
    expect(list).toEqual([
      expect.objectContaining({ start: '2026-12-15T02:00:00.000Z', originalStart: '2026-12-14T01:00:00.000Z' }),
    ]);
  });

  it('cancels a whole series: gone from the default list, shown as cancelled with all', async () => {
    const a = h.scheduler.add(weekly, ALICE).schedule;
    await h.scheduler.cancel({ id: a.id }, ALICE);
    expect(h.scheduler.list()).toEqual([]);
    expect(h.scheduler.list({ all: true }).every((o) => o.state === 'cancelled')).toBe(true);
    expect(h.scheduler.show(a.id).cancelled).toBe(true);
    expect(() => h.scheduler.edit({ id: a.id, title: 'x' }, ALICE)).toThrow(/is cancelled/);
    expect(errorOf(() => h.scheduler.show('s-nothere')).code).toBe('SCHEDULE_UNKNOWN');
  });
});
