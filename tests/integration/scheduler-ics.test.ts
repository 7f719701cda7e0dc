import { afterEach, describe, expect, it } from 'vitest';
import { formatWall } from '../../daemon/scheduler/zonedTime.js';
import { ALICE, harness, type Harness } from '../helpers/schedulerFixture.js';

// .ics export from one store and import into another (real SQLite files): the same meetings, at
// the same instants, with the same exceptions and participants.

const NOW = Date.UTC(2026, 11, 1, 0, 0);
const hs: Harness[] = [];
afterEach(async () => {
  for (const h of hs.splice(0)) await h.close();
});
const make = (): Harness => {
  const h = harness({ now: NOW, start: false });
  hs.push(h);
  return h;
};
const window = { from: '2026-12-01T00:00:00Z', to: '2027-05-01T00:00:00Z' };
const strip = (list: ReturnType<Harness['scheduler']['list']>) => list.map((o) => ({ ...o, scheduleId: '' }));

describe('iCalendar round trip', () => {
  it('exports every meeting and imports them into another store unchanged (Shanghai and Berlin, across DST)', async () => {
    const a = make();
    const weekly = a.scheduler.add(
      {
        title: '周一例会',
        start: '2026-12-07 09:00',
        durationMinutes: 90,
        rrule: 'FREQ=WEEKLY;BYDAY=MO',
        group: 'towns',
        upstream: 'zhengzhou',
        mode: 'broadcast',
      },
      ALICE,
    ).schedule;
    const berlin = a.scheduler.add(
      {
        title: 'Partner, "Berlin"; weekly',
        start: '2027-03-15 09:00',
        timezone: 'Europe/Berlin',
        durationMinutes: 45,
        rrule: 'FREQ=WEEKLY;COUNT=4',
        endpoints: ['jiaoyu'],
        chair: 'jiaoyu',
      },
      ALICE,
    ).schedule;
    a.scheduler.add({ title: 'One-off', start: '2026-12-09 15:00', durationMinutes: 30, endpoints: ['gongan'] }, ALICE);
    await a.scheduler.cancel({ id: weekly.id, occurrence: '2026-12-14 09:00' }, ALICE);
    a.scheduler.edit({ id: weekly.id, occurrence: '2026-12-21 09:00', start: '2026-12-22 10:00' }, ALICE);

    const { ics, count } = a.scheduler.exportIcs();
    expect(count).toBe(3);

    const b = make();
    const r = await b.scheduler.importIcs({ ics }, ALICE);
    expect(r.skipped).toEqual([]);
    expect(r.imported.map((s) => s.id).sort()).toEqual(
      a.store.schedules
        .list()
        .map((s) => s.id)
        .sort(),
    );
    expect(strip(b.scheduler.list(window))).toEqual(strip(a.scheduler.list(window)));
    const berlinBack = b.scheduler.show(berlin.id);
    expect(berlinBack).toMatchObject({
      title: 'Partner, "Berlin"; weekly',
      timezone: 'Europe/Berlin',
      rrule: 'FREQ=WEEKLY;COUNT=4',
      chair: 'jiaoyu',
    });
    expect(berlinBack.upcoming.map((o) => formatWall(Date.parse(o.start), 'Europe/Berlin'))).toEqual([
      '2027-03-15 09:00',
      '2027-03-22 09:00',
      '2027-03-29 09:00',
      '2027-04-05 09:00',
    ]);
    expect(b.scheduler.show(weekly.id)).toMatchObject({
      mode: 'broadcast',
      upstream: 'zhengzhou',
      endpoints: ['xiaoguan', 'zhulin', 'mihe'],
    });

    // importing the same file again books nothing twice
    const again = await b.scheduler.importIcs({ ics }, ALICE);
    expect(again.imported).toEqual([]);
    expect(again.skipped.map((s) => s.reason).sort()).toEqual(
      a.store.schedules
        .list()
        .map((s) => `already booked as ${s.id}`)
        .sort(),
    );
  });

  it('maps calendar attendees to endpoints with a mapping, skips what cannot be a meeting, and refuses conflicts as a whole', async () => {
    const h = make();
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//x//y//EN',
      'BEGIN:VEVENT',
      'UID:ev1@cal',
      'SUMMARY:Town heads',
      'DTSTART;TZID=Asia/Shanghai:20261210T100000',
      'DURATION:PT1H',
      'ATTENDEE;CN=Xiaoguan Town:mailto:xg@gov.example',
      'ATTENDEE;CN=Zhulin:mailto:zl@gov.example',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:ev2@cal',
      'SUMMARY:Nobody',
      'DTSTART;TZID=Asia/Shanghai:20261211T100000',
      'DURATION:PT1H',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:ev3@cal',
      'SUMMARY:Old',
      'DTSTART;TZID=Asia/Shanghai:20251211T100000',
      'DURATION:PT1H',
      'X-VCBRIDGE-ENDPOINTS:jiaoyu',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:ev4@cal',
      'SUMMARY:Unknown site',
      'DTSTART;TZID=Asia/Shanghai:20261212T100000',
      'DURATION:PT1H',
      'X-VCBRIDGE-ENDPOINTS:atlantis',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:ev5@cal',
      'SUMMARY:Cancelled',
      'STATUS:CANCELLED',
      'DTSTART;TZID=Asia/Shanghai:20261212T100000',
      'DURATION:PT1H',
      'X-VCBRIDGE-ENDPOINTS:jiaoyu',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const r = await h.scheduler.importIcs(
      { ics, map: { 'Xiaoguan Town': ['xiaoguan'], 'zl@gov.example': ['zhulin'] } },
      ALICE,
    );
    expect(r.imported).toEqual([
      expect.objectContaining({
        title: 'Town heads',
        endpoints: ['xiaoguan', 'zhulin'],
        start: '2026-12-10T02:00:00.000Z',
      }),
    ]);
    expect(r.skipped).toEqual([
      {
        uid: 'ev2@cal',
        summary: 'Nobody',
        reason: expect.stringMatching(
          /no participants: add X-VCBRIDGE-ENDPOINTS, map calendar names with --map/,
        ) as unknown,
      },
      { uid: 'ev3@cal', summary: 'Old', reason: 'every occurrence is in the past' },
      {
        uid: 'ev4@cal',
        summary: 'Unknown site',
        reason: expect.stringMatching(/unknown endpoint "atlantis"/) as unknown,
      },
      { uid: 'ev5@cal', summary: 'Cancelled', reason: 'cancelled in the calendar' },
    ]);
    // the same calendar again, with default participants for events naming nobody: what was
    // imported before is recognised by its UID, the rest is booked with the defaults
    const r2 = await h.scheduler.importIcs({ ics, endpoints: ['gongan'] }, ALICE);
    expect(r2.imported.map((s) => [s.title, s.endpoints])).toEqual([['Nobody', ['gongan']]]);
    expect(r2.skipped[0]).toEqual({
      uid: 'ev1@cal',
      summary: 'Town heads',
      reason: `already imported as ${r.imported[0]!.id}`,
    });

    // a conflicting event stops the import: nothing of it is booked
    const clash = ics.replace('UID:ev1@cal', 'UID:ev9@cal');
    const before = h.store.schedules.list().length;
    await expect(
      h.scheduler.importIcs({ ics: clash, map: { 'Xiaoguan Town': ['xiaoguan'] }, endpoints: ['caizheng'] }, ALICE),
    ).rejects.toMatchObject({
      code: 'SCHEDULE_CONFLICT',
      message: expect.stringMatching(/^nothing imported: "Town heads" \(ev9@cal\)/) as unknown,
    });
    expect(h.store.schedules.list()).toHaveLength(before);
  });
});
