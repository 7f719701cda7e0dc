import { describe, expect, it } from 'vitest';
import { Recurrence } from '../../daemon/scheduler/Recurrence.js';
import { parseRRule, withEnd } from '../../daemon/scheduler/rruleText.js';
import {
  formatIsoInZone,
  formatWall,
  parseTimeInZone,
  utcToWall,
  zoneOffsetMs,
  zoneTransitions,
  zonedTimeToUtc,
} from '../../daemon/scheduler/zonedTime.js';

const SH = 'Asia/Shanghai';
const BER = 'Europe/Berlin';
const H = 3_600_000;
const DAY = 24 * H;
const walls = (ts: number[], tz: string): string[] => ts.map((t) => formatWall(t, tz));

describe('zonedTimeToUtc: wall-clock time in a zone to an instant', () => {
  it('09:00 in Shanghai is 01:00Z all year (no DST)', () => {
    expect(new Date(zonedTimeToUtc({ year: 2026, month: 1, day: 5, hour: 9 }, SH)).toISOString()).toBe(
      '2026-01-05T01:00:00.000Z',
    );
    expect(new Date(zonedTimeToUtc({ year: 2026, month: 7, day: 6, hour: 9 }, SH)).toISOString()).toBe(
      '2026-07-06T01:00:00.000Z',
    );
  });

  it('09:00 in Berlin is 08:00Z in winter and 07:00Z in summer', () => {
    expect(new Date(zonedTimeToUtc({ year: 2026, month: 3, day: 27, hour: 9 }, BER)).toISOString()).toBe(
      '2026-03-27T08:00:00.000Z',
    );
    expect(new Date(zonedTimeToUtc({ year: 2026, month: 3, day: 30, hour: 9 }, BER)).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });

  it('a time in the spring-forward gap moves forward by the gap (02:30 -> 03:30 CEST)', () => {
    const t = zonedTimeToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, BER);
    expect(formatIsoInZone(t, BER)).toBe('2026-03-29T03:30:00+02:00');
  });

  it('an ambiguous time at fall-back takes the first (summer-time) instant', () => {
    const t = zonedTimeToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BER);
    expect(new Date(t).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(formatIsoInZone(t, BER)).toBe('2026-10-25T02:30:00+02:00');
  });

  it('round-trips every quarter hour of a DST week through utcToWall', () => {
    const from = Date.UTC(2026, 2, 26);
    for (let t = from; t < from + 7 * DAY; t += 15 * 60_000) {
      const w = utcToWall(t, BER);
      const back = zonedTimeToUtc(w, BER);
      // only the repeated hour at fall-back could differ; March has none
      expect(back).toBe(t);
    }
  });

  it('offsets change exactly at the transition instant, including half-hour zones', () => {
    const tr = Date.UTC(2026, 2, 29, 1, 0);
    expect(zoneOffsetMs(BER, tr - 1)).toBe(1 * H);
    expect(zoneOffsetMs(BER, tr)).toBe(2 * H);
    // Lord Howe moves by 30 minutes
    expect(zoneOffsetMs('Australia/Lord_Howe', Date.UTC(2026, 3, 4, 14, 59)) / 60_000).toBe(660);
    expect(zoneOffsetMs('Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15, 0)) / 60_000).toBe(630);
    expect(
      zoneTransitions(BER, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)).map((x) => new Date(x.at).toISOString()),
    ).toEqual(['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    expect(zoneTransitions(SH, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))).toEqual([]);
  });

  it('parses a wall-clock start in the given zone, an ISO start with offset as it is, and refuses nonsense', () => {
    expect(new Date(parseTimeInZone('2026-12-07 09:00', SH)!).toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(new Date(parseTimeInZone('2026-12-07T09:00', BER)!).toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(new Date(parseTimeInZone('2026-12-07T09:00:00+08:00', BER)!).toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(parseTimeInZone('2026-02-30 09:00', SH)).toBeUndefined();
    expect(parseTimeInZone('2026-12-07 25:00', SH)).toBeUndefined();
    expect(parseTimeInZone('next monday', SH)).toBeUndefined();
  });
});

describe('parseRRule: strict RRULE reading', () => {
  it('normalises a good rule', () => {
    expect(parseRRule('rrule:byday=MO;freq=weekly').text).toBe('FREQ=WEEKLY;BYDAY=MO');
    expect(parseRRule('FREQ=MONTHLY;BYDAY=1MO;COUNT=12').count).toBe(12);
  });

  it.each([
    ['FREQ=FOO', /FREQ=FOO is not supported/],
    ['FREQ=HOURLY', /not supported/],
    ['BYDAY=MO', /FREQ is missing/],
    ['FREQ=WEEKLY;BYDAY=XX', /BYDAY must list days/],
    ['FREQ=WEEKLY;COUNT=abc', /COUNT must be a whole number/],
    ['FREQ=WEEKLY;COUNT=0', /COUNT must be a whole number/],
    ['FREQ=WEEKLY;INTERVAL=0', /INTERVAL/],
    ['FREQ=WEEKLY;UNTIL=2026-12-31', /UNTIL must look like/],
    ['FREQ=WEEKLY;UNTIL=20260230', /not a real date/],
    ['FREQ=WEEKLY;COUNT=3;UNTIL=20261231', /COUNT and UNTIL cannot both/],
    ['FREQ=WEEKLY;BYHOUR=9', /BYHOUR is not supported/],
    ['FREQ=WEEKLY;FOO=1', /unknown part FOO/],
    ['garbage', /not NAME=VALUE/],
    ['', /empty/],
  ])('refuses %s', (rule, msg) => {
    expect(() => parseRRule(rule)).toThrowError(
      expect.objectContaining({ code: 'SCHEDULE_INVALID', message: expect.stringMatching(msg) as unknown }) as Error,
    );
  });

  it('replaces the end of a rule (used to split a series)', () => {
    const r = parseRRule('FREQ=WEEKLY;BYDAY=MO;COUNT=10');
    expect(withEnd(r, { count: 4 })).toBe('FREQ=WEEKLY;COUNT=4;BYDAY=MO');
    expect(withEnd(r, { untilUtc: Date.UTC(2026, 11, 31, 15, 59, 59) })).toBe(
      'FREQ=WEEKLY;UNTIL=20261231T155959Z;BYDAY=MO',
    );
  });
});

describe("Recurrence: expansion in the schedule's own zone", () => {
  it('weekly Monday 09:00 Asia/Shanghai stays 01:00Z every week', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 3, day: 16, hour: 9 }, SH);
    const r = new Recurrence({ startUtc: start, durationMs: 90 * 60_000, rrule: 'FREQ=WEEKLY;BYDAY=MO', tz: SH });
    const got = r.startsBetween(start, start + 5 * 7 * DAY);
    expect(got.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '01:00',
      '01:00',
      '01:00',
      '01:00',
      '01:00',
    ]);
    expect(walls(got, SH)[4]).toBe('2026-04-13 09:00');
  });

  it('weekly Monday 09:00 Europe/Berlin stays 09:00 local across the March DST change (08:00Z -> 07:00Z)', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 3, day: 16, hour: 9 }, BER);
    const r = new Recurrence({
      startUtc: start,
      durationMs: 60 * 60_000,
      rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
      tz: BER,
    });
    const got = r.startsBetween(0, 8e15);
    expect(walls(got, BER)).toEqual(['2026-03-16 09:00', '2026-03-23 09:00', '2026-03-30 09:00', '2026-04-06 09:00']);
    expect(got.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
  });

  it('a Shanghai meeting seen from Berlin moves on Berlin clocks, not on Shanghai clocks', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 3, day: 23, hour: 9 }, SH);
    const r = new Recurrence({ startUtc: start, durationMs: H, rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=2', tz: SH });
    const [a, b] = r.startsBetween(0, 8e15);
    expect(formatWall(a!, BER)).toBe('2026-03-23 02:00');
    expect(formatWall(b!, BER)).toBe('2026-03-30 03:00');
    expect(formatWall(b!, SH)).toBe('2026-03-30 09:00');
  });

  it('a daily 02:30 Berlin meeting on the spring-forward night happens at 03:30 that day only', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 3, day: 28, hour: 2, minute: 30 }, BER);
    const r = new Recurrence({ startUtc: start, durationMs: H, rrule: 'FREQ=DAILY;COUNT=3', tz: BER });
    expect(walls(r.startsBetween(0, 8e15), BER)).toEqual(['2026-03-28 02:30', '2026-03-29 03:30', '2026-03-30 02:30']);
  });

  it('UNTIL in UTC and date-only UNTIL (inclusive, local) both bound the series', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 12, day: 7, hour: 9 }, SH);
    const utcUntil = new Recurrence({
      startUtc: start,
      durationMs: H,
      rrule: 'FREQ=WEEKLY;UNTIL=20261221T010000Z',
      tz: SH,
    });
    expect(walls(utcUntil.startsBetween(0, 8e15), SH)).toEqual([
      '2026-12-07 09:00',
      '2026-12-14 09:00',
      '2026-12-21 09:00',
    ]);
    const dateUntil = new Recurrence({ startUtc: start, durationMs: H, rrule: 'FREQ=WEEKLY;UNTIL=20261221', tz: SH });
    expect(dateUntil.startsBetween(0, 8e15)).toHaveLength(3);
    expect(dateUntil.bounded).toBe(true);
    const before = new Recurrence({ startUtc: start, durationMs: H, rrule: 'FREQ=WEEKLY;UNTIL=20261130', tz: SH });
    expect(before.first()).toBeNull();
  });

  it('a start that the rule does not generate is not an occurrence; first() finds the first real one', () => {
    const tuesday = zonedTimeToUtc({ year: 2026, month: 12, day: 8, hour: 9 }, SH);
    const r = new Recurrence({ startUtc: tuesday, durationMs: H, rrule: 'FREQ=WEEKLY;BYDAY=MO', tz: SH });
    expect(formatWall(r.first()!, SH)).toBe('2026-12-14 09:00');
  });

  it('exceptions: a cancelled occurrence disappears, a moved one appears at its new time (Berlin, across DST)', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 3, day: 16, hour: 9 }, BER);
    const r = new Recurrence({ startUtc: start, durationMs: H, rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4', tz: BER });
    const all = r.startsBetween(0, 8e15);
    const moveTo = zonedTimeToUtc({ year: 2026, month: 4, day: 1, hour: 14 }, BER);
    const occ = r.occurrences(start, start + 30 * DAY, [
      { occurrenceStartUtc: all[1]!, kind: 'cancelled', newStartUtc: null },
      { occurrenceStartUtc: all[2]!, kind: 'moved', newStartUtc: moveTo },
    ]);
    expect(occ.map((o) => formatWall(o.start, BER))).toEqual([
      '2026-03-16 09:00',
      '2026-04-01 14:00',
      '2026-04-06 09:00',
    ]);
    expect(occ[1]!.key).toBe(all[2]);
    expect(occ[1]!.end - occ[1]!.start).toBe(H);
    // an exception for a start the rule does not generate is ignored
    expect(
      r.occurrences(start, start + 30 * DAY, [{ occurrenceStartUtc: start + 1, kind: 'moved', newStartUtc: moveTo }]),
    ).toHaveLength(4);
  });

  it('occurrences() includes one already running at the window start', () => {
    const start = zonedTimeToUtc({ year: 2026, month: 12, day: 7, hour: 9 }, SH);
    const r = new Recurrence({ startUtc: start, durationMs: 90 * 60_000, rrule: null, tz: SH });
    expect(r.occurrences(start + H, start + 2 * H)).toHaveLength(1);
    expect(r.occurrences(start + 90 * 60_000, start + 2 * H)).toHaveLength(0);
  });

  it('expands 1,000 weekly series over a year, every occurrence counted (timing: bench/scheduler.ts)', () => {
    const start = Date.UTC(2026, 0, 5, 1);
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      const r = new Recurrence({
        startUtc: start + i * 60_000,
        durationMs: H,
        rrule: 'FREQ=WEEKLY;BYDAY=MO,TH',
        tz: i % 2 ? BER : SH,
      });
      n += r.startsBetween(start, start + 365 * DAY).length;
    }
    // 2 starts a week for a year each; a start a minute later per series keeps them distinct
    expect(n).toBeGreaterThanOrEqual(1000 * 104);
    expect(n).toBeLessThanOrEqual(1000 * 106);
  });
});
