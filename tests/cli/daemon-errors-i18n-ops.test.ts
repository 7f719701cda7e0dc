// The error details of the scheduler's calendars, recurrence rules and time zones, join links, live
// streams, reports and the daemon's own lock, said in Chinese (issue #14, item 6). Real code of those
// layers refuses bad input — a broken copy of the published holiday calendar into the real ICS
// parsers, bad rules into the real RRULE reader, forged and expired links through the real token
// signer on a real SQLite store — and what the CLI prints for each refusal must be wholly Chinese
// but for ids, numbers, protocol tokens and the operator's own text quoted back.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explain, explainError } from '../../cli/ui/i18n/explain.js';
import { VcError } from '../../daemon/errors.js';
import { DataDirLock } from '../../daemon/lock.js';
import { dayWindow } from '../../daemon/reports/dayWindow.js';
import { checkTitle } from '../../daemon/scheduler/booking.js';
import { describeConflicts, findConflicts, type BookedMeeting } from '../../daemon/scheduler/conflicts.js';
import { parseIcsEvents } from '../../daemon/scheduler/ics/icsImport.js';
import { parseIcsText } from '../../daemon/scheduler/ics/icsText.js';
import { checkIcsLimits } from '../../daemon/scheduler/ics/importCalendar.js';
import { Recurrence } from '../../daemon/scheduler/Recurrence.js';
import { parseRRule } from '../../daemon/scheduler/rruleText.js';
import { parseHolidayIcs } from '../../daemon/scheduler/workdays/holidayIcs.js';
import { utcToWall } from '../../daemon/scheduler/zonedTime.js';
import { Store } from '../../daemon/store/Store.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { JoinTokens } from '../../daemon/web/JoinTokens.js';
import { LiveStreams } from '../../daemon/web/LiveStreams.js';
import type { FeedSource } from '../../daemon/media/live/types.js';
import { ROOT } from '../helpers/daemon.js';
import { literalMessages, refused, tsFilesUnder, zhHeadline as headline } from '../helpers/errorTemplates.js';
import { ManualClock } from '../helpers/manualClock.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

/** Every refusal's Chinese text, with what is still English in it. */
function inChinese(errors: VcError[], quoted: string[] = []): { zh: string[]; offences: string[] } {
  const zh = errors.map((e) => explainError(e.code, e.message, 'zh', headline));
  const offences = zh.flatMap((text, i) =>
    untranslated(text, allowList(quoted)).map((o) => `${errors[i]!.message} → ${text}: ${o.word}`),
  );
  return { zh, offences };
}

