// Working days the Chinese way (调休): the official calendar (npm chinese-days), statutory holidays
// of a year not published yet, the site's own days from a published holiday .ics, and series that
// follow them (holidays skipped, make-up days worked for "every working day" rules).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../daemon/scheduler/workdays/WorkCalendar.js';
import { parseHolidayIcs } from '../../daemon/scheduler/workdays/holidayIcs.js';
import { officialDay } from '../../daemon/scheduler/workdays/official.js';
import { Recurrence } from '../../daemon/scheduler/Recurrence.js';
import { zonedTimeToUtc, utcToFloating } from '../../daemon/scheduler/zonedTime.js';
import { corpusFile } from '../helpers/sharedCorpus.js';

const SH = 'Asia/Shanghai';
const CORPUS = corpusFile('china-holidays/cal_holiday.ics');
const day = (utc: number): string => new Date(utcToFloating(utc, SH)).toISOString().slice(0, 10);
const at9 = (y: number, m: number, d: number): number => zonedTimeToUtc({ year: y, month: m, day: d, hour: 9 }, SH);

describe('WorkCalendar', () => {
  const cal = new WorkCalendar();

  it("2026 National Day: 1–7 Oct off with the holiday's name, 20 Sep (Sun) and 10 Oct (Sat) worked", () => {
    for (let d = 1; d <= 7; d++)
      expect(cal.info(`2026-10-0${d}`)).toMatchObject({
        off: true,
        name: '国庆节',
        confirmed: true,
        source: 'official',
      });
    expect(cal.info('2026-09-20')).toMatchObject({ off: false, makeUp: true, name: '国庆节' });
    expect(cal.info('2026-10-10')).toMatchObject({ off: false, makeUp: true });
    expect(cal.info('2026-10-08')).toMatchObject({ off: false, makeUp: false, source: 'ordinary' });
    expect(cal.info('2026-10-11')).toMatchObject({ off: true, source: 'weekend' });
    expect(cal.info('2026-01-04')).toMatchObject({ makeUp: true, name: '元旦' });
  });

  it('a year not published yet: the statutory holidays count (fixed and lunar), and it says unconfirmed', () => {
    expect(cal.confirmedYear(2026)).toBe(true);
    expect(cal.confirmedYear(2027)).toBe(false);
    expect(cal.info('2027-10-01')).toMatchObject({ off: true, name: '国庆节', confirmed: false, source: 'statutory' });
    expect(cal.info('2027-10-04')).toMatchObject({ off: false, confirmed: false, source: 'ordinary' });
    expect(cal.info('2027-05-03')).toMatchObject({ off: false });
    // 春节 2027: New Year's Eve 5 Feb, the 1st day 6 Feb, to the 3rd day 8 Feb
    for (const d of ['2027-02-05', '2027-02-08'])
      expect(cal.info(d)).toMatchObject({ off: true, name: '春节', source: 'statutory' });
    expect(cal.info('2027-02-09')).toMatchObject({ off: false });
    expect(cal.info('2027-09-15')).toMatchObject({ off: true, name: '中秋节' });
  });

  it("the site's own days win over the official ones and confirm their year", () => {
    const site = new WorkCalendar([
      { day: '2026-10-08', kind: 'off', name: '县庆' },
      { day: '2027-10-09', kind: 'work', name: '国庆节' },
    ]);
    expect(site.info('2026-10-08')).toMatchObject({ off: true, name: '县庆', source: 'site' });
    expect(site.confirmedYear(2027)).toBe(true);
    expect(site.info('2027-10-09')).toMatchObject({ off: false, makeUp: true, source: 'site' });
    expect(site.makeUpDays('2027-10-01', '2027-10-31')).toEqual(['2027-10-09']);
  });
});

