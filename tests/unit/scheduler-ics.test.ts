import { describe, expect, it } from 'vitest';
import { formatIcsDuration, schedulesToIcs } from '../../daemon/scheduler/ics/icsExport.js';
import { parseIcsDuration, parseIcsEvents } from '../../daemon/scheduler/ics/icsImport.js';
import { escapeText, foldLine, parseIcsText, unescapeText } from '../../daemon/scheduler/ics/icsText.js';
import { formatWall, zonedTimeToUtc } from '../../daemon/scheduler/zonedTime.js';
import type { ScheduleRow } from '../../daemon/store/ScheduleRepo.js';

const SH = 'Asia/Shanghai';
const BER = 'Europe/Berlin';

function row(over: Partial<ScheduleRow>): ScheduleRow {
  return {
    id: 's-abc',
    title: '周一例会',
    startUtc: zonedTimeToUtc({ year: 2026, month: 12, day: 7, hour: 9 }, SH),
    durationMs: 90 * 60_000,
    rrule: 'FREQ=WEEKLY;BYDAY=MO',
    tz: SH,
    endpoints: ['xiaoguan', 'zhulin'],
    upstream: 'zhengzhou',
    chair: null,
    mode: 'broadcast',
    createdBy: 'alice',
    createdAt: 0,
    updatedAt: Date.UTC(2026, 10, 1),
    cancelledAt: null,
    forced: false,
    workdays: null,
    plan: null,
    ...over,
  };
}

describe('iCalendar text layer', () => {
  it('escapes and unescapes TEXT values', () => {
    const s = 'a;b,c\\d\nline2';
    expect(escapeText(s)).toBe('a\\;b\\,c\\\\d\\nline2');
    expect(unescapeText(escapeText(s))).toBe(s);
  });

  it('folds at 75 octets without splitting a UTF-8 character, and unfolds back', () => {
    const long = `SUMMARY:${'巩义市视频会议'.repeat(10)}`;
    const folded = foldLine(long);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    const [cal] = parseIcsText(`BEGIN:VCALENDAR\r\n${folded}\r\nEND:VCALENDAR\r\n`);
    expect(cal!.props[0]!.value).toBe('巩义市视频会议'.repeat(10));
  });

  it('reads quoted parameters holding ":" and ";"', () => {
    const [cal] = parseIcsText(
      'BEGIN:VCALENDAR\nATTENDEE;CN="Town: A; B";ROLE=REQ:mailto:a@example.org\nEND:VCALENDAR',
    );
    expect(cal!.props[0]).toMatchObject({
      name: 'ATTENDEE',
      params: { CN: 'Town: A; B', ROLE: 'REQ' },
      value: 'mailto:a@example.org',
    });
  });

  it.each([
    ['hello', /not an iCalendar file/],
    ['BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR', /END:VCALENDAR does not close BEGIN:VEVENT/],
    ['BEGIN:VCALENDAR\nBEGIN:VEVENT', /never closed/],
    ['BEGIN:VCALENDAR\nDTSTART;TZID="x:20260101T000000\nEND:VCALENDAR', /unclosed quote/],
  ])('refuses broken input %#', (text, msg) => {
    expect(() => parseIcsText(text)).toThrowError(
      expect.objectContaining({ code: 'ICS_INVALID', message: expect.stringMatching(msg) as unknown }) as Error,
    );
  });

  it('durations both ways', () => {
    expect(formatIcsDuration(90 * 60_000)).toBe('PT1H30M');
    expect(formatIcsDuration(26 * 3_600_000)).toBe('P1DT2H');
    expect(parseIcsDuration('PT1H30M')).toBe(90 * 60_000);
    expect(parseIcsDuration('P1W')).toBe(7 * 86_400_000);
    expect(parseIcsDuration('P')).toBeNull();
    expect(parseIcsDuration('1H')).toBeNull();
  });
});

