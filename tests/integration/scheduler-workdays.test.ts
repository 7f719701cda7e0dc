// Working days the Chinese way through the real daemon and CLI (SQLite file, restart included):
// a published holiday calendar imports as days (not meetings), `schedule add --workdays cn` skips
// holidays and lists them with the holiday's name, make-up days count for every-working-day series,
// a year not published yet uses the statutory holidays and says so, and the site's days survive a
// restart of the daemon.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CalendarImportResult,
  CalendarListResult,
  OccurrenceView,
  ScheduleBookResult,
} from '../../protocol/index.js';
import { CLI_JS, TOKENS, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { corpusFile } from '../helpers/sharedCorpus.js';

let d: RunningDaemon;
const dir = mkdtempSync(join(tmpdir(), 'vcb-workdays-'));

function cli<T>(args: string[]): T {
  const r = spawnSync(process.execPath, [CLI_JS, ...args, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: dir, VCBRIDGE_URL: d.url, VCBRIDGE_TOKEN: TOKENS.operator },
  });
  if (r.status !== 0) throw new Error(`vcbridge ${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const local = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  d = await startDaemon();
}, 30_000);
afterAll(async () => {
  await d?.stop('SIGKILL');
});

describe('working days (调休) through the daemon', () => {
  it('the published 2025–2026 holiday calendar imports as 72 days, and books no meeting', () => {
    const r = cli<CalendarImportResult>(['calendar', 'import', corpusFile('china-holidays/cal_holiday.ics')]);
    expect(r).toMatchObject({ years: [2025, 2026], skipped: [] });
    expect(r.offDays + r.workDays).toBe(72);
    expect(cli<OccurrenceView[]>(['schedule', 'list', '--from', '2025-01-01', '--to', '2026-01-30'])).toEqual([]);
    const y = cli<CalendarListResult>(['calendar', 'list', '--year', '2026']);
    expect(y.confirmed).toBe(true);
    expect(y.days.find((x) => x.day === '2026-09-20')).toEqual({
      day: '2026-09-20',
      kind: 'work',
      name: '国庆节',
      source: 'site',
    });
  });

  it('a year not published yet: only its statutory holidays count, and the listing of the series says the year is not confirmed', () => {
    const y = cli<CalendarListResult>(['calendar', 'list', '--year', '2027']);
    expect(y.confirmed).toBe(false);
    expect(y.days.filter((x) => x.name === '元旦')).toEqual([
      { day: '2027-01-01', kind: 'off', name: '元旦', source: 'statutory' },
    ]);
    const booked = cli<ScheduleBookResult>([
      'schedule',
      'add',
      '--title',
      '每日调度会',
      '--start',
      '2027-12-27 09:00',
      '--duration',
      '30m',
      '--rrule',
      'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      '--endpoints',
      'xiaoguan',
      '--workdays',
      'cn',
    ]);
    expect(booked.schedule.workdays).toBe('cn');
    const list = cli<OccurrenceView[]>([
      'schedule',
      'list',
      '--id',
      booked.schedule.id,
      '--from',
      '2027-12-27',
      '--to',
      '2028-01-08',
    ]);
    const byDay = new Map(list.map((o) => [local(o.start), o]));
    expect(byDay.get('2027-12-31')?.state).toBe('pending');
    expect(byDay.get('2027-12-31')?.note).toMatch(/2027 holidays not published yet: statutory holidays only/);
    // 2028 is not published either: 1 Jan 2028 is a Saturday, so nothing to skip there; 3 Jan is worked
    expect(byDay.get('2028-01-03')?.state).toBe('pending');
    const y2 = cli<OccurrenceView[]>([
      'schedule',
      'list',
      '--id',
      booked.schedule.id,
      '--from',
      '2027-12-20',
      '--to',
      '2028-01-10',
    ]);
    expect(y2.filter((o) => o.state === 'skipped')).toEqual([]);
  });

  it("the site's own calendar for a year: a holiday skipped by name, a make-up Saturday worked, kept across a restart", async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'DTSTART;VALUE=DATE:20280101',
      'DTEND;VALUE=DATE:20280104',
      'SUMMARY:「元旦 假期」 第1天/共3天',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTART:20280108T090000',
      'DTEND:20280108T180000',
      'SUMMARY:「元旦 补班」 第1天/共1天',
      'STATUS:TENTATIVE',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const file = join(dir, 'site-2028.ics');
    writeFileSync(file, ics);
    expect(cli<CalendarImportResult>(['calendar', 'import', file])).toMatchObject({
      offDays: 3,
      workDays: 1,
      years: [2028],
    });
    const s = cli<OccurrenceView[]>(['schedule', 'list', '--from', '2027-12-20', '--to', '2028-01-12']);
    const check = (list: OccurrenceView[]): void => {
      const byDay = new Map(list.map((o) => [local(o.start), o]));
      expect(byDay.get('2028-01-03')).toMatchObject({ state: 'skipped', reason: 'holiday: 元旦' });
      expect(byDay.get('2028-01-08')).toMatchObject({ state: 'pending', note: 'make-up working day (补班, 元旦)' });
      expect(byDay.get('2028-01-07')?.state).toBe('pending');
    };
    check(s);
    expect(
      spawnSync(process.execPath, [CLI_JS, 'schedule', 'list', '--from', '2028-01-01', '--to', '2028-01-10'], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CONFIG_HOME: dir, VCBRIDGE_URL: d.url, VCBRIDGE_TOKEN: TOKENS.operator },
      }).stdout,
    ).toMatch(/skipped.*holiday: 元旦/);
    await d.stop('SIGTERM');
    d = await startDaemon({ dir: d.dir });
    check(cli<OccurrenceView[]>(['schedule', 'list', '--from', '2027-12-20', '--to', '2028-01-12']));
  }, 120_000);

  it('`schedule edit --workdays none|cn` re-expands the series and checks conflicts again; a refused edit changes nothing', () => {
    const period = ['--from', '2027-12-20', '--to', '2028-01-12'];
    const series = cli<OccurrenceView[]>(['schedule', 'list', ...period]).find((o) => o.title === '每日调度会')!;
    const id = series.scheduleId;
    const days = (): Map<string, OccurrenceView> =>
      new Map(cli<OccurrenceView[]>(['schedule', 'list', '--id', id, ...period]).map((o) => [local(o.start), o]));
    const off = cli<ScheduleBookResult>(['schedule', 'edit', id, '--workdays', 'none']);
    expect(off.schedule.workdays).toBeUndefined();
    let byDay = days();
    expect(byDay.get('2028-01-03')?.state).toBe('pending'); // the holiday is a plain Monday again
    expect(byDay.has('2028-01-08')).toBe(false); // and the make-up Saturday is no meeting day
    // xiaoguan is free on the holiday only while the series follows the calendar
    const on = cli<ScheduleBookResult>(['schedule', 'edit', id, '--workdays', 'cn']);
    expect(on.schedule.workdays).toBe('cn');
    byDay = days();
    expect(byDay.get('2028-01-03')).toMatchObject({ state: 'skipped', reason: 'holiday: 元旦' });
    expect(byDay.get('2028-01-08')?.state).toBe('pending');
    cli<ScheduleBookResult>([
      'schedule',
      'add',
      '--title',
      '节日值班',
      '--start',
      '2028-01-03 09:00',
      '--duration',
      '30m',
      '--endpoints',
      'xiaoguan',
    ]);
    const r = spawnSync(process.execPath, [CLI_JS, 'schedule', 'edit', id, '--workdays', 'none', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CONFIG_HOME: dir, VCBRIDGE_URL: d.url, VCBRIDGE_TOKEN: TOKENS.operator },
    });
    expect(r.status).not.toBe(0);
    expect((JSON.parse(r.stdout || r.stderr) as { error: { code: string } }).error.code).toBe('SCHEDULE_CONFLICT');
    expect(days().get('2028-01-03')).toMatchObject({ state: 'skipped', reason: 'holiday: 元旦' });
    const bad = spawnSync(process.execPath, [CLI_JS, 'schedule', 'edit', id, '--workdays', 'us'], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CONFIG_HOME: dir, VCBRIDGE_URL: d.url, VCBRIDGE_TOKEN: TOKENS.operator },
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--workdays takes cn .* or none/);
  }, 120_000);
});