const CORPUS = readFileSync(join(ROOT, 'tests/corpora/china-holidays/cal_holiday.ics'), 'utf8');
const LINES = CORPUS.split(/\r?\n/);
/** The corpus with line `n` (1-based) replaced by `text`. */
const withLine = (n: number, text: string): string => LINES.map((l, i) => (i === n - 1 ? text : l)).join('\n');
/** The line number of the first line of the corpus that is `text`. */
const lineOf = (text: string, from = 0): number => LINES.indexOf(text, from) + 1;

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'vcb-ops-i18n-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the scheduler's calendars, join links and reports refuse in Chinese", () => {
  it('a broken copy of the published holiday calendar into the real ICS parser: each refusal names its line, in Chinese', () => {
    const firstEvent = lineOf('BEGIN:VEVENT');
    const summary = LINES.findIndex((l) => l.startsWith('SUMMARY:')) + 1;
    const endEvent = lineOf('END:VEVENT');
    const errors = [
      refused(() => parseIcsText('hello')),
      // a folded description line that lost its leading space
      refused(() => parseHolidayIcs(withLine(summary, '放假通知：见国务院办公厅通知'))),
      refused(() => parseHolidayIcs(withLine(summary, 'SUMMARY;LANGUAGE:元旦'))),
      refused(() => parseHolidayIcs(withLine(summary, 'SUMMARY;LANGUAGE="zh:元旦'))),
      refused(() => parseHolidayIcs(withLine(summary, 'SUMMARY'))),
      refused(() => parseHolidayIcs(withLine(endEvent, 'END:VTODO'))),
      refused(() => parseHolidayIcs(`${CORPUS.trimEnd()}\nEND:VCALENDAR\n`)),
      refused(() => parseHolidayIcs(`${CORPUS.trimEnd()}\nX-AFTER:1\n`)),
      refused(() => parseHolidayIcs(LINES.slice(0, firstEvent + 3).join('\n'))),
      refused(() => parseIcsText('BEGIN:VTODO\nEND:VTODO\n')),
    ];
    expect(errors.every((e) => e.code === 'ICS_INVALID')).toBe(true);
    // property and component names of the file come back as written
    const { zh, offences } = inChinese(errors, ['SUMMARY', 'LANGUAGE', 'VTODO']);
    expect(offences).toEqual([]);
    expect(zh[1]).toContain(`第 ${summary} 行`);
    expect(zh[1]).toContain('不是属性行');
    expect(zh[5]).toContain(`第 ${endEvent} 行：END:VTODO 与 BEGIN:VEVENT 不匹配`);
    expect(zh[8]).toContain('BEGIN:VEVENT 没有结束');
  });

  it('a holiday calendar with no days, a calendar over the limits, and the events skipped on import say why in Chinese', () => {
    const meeting = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:m1@x',
      'SUMMARY:周例会',
      'DTSTART:20270104T090000Z',
      'DTEND:20270104T100000Z',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\n');
    const errors = [
      refused(() => parseHolidayIcs(meeting)),
      refused(() => checkIcsLimits('x'.repeat(900_001))),
      refused(() => checkIcsLimits('BEGIN:VEVENT\n'.repeat(10_001))),
    ];
    const { zh, offences } = inChinese(errors);
    expect(offences).toEqual([]);
    expect(zh[0]).toBe(
      '日历文件有误：日历中没有找到休息日或补班日（跳过 1 个事件：带时间的事件且不是补班：不是节假日）',
    );

    // the corpus's own events are all-day holidays: as meetings every one is skipped, with why
    const ev = (lines: string[]): string => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\n');
    const cal = [
      'BEGIN:VCALENDAR',
      ev(['UID:a@x', 'SUMMARY:A', 'DTSTART;VALUE=DATE:20270101', 'DTEND;VALUE=DATE:20270102']),
      ev(['UID:b@x', 'SUMMARY:B', 'DTSTART:20270104T090000Z', 'DURATION:PT1X']),
      ev(['UID:c@x', 'SUMMARY:C', 'DTSTART;TZID=Mars/Olympus:20270104T090000', 'DURATION:PT1H']),
      ev(['UID:d@x', 'SUMMARY:D', 'DURATION:PT1H']),
      ev(['UID:e@x', 'SUMMARY:E', 'DTSTART:20270104T090000Z']),
      ev(['UID:f@x', 'SUMMARY:F', 'DTSTART:20270104T100000Z', 'DTEND:20270104T090000Z']),
      ev([
        'UID:g@x',
        'SUMMARY:G',
        'DTSTART:20270104T090000Z',
        'DURATION:PT1H',
        'RRULE:FREQ=DAILY',
        'RRULE:FREQ=WEEKLY',
      ]),
      ev(['UID:h@x', 'SUMMARY:H', 'DTSTART:20270104T090000Z', 'DURATION:PT1H', 'RDATE:20270105T090000Z']),
      ev(['UID:i@x', 'SUMMARY:I', 'DTSTART:20270104T090000Z', 'DURATION:PT1H']),
      ev(['UID:i@x', 'SUMMARY:I2', 'DTSTART:20270104T090000Z', 'DURATION:PT1H']),
      ev(['UID:j@x', 'SUMMARY:J', 'DTSTART:20270104T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=HOURLY']),
      ev(['UID:z@x', 'SUMMARY:Z', 'RECURRENCE-ID:20270104T090000Z', 'DTSTART:20270104T100000Z']),
      ev(['UID:y@x', 'SUMMARY:Y', 'DTSTART:20270104T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY']),
      ev(['UID:y@x', 'SUMMARY:Y', 'RECURRENCE-ID:20270105T090000', 'DTSTART:20270105T100000X']),
      'END:VCALENDAR',
    ].join('\n');
    const holidays = parseIcsEvents(CORPUS, 'Asia/Shanghai');
    const broken = parseIcsEvents(cal, 'Asia/Shanghai');
    // as meetings, its all-day holidays are skipped (its timed make-up days would be meetings)
    expect(holidays.skipped.length).toBe(CORPUS.match(/^DTSTART;VALUE=DATE:/gm)!.length);
    expect(holidays.skipped.length + holidays.events.length).toBe(CORPUS.match(/^BEGIN:VEVENT/gm)!.length);
    expect(broken.skipped.map((s) => s.uid)).toEqual([
      'a@x',
      'b@x',
      'c@x',
      'd@x',
      'e@x',
      'f@x',
      'g@x',
      'h@x',
      'i@x',
      'j@x',
      'z@x',
      'y@x',
    ]);
    const reasons = [...holidays.skipped, ...broken.skipped].map((s) => s.reason);
    const skippedZh = reasons.map((r) => explain(r, 'zh'));
    const left = skippedZh.flatMap((z, i) =>
      untranslated(z, allowList(['Mars', 'Olympus', 'HOURLY', 'PT1X'])).map((o) => `${reasons[i]} → ${z}: ${o.word}`),
    );
    expect(left).toEqual([]);
    expect(skippedZh[0]).toMatch(/^全天的 DTSTART（\d{8}）：全天事件不是会议$/);
    expect(new Set(skippedZh).size).toBeGreaterThanOrEqual(12);
  });

  it('bad recurrence rules, years and time zones into the real rule reader and zone code are refused in Chinese', () => {
    const rules = [
      '',
      'BYDAY=MO',
      'FREQ=HOURLY',
      'FREQ=WEEKLY;BYDAY=MONDAY',
      'FREQ=WEEKLY;BYDAY=60MO',
      'FREQ=DAILY;COUNT=abc',
      'FREQ=DAILY;COUNT=3;UNTIL=20270101',
      'FREQ=DAILY;UNTIL=2027-01-01',
      'FREQ=DAILY;UNTIL=20270231',
      'FREQ=DAILY;BYHOUR=9',
      'FREQ=DAILY;COLOUR=blue',
      'FREQ=DAILY;FREQ=WEEKLY',
      'FREQ=DAILY;INTERVAL=0',
      'FREQ=MONTHLY;BYMONTHDAY=40',
      'FREQ=MONTHLY;BYMONTHDAY=x',
      'FREQ=WEEKLY;WKST=XY',
      'FREQ=DAILY;COUNT=',
      'FREQ=DAILY;NOPE',
    ];
    const errors = [
      ...rules.map((r) => refused(() => parseRRule(r))),
      refused(() => new Recurrence({ startUtc: Date.UTC(100, 0, 1), durationMs: 3_600_000, rrule: null, tz: 'UTC' })),
      refused(() => utcToWall(0, 'Mars/Olympus')),
      refused(() => checkTitle('Weekly\u001b[2J')),
    ];
    expect(errors.every((e) => e.code === 'SCHEDULE_INVALID')).toBe(true);
    // the operator's own rule text comes back as typed (upper-cased)
    const { zh, offences } = inChinese(errors, [
      'MONDAY',
      'HOURLY',
      'abc',
      'COLOUR',
      'blue',
      'NOPE',
      'Mars',
      'Olympus',
      'Weekly',
      'ESC',
    ]);
    expect(offences).toEqual([]);
    expect(zh[3]).toBe(
      '预约有误：重复规则“FREQ=WEEKLY;BYDAY=MONDAY”有误：BYDAY 应列出星期几，如 MO,WE 或 1MO,-1FR，收到“MONDAY”（示例：FREQ=WEEKLY;BYDAY=MO）',
    );
    expect(zh.at(-1)).toContain('第 7 个字符 ESC（U+001B）');
  });

  it('a capacity and a shared-site conflict from the real conflict check are said in Chinese line by line', () => {
    const hour = 3_600_000;
    const at = Date.UTC(2027, 0, 4, 1);
    const meeting = (id: string, participants: string[]): BookedMeeting => ({
      scheduleId: id,
      title: `会议${id}`,
      tz: 'Asia/Shanghai',
      participants,
      occurrences: [{ key: at, start: at, end: at + hour }],
    });
    const conflicts = findConflicts(meeting('new-1', ['mihe', 'beiguan', 'shi']), [meeting('old-1', ['mihe', 'up'])], {
      maxConcurrentConferences: 1,
      maxLegs: 4,
      upstreamIds: new Set(['up']),
    });
    expect(conflicts.map((c) => c.kind).sort()).toEqual(['capacity', 'endpoint']);
    const e = new VcError('SCHEDULE_CONFLICT', describeConflicts(conflicts, 'Asia/Shanghai'));
    const { zh, offences } = inChinese([e], ['mihe']);
    expect(offences).toEqual([]);
    expect(zh[0]).toContain('容量不足：2027-01-04 09:00 Asia/Shanghai 将同时有 2 个会议（最多 1 个），同时进行的有');
  });

  it('forged, cut, missing and expired join links through the real token signer on a real store are refused in Chinese', async () => {
    const store = Store.open(join(tmp(), 'vcbridge.db'));
    try {
      const clock = new ManualClock(Date.parse('2026-12-07T01:00:00Z'));
      const tokens = new JoinTokens({ kv: store.kv, clock });
      const { token } = tokens.issue({ conferenceId: 'c-1', name: '教育局', ttlMs: 3_600_000 });
      const [body, sig] = token.split('.') as [string, string];
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${Buffer.from(JSON.stringify({ ...claims, c: 'c-2' })).toString('base64url')}.${sig}`;
      const live = tokens.issueLive({ conferenceId: 'c-1', ttlMs: 3_600_000 }).token;
      const errors = [
        refused(() => tokens.verify(undefined)),
        refused(() => tokens.verify('no-dot-here')),
        refused(() => tokens.verify(forged)),
        refused(() => tokens.verify(live)),
        refused(() => tokens.verifyLive(token)),
      ];
      await clock.advance(3_600_000);
      errors.push(refused(() => tokens.verify(token)));
      expect(errors.map((e) => e.code)).toEqual([
        'TOKEN_INVALID',
        'TOKEN_INVALID',
        'TOKEN_INVALID',
        'TOKEN_INVALID',
        'TOKEN_INVALID',
        'TOKEN_EXPIRED',
      ]);
      const { zh, offences } = inChinese(errors);
      expect(offences).toEqual([]);
      expect(zh[2]).toBe('链接无效：邀请令牌不是真的（被改动过，或不是本桥接服务生成的）');
      expect(zh[5]).toBe('链接已过期：该邀请已于 2026-12-07T02:00:00.000Z 过期');
    } finally {
      store.close();
    }
  });

  it('a bad report day, a stream of a bad id, a live folder that cannot be made and a data dir in use are refused in Chinese', () => {
    const streams = (liveDir: string): LiveStreams =>
      new LiveStreams({
        feed: {} as FeedSource,
        dir: liveDir,
        log: silentLogger(),
        onChange: () => undefined,
        onAlarm: () => undefined,
      });
    const dir = tmp();
    // the live folder is taken by a file after the start: no stream can make its folder in it
    const blocked = streams(join(dir, 'blocked'));
    writeFileSync(join(dir, 'blocked'), 'not a folder');
    const locked = tmp();
    // a live process other than this one holds the lock (the test runner's parent)
    writeFileSync(join(locked, 'vcbridged.lock'), `${process.ppid}\n`);
    const errors = [
      refused(() => dayWindow('Asia/Shanghai', Date.now(), 'tomorrow')),
      refused(() => dayWindow('Asia/Shanghai', Date.now(), '2026-02-30')),
      refused(() => streams(join(dir, 'live')).startHls('../etc')),
      refused(() => blocked.startHls('c-1')),
      refused(() => DataDirLock.acquire(locked)),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'PARAMS_INVALID',
      'PARAMS_INVALID',
      'PARAMS_INVALID',
      'MEDIA_FAILED',
      'DATA_DIR_LOCKED',
    ]);
    // the operating system's own error text is passed on as it is (ENOTDIR ...)
    const { zh, offences } = inChinese(errors, [
      'tomorrow',
      'etc',
      'not',
      'directory',
      'mkdir',
      'unlink',
      'tmp',
      'blocked',
    ]);
    expect(offences).toEqual([]);
    expect(zh[1]).toContain('日期 2026-02-30 不是有效的日子');
    expect(zh[4]).toContain(`pid ${process.ppid}`);
  });

  it('the scheduler, the web server, reports, the shared helpers and the daemon process build every VcError message and notice from a template', () => {
    const files = [
      ...readdirSync(join(ROOT, 'daemon'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `daemon/${f}`),
      ...['daemon/scheduler', 'daemon/web', 'daemon/reports', 'daemon/util'].flatMap((d) => tsFilesUnder(d)),
    ];
    // the directories as they are today: Daemon.ts, lock.ts, layers.ts … and 40-odd modules below
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain('daemon/scheduler/ics/icsText.ts');
    expect(files).toContain('daemon/web/JoinTokens.ts');
    expect(literalMessages(files, { notices: true })).toEqual([]);
  });
});