describe('a published holiday calendar (.ics) read as days', () => {
  const { days, skipped } = parseHolidayIcs(readFileSync(CORPUS, 'utf8'));

  it('reads every all-day holiday as days off and every 补班 event as a make-up working day, no meeting', () => {
    const off = days.filter((d) => d.kind === 'off');
    const work = days.filter((d) => d.kind === 'work');
    expect(skipped).toEqual([]);
    expect(off.length + work.length).toBe(72);
    expect(work.map((d) => d.day)).toContain('2026-09-20');
    expect(days.find((d) => d.day === '2026-10-01')).toEqual({ day: '2026-10-01', kind: 'off', name: '国庆节' });
    expect(days.find((d) => d.day === '2025-10-01')?.name).toBe('国庆节、中秋节');
  });

  it("agrees day by day with the State Council's arrangement as chinese-days publishes it", () => {
    for (const d of days) expect(officialDay(d.day)?.work, d.day).toBe(d.kind === 'work');
  });

  it('refuses a file with no holiday in it, and names a timed event that is not a make-up day', () => {
    const meeting =
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261207T090000\r\nSUMMARY:周一例会\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    expect(() => parseHolidayIcs(meeting)).toThrow(/no day off or make-up day.*not a holiday/);
    expect(() => parseHolidayIcs('hello')).toThrow(/not an iCalendar file/);
  });
});

describe('series that follow the working-day calendar', () => {
  const cal = new WorkCalendar();

  it('a weekly Monday meeting skips the National Day Monday and names the holiday', () => {
    const rec = new Recurrence({
      startUtc: at9(2026, 9, 7),
      durationMs: 90 * 60_000,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      tz: SH,
      calendar: cal,
    });
    const from = at9(2026, 9, 28);
    const to = at9(2026, 10, 20);
    expect(rec.occurrences(from, to).map((o) => day(o.start))).toEqual(['2026-09-28', '2026-10-12', '2026-10-19']);
    expect(rec.skippedBetween(from, to).map((s) => [day(s.start), s.day.name])).toEqual([['2026-10-05', '国庆节']]);
  });

  it('"every working day" skips the holidays and meets on the make-up Sunday and Saturday, at the same time', () => {
    const rec = new Recurrence({
      startUtc: at9(2026, 9, 14),
      durationMs: 30 * 60_000,
      rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      tz: SH,
      calendar: cal,
    });
    const got = rec.occurrences(at9(2026, 9, 18), at9(2026, 10, 13)).map((o) => day(o.start));
    // 25 Sep 2026 is 中秋节 (a Friday off)
    expect(got).toEqual([
      '2026-09-18',
      '2026-09-20',
      '2026-09-21',
      '2026-09-22',
      '2026-09-23',
      '2026-09-24',
      '2026-09-28',
      '2026-09-29',
      '2026-09-30',
      '2026-10-08',
      '2026-10-09',
      '2026-10-10',
      '2026-10-12',
    ]);
    expect(rec.skippedBetween(at9(2026, 9, 18), at9(2026, 10, 13)).map((x) => `${day(x.start)} ${x.day.name}`)).toEqual(
      [
        '2026-09-25 中秋',
        '2026-10-01 国庆节',
        '2026-10-02 国庆节',
        '2026-10-05 国庆节',
        '2026-10-06 国庆节',
        '2026-10-07 国庆节',
      ],
    );
    expect(rec.occurrences(at9(2026, 9, 20), at9(2026, 9, 21))[0]?.start).toBe(
      zonedTimeToUtc({ year: 2026, month: 9, day: 20, hour: 9 }, SH),
    );
    expect(rec.next(at9(2026, 9, 30) + 31 * 60_000, 2).map((o) => day(o.start))).toEqual(['2026-10-08', '2026-10-09']);
  });

  it('a weekly Monday meeting does not gain the make-up weekend days; without the calendar nothing changes', () => {
    const monday = new Recurrence({
      startUtc: at9(2026, 9, 7),
      durationMs: 60_000,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      tz: SH,
      calendar: cal,
    });
    expect(monday.occurrences(at9(2026, 9, 19), at9(2026, 9, 21)).map((o) => day(o.start))).toEqual([]);
    const plain = new Recurrence({
      startUtc: at9(2026, 9, 7),
      durationMs: 60_000,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      tz: SH,
    });
    expect(plain.occurrences(at9(2026, 10, 5), at9(2026, 10, 6)).map((o) => day(o.start))).toEqual(['2026-10-05']);
    expect(plain.skippedBetween(at9(2026, 10, 1), at9(2026, 10, 31))).toEqual([]);
  });
});
