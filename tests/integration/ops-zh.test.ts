// The scheduler's calendars, rules and zones and the daily report refusing bad input, as a
// Chinese-speaking operator sees it through the real CLI against a real daemon (issue #14 item 6):
// a broken copy of the published holiday calendar, the same calendar imported as meetings (every
// holiday skipped, with why), a bad repeat rule, an unknown time zone, a day that does not exist.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSync, ROOT, TOKENS, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

const CORPUS = readFileSync(join(ROOT, 'tests/corpora/china-holidays/cal_holiday.ics'), 'utf8');
const LINES = CORPUS.split(/\r?\n/);

let d: RunningDaemon;
let as: string[];
const dir = mkdtempSync(join(tmpdir(), 'vcb-ops-zh-'));
beforeAll(async () => {
  d = await startDaemon();
  as = ['--url', d.url, '--token', TOKENS.operator];
}, 120_000);
afterAll(async () => {
  await d?.stop('SIGKILL');
});

/** The CLI in a C locale, so only --lang zh makes it Chinese. */
const cli = (args: string[]) => cliSync(args, { LANG: 'C' });
const file = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('calendar, rule, zone and report refusals in Chinese through the real CLI and daemon', () => {
  it('calendar import of a broken holiday calendar names the line in Chinese; English as before', () => {
    // a folded description line that lost its leading space
    const n = LINES.findIndex((l) => l.startsWith('DESCRIPTION:')) + 2;
    const bad = file('bad.ics', LINES.map((l, i) => (i === n - 1 ? '放假通知：见国务院办公厅通知' : l)).join('\r\n'));
    const en = cli(['calendar', 'import', bad, ...as]);
    expect(en.code).not.toBe(0);
    expect(en.err).toContain(`line ${n}: not a property line`);
    const zh = cli(['calendar', 'import', bad, ...as, '--lang', 'zh']);
    expect(zh.code).not.toBe(0);
    expect(zh.err).toContain(`日历文件有误：第 ${n} 行：不是属性行：“放假通知：见国务院办公厅通知”`);
    expect(untranslated(zh.err, allowList([])), zh.err).toEqual([]);
    // cut short: the open event is named
    const cut = file('cut.ics', LINES.slice(0, LINES.indexOf('END:VEVENT')).join('\r\n'));
    const zhCut = cli(['calendar', 'import', cut, ...as, '--lang', 'zh']);
    expect(zhCut.err).toContain('BEGIN:VEVENT 没有结束（文件不完整？）');
    expect(untranslated(zhCut.err, allowList([])), zhCut.err).toEqual([]);
  }, 180_000);

  it('schedule import of the holiday calendar: every all-day holiday skipped, each reason in Chinese', () => {
    const ics = file('holidays.ics', CORPUS);
    const zh = cli(['schedule', 'import', ics, '--endpoints', 'xiaoguan', ...as, '--lang', 'zh']);
    const skipped = zh.out.split('\n').filter((l) => l.includes('全天事件不是会议'));
    expect(skipped.length, zh.out + zh.err).toBeGreaterThan(0);
    // the summaries and UIDs are the calendar's own (「国庆节 假期」, 20251001T000001_holiday_25@YangH9)
    expect(untranslated(skipped.join('\n'), allowList(['YangH9', 'holiday'])), skipped.join('\n')).toEqual([]);
  }, 180_000);

  it('schedule add with a bad rule and with an unknown zone, and report daily for a day that does not exist', () => {
    const add = ['schedule', 'add', '--title', '周例会', '--start', '2030-01-07 09:00', '--duration', '60m'];
    const rule = cli([...add, '--endpoints', 'xiaoguan', '--rrule', 'FREQ=WEEKLY;BYDAY=MONDAY', ...as, '--lang', 'zh']);
    expect(rule.code).not.toBe(0);
    expect(rule.err).toContain(
      '重复规则“FREQ=WEEKLY;BYDAY=MONDAY”有误：BYDAY 应列出星期几，如 MO,WE 或 1MO,-1FR，收到“MONDAY”',
    );
    const freq = cli([...add, '--endpoints', 'xiaoguan', '--rrule', 'FREQ=HOURLY', ...as, '--lang', 'zh']);
    expect(freq.err).toContain('不支持 FREQ=HOURLY（请用 DAILY、WEEKLY、MONTHLY 或 YEARLY）');
    const zone = cli([...add, '--endpoints', 'xiaoguan', '--tz', 'Mars/Olympus', ...as, '--lang', 'zh']);
    expect(zone.code).not.toBe(0);
    expect(zone.err).toContain('未知时区“Mars/Olympus”');
    const day = cli(['report', 'daily', '--date', '2026-02-30', ...as, '--lang', 'zh']);
    expect(day.code).not.toBe(0);
    expect(day.err).toContain('日期 2026-02-30 不是有效的日子');
    for (const r of [rule, freq, zone, day])
      expect(untranslated(r.err, allowList(['MONDAY', 'HOURLY', 'Mars', 'Olympus'])), r.err).toEqual([]);
  }, 180_000);
});
