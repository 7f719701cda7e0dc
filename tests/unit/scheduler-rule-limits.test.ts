import { describe, expect, it } from 'vitest';
import { checkTimes } from '../../daemon/scheduler/booking.js';
import { MAX_START_YEAR, MIN_START_YEAR, Recurrence } from '../../daemon/scheduler/Recurrence.js';
import { MAX_RULE_STEPS } from '../../daemon/scheduler/ruleWalk.js';
import { RRule, parseRRule } from '../../daemon/scheduler/rruleText.js';
import { floatingToUtc, utcToFloating } from '../../daemon/scheduler/zonedTime.js';

// Recurrence walks are bounded: a rule that never matches is refused with the step limit, a start
// outside the allowed years is refused, and the walks that start near their window (DAILY and
// WEEKLY series begun long ago) give exactly the dates a walk from DTSTART gives.

const BER = 'Europe/Berlin';
const DAY = 86_400_000;
const times = (startUtc: number, rrule: string | null, tz = 'Asia/Shanghai') => ({
  startUtc,
  durationMs: 3_600_000,
  rrule,
  tz,
});

/** The rule's starts in [from, to) walked by the rrule package from DTSTART, unbounded: the reference. */
function reference(startUtc: number, rule: string, tz: string, from: number, to: number): number[] {
  const r = new RRule({ ...parseRRule(rule).options, dtstart: new Date(utcToFloating(startUtc, tz)) });
  return r
    .between(new Date(utcToFloating(from, tz) - DAY), new Date(utcToFloating(to, tz) + DAY), true)
    .map((d) => floatingToUtc(d.getTime(), tz))
    .filter((t) => t >= from && t < to);
}

describe('recurrence limits', () => {
  it.each([
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
    'FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31',
    'FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=-30;BYDAY=MO',
  ])('a rule that never matches (%s) is refused naming MAX_RULE_STEPS', (rule) => {
    expect(() => checkTimes(times(Date.UTC(2027, 0, 4, 1), rule), null)).toThrowError(
      expect.objectContaining({
        code: 'SCHEDULE_INVALID',
        message: expect.stringContaining(`no date within ${MAX_RULE_STEPS} steps (limit MAX_RULE_STEPS)`) as unknown,
      }) as Error,
    );
  });

  it('a rule that matches rarely but surely (29 February on a Monday) is taken', () => {
    const rec = checkTimes(times(Date.UTC(2027, 0, 4, 1), 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO'), null);
    expect(new Date(rec.times.startUtc).toISOString()).toBe('2044-02-29T01:00:00.000Z');
    expect(rec.next(rec.times.startUtc + DAY, 1).map((o) => new Date(o.start).toISOString())).toEqual([
      '2072-02-29T01:00:00.000Z',
    ]);
  });

  it('a COUNT series too long to walk is refused when booked, not later when listed', () => {
    expect(() => checkTimes(times(Date.UTC(2027, 0, 4, 1), 'FREQ=DAILY;BYMONTHDAY=1;COUNT=5000'), null)).toThrowError(
      /more than 100000 steps \(limit MAX_WALK_STEPS\)/,
    );
    expect(
      checkTimes(times(Date.UTC(2027, 0, 4, 1), 'FREQ=WEEKLY;COUNT=1000'), null).countBefore(Date.UTC(2100, 0, 1)),
    ).toBe(1000);
  });

  it(`a start outside ${MIN_START_YEAR}..${MAX_START_YEAR} is refused, with the years allowed`, () => {
    for (const year of [100, 1969, 2101]) {
      expect(() => new Recurrence(times(Date.UTC(year, 0, 4, 1), 'FREQ=DAILY'))).toThrowError(
        expect.objectContaining({
          code: 'SCHEDULE_INVALID',
          message: `a meeting must start between the years 1970 and 2100, not in ${year}`,
        }) as Error,
      );
    }
    expect(() => new Recurrence(times(Date.UTC(1970, 0, 1, 1), 'FREQ=DAILY'))).not.toThrow();
  });

  it.each([
    ['FREQ=DAILY', BER],
    ['FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE,FR', BER],
    ['FREQ=DAILY;INTERVAL=7;BYMONTH=3,10', BER],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH', BER],
    ['FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,MO', 'Asia/Shanghai'],
    ['FREQ=WEEKLY;BYSETPOS=-1;BYDAY=MO,TU,WE', BER],
    ['FREQ=DAILY;INTERVAL=2;UNTIL=20300101T000000Z', BER],
  ])('a series begun in 1975 (%s, %s) gives in 2026-2027 exactly the dates of a walk from its start', (rule, tz) => {
    const start = Date.UTC(1975, 4, 6, 7, 30);
    const rec = new Recurrence(times(start, rule, tz));
    const from = Date.UTC(2026, 2, 1);
    const to = Date.UTC(2027, 2, 1);
    const got = rec.startsBetween(from, to);
    expect(got.length).toBeGreaterThan(5);
    expect(got).toEqual(reference(start, rule, tz, from, to));
    // and around a DST change, a week at a time (new windows reuse the moved walk)
    for (let t = Date.UTC(2026, 9, 1); t < Date.UTC(2026, 10, 15); t += 7 * DAY) {
      expect(rec.startsBetween(t, t + 7 * DAY)).toEqual(reference(start, rule, tz, t, t + 7 * DAY));
    }
  });
});