describe('iCalendar export and import', () => {
  it('exports TZID wall times, RRULE, EXDATE, DURATION, our X- properties and a VTIMEZONE, and reads them back identically', () => {
    const weekly = row({});
    const berlin = row({
      id: 's-ber',
      title: 'Partner call; weekly, with "quotes"',
      tz: BER,
      upstream: null,
      chair: 'xiaoguan',
      mode: null,
      startUtc: zonedTimeToUtc({ year: 2026, month: 3, day: 16, hour: 9 }, BER),
      durationMs: 45 * 60_000,
      rrule: 'FREQ=WEEKLY;COUNT=6;BYDAY=MO',
    });
    const exKey = zonedTimeToUtc({ year: 2026, month: 12, day: 14, hour: 9 }, SH);
    const movedKey = zonedTimeToUtc({ year: 2026, month: 3, day: 30, hour: 9 }, BER);
    const movedTo = zonedTimeToUtc({ year: 2026, month: 3, day: 31, hour: 15 }, BER);
    const ics = schedulesToIcs(
      [
        {
          schedule: weekly,
          exceptions: [
            { scheduleId: 's-abc', occurrenceStartUtc: exKey, kind: 'cancelled', newStartUtc: null, createdAt: 0 },
          ],
        },
        {
          schedule: berlin,
          exceptions: [
            { scheduleId: 's-ber', occurrenceStartUtc: movedKey, kind: 'moved', newStartUtc: movedTo, createdAt: 0 },
          ],
        },
      ],
      Date.UTC(2026, 10, 26),
    );
    expect(ics).toContain('DTSTART;TZID=Asia/Shanghai:20261207T090000\r\n');
    expect(ics).toContain('EXDATE;TZID=Asia/Shanghai:20261214T090000\r\n');
    expect(ics).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO\r\n');
    expect(ics).toContain('DURATION:PT1H30M\r\n');
    expect(ics).toContain('X-VCBRIDGE-ENDPOINTS:xiaoguan,zhulin\r\n');
    expect(ics).toContain('UID:s-abc@vcbridge\r\n');
    expect(ics).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260330T090000\r\n');
    // Berlin's VTIMEZONE carries the real 2026 changes
    expect(ics).toMatch(/BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:\+0100\r\nTZOFFSETTO:\+0200/);
    expect(ics).toMatch(/BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:\+0200\r\nTZOFFSETTO:\+0100/);
    expect(ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);

    const { events, skipped } = parseIcsEvents(ics, 'UTC');
    expect(skipped).toEqual([]);
    const [a, b] = events;
    expect(a).toMatchObject({
      uid: 's-abc@vcbridge',
      summary: '周一例会',
      tz: SH,
      startUtc: weekly.startUtc,
      durationMs: weekly.durationMs,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      exdates: [exKey],
      endpoints: ['xiaoguan', 'zhulin'],
      upstream: 'zhengzhou',
      mode: 'broadcast',
      cancelled: false,
    });
    expect(b).toMatchObject({
      summary: 'Partner call; weekly, with "quotes"',
      tz: BER,
      startUtc: berlin.startUtc,
      durationMs: 45 * 60_000,
      chair: 'xiaoguan',
      rrule: 'FREQ=WEEKLY;COUNT=6;BYDAY=MO',
      moved: [{ occurrenceStartUtc: movedKey, newStartUtc: movedTo }],
    });
  });

  it('reads what calendar programs write: DTEND, UTC and floating times, Windows zone names, attendees; skips all-day events', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Someone//Calendar//EN',
      'BEGIN:VEVENT',
      'UID:1',
      'SUMMARY:Outlook meeting',
      'DTSTART;TZID=China Standard Time:20261208T140000',
      'DTEND;TZID=China Standard Time:20261208T153000',
      'ATTENDEE;CN=Xiaoguan Town:mailto:xg@gov.example',
      'LOCATION:Room 3, Zhulin',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:2',
      'SUMMARY:UTC one',
      'DTSTART:20261209T010000Z',
      'DURATION:PT30M',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:3',
      'SUMMARY:Floating',
      'DTSTART:20261210T090000',
      'DURATION:PT1H',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:4',
      'SUMMARY:Holiday',
      'DTSTART;VALUE=DATE:20261225',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:5',
      'SUMMARY:Mozilla',
      'DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20261211T090000',
      'DURATION:PT1H',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:6',
      'SUMMARY:Mars',
      'DTSTART;TZID=Mars/Olympus:20261211T090000',
      'DURATION:PT1H',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const { events, skipped } = parseIcsEvents(ics, SH);
    expect(events.map((e) => e.uid)).toEqual(['1', '2', '3', '5']);
    const [outlook, utc, floating, mozilla] = events;
    expect(formatWall(outlook!.startUtc, SH)).toBe('2026-12-08 14:00');
    expect(outlook!.durationMs).toBe(90 * 60_000);
    expect(outlook!.names).toEqual(
      expect.arrayContaining(['Xiaoguan Town', 'xg@gov.example', 'Room 3', 'Zhulin', 'Outlook meeting']),
    );
    expect(new Date(utc!.startUtc).toISOString()).toBe('2026-12-09T01:00:00.000Z');
    expect(formatWall(floating!.startUtc, SH)).toBe('2026-12-10 09:00');
    expect(mozilla!.tz).toBe(BER);
    expect(skipped).toEqual([
      expect.objectContaining({ uid: '4', reason: expect.stringMatching(/all-day/) as unknown }),
      expect.objectContaining({
        uid: '6',
        reason: expect.stringMatching(/unknown time zone "Mars\/Olympus"/) as unknown,
      }),
    ]);
  });
});
