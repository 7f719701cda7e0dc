import { describe, expect, it } from 'vitest';
import type { OccurrenceView } from '../../protocol/index.js';
import { CliError } from '../../cli/errors.js';
import { ScheduleScreen } from '../../cli/ui/screens/ScheduleScreen.js';
import type { ScheduleAddParams } from '../../cli/ui/data/calls.js';
import { SITE, frameWith, plain, renderIn, settle } from '../helpers/console.js';

const NOW = Date.parse('2026-12-07T00:45:00Z'); // Monday 08:45 in Gongyi
const TAB = '\t';
const occ = (title: string, start: string, minutes: number, extra: Partial<OccurrenceView> = {}): OccurrenceView =>
  ({ scheduleId: title, title, start, end: new Date(Date.parse(start) + minutes * 60_000).toISOString(), state: 'pending', ...extra });
const WEEK = [
  occ('周一例会', '2026-12-07T01:00:00Z', 90, { state: 'preflight' }),
  occ('Flood drill', '2026-12-07T06:00:00Z', 60),
  occ('防汛调度会', '2026-12-09T02:00:00Z', 45),
  occ('Next month', '2027-01-10T02:00:00Z', 45),
];

function setup(opts: { refuse?: string; lang?: 'en' | 'zh' } = {}) {
  const booked: ScheduleAddParams[] = [];
  const reloads: number[] = [];
  const add = async (p: ScheduleAddParams) => {
    if (opts.refuse) throw new CliError('SCHEDULE_CONFLICT', opts.refuse);
    booked.push(p);
    return { id: 's9' };
  };
  const r = renderIn(opts.lang ?? 'en', (
    <ScheduleScreen occurrences={WEEK} endpoints={SITE} now={NOW} timezone="Asia/Shanghai" height={40} addSchedule={add} onBooked={() => reloads.push(1)} onBack={() => {}} />
  ));
  const type = async (text: string) => {
    r.stdin.write(text);
    await settle();
  };
  return { ...r, booked, reloads, type, frame: () => plain(r.lastFrame()) };
}

describe('ScheduleScreen', () => {
  it('lists the week day by day with times, length and state, and nothing beyond the week', () => {
    const f = setup().frame();
    expect(f).toMatch(/Mon 7 Dec\s+09:00–10:30\s+周一例会\s+1h 30m\s+pre-flight/);
    expect(f).toMatch(/\n\s+14:00–15:00\s+Flood drill\s+1h 00m\s+scheduled/);
    expect(f).toMatch(/Wed 9 Dec\s+10:00–10:45\s+防汛调度会/);
    expect(f).not.toContain('Next month');
    expect(f).toContain('a add meeting · q back');
  });

  it('books a meeting through the form, checking each field as it is typed', async () => {
    const { stdin, type, frame, booked, reloads } = setup();
    await type('a');
    expect(frame()).toContain('New meeting');
    await type('周一例会');
    await type(TAB);
    await type('2026-12-06 09:00');
    expect(frame()).toMatch(/Start\s+2026-12-06 09:00[\s│]+✕ that time has passed/);
    for (let i = 0; i < '06 09:00'.length; i++) stdin.write('\u007f');
    await type('14 09:00');
    expect(frame()).not.toContain('that time has passed');
    await type(TAB);
    await type('90x');
    expect(frame()).toContain('✕ write a duration such as 90m or 1h30m');
    stdin.write('\u007f');
    await type('m');
    await type('\r');
    await type('towns, nowhere');
    expect(frame()).toContain('✕ unknown endpoint or group: nowhere');
    for (let i = 0; i < ', nowhere'.length; i++) stdin.write('\u007f');
    await type(TAB);
    await type('FREQ=WEEKLY;BYDAY=MO');
    await type(TAB);
    await type('zhengzhou');
    await type(TAB);
    await type('\r');
    await frameWith(frame, 'booked "周一例会"');
    expect(booked).toEqual([{
      title: '周一例会', start: '2026-12-14T01:00:00.000Z', durationMinutes: 90, timezone: 'Asia/Shanghai',
      endpoints: ['xiaoguan', 'mihe', 'zhulin'], rrule: 'FREQ=WEEKLY;BYDAY=MO', upstream: 'zhengzhou',
    }]);
    expect(reloads).toEqual([1]);
    expect(frame()).not.toContain('New meeting');
  });

  it('says why an occurrence is skipped (the holiday by name) and why one was added (补班), in English and Chinese', () => {
    const days = [
      occ('每日调度会', '2026-12-07T01:00:00Z', 30, { state: 'skipped', reason: 'holiday: 县庆' }),
      occ('每日调度会', '2026-12-08T01:00:00Z', 30, {
        state: 'skipped',
        reason: 'day off (2027 arrangement not published yet: statutory holidays only)',
      }),
      occ('每日调度会', '2026-12-12T01:00:00Z', 30, { note: 'make-up working day (补班, 国庆节)' }),
    ];
    const frame = (lang: 'en' | 'zh') =>
      plain(renderIn(lang, (
        <ScheduleScreen occurrences={days} endpoints={SITE} now={NOW} timezone="Asia/Shanghai" height={40} addSchedule={async () => ({ id: 'x' })} onBooked={() => {}} onBack={() => {}} />
      )).lastFrame());
    const en = frame('en');
    expect(en).toMatch(/09:00–09:30\s+每日调度会\s+30m 00s\s+skipped \(holiday\)\s+holiday: 县庆/);
    expect(en).toMatch(/skipped \(holiday\)\s+day off \(2027 arrangement/);
    expect(en).toMatch(/scheduled\s+make-up working day \(补班, 国庆节\)/);
    const zh = frame('zh');
    expect(zh).toMatch(/节假日跳过\s+节假日：县庆/);
    expect(zh).toMatch(/节假日跳过\s+休息日（2027 年/);
    expect(zh).toContain('调休补班日（国庆节）');
  });

  it('will not send a form with mistakes and marks every missing field', async () => {
    const { type, frame, booked } = setup();
    await type('a');
    for (let i = 0; i < 6; i++) await type(TAB);
    await type('\r');
    const f = frame();
    expect(f).toContain('fix the marked fields first');
    expect(f.match(/✕ required/g)).toHaveLength(4);
    expect(booked).toEqual([]);
  });

  it('shows the daemon\'s refusal under the form and keeps what was typed', async () => {
    const { type, frame } = setup({ refuse: 'xiaoguan is already booked 09:00–10:30 in 周一例会', lang: 'zh' });
    await type('a');
    for (const v of ['第二个会', '2026-12-07 09:30', '30m', 'xiaoguan', '', '', '']) {
      await type(v);
      await type('\r');
    }
    await frameWith(frame, '守护进程拒绝：xiaoguan is already booked 09:00–10:30 in 周一例会');
    expect(frame()).toContain('第二个会');
  });

  it('cancels the form with Esc', async () => {
    const { type, frame } = setup();
    await type('a');
    await type('x');
    await type('\u001b');
    // Ink holds a lone ESC a moment (it may start a key sequence): wait for it, however busy the machine
    for (let i = 0; i < 250 && frame().includes('New meeting'); i++) await settle(20);
    expect(frame()).not.toContain('New meeting');
  });
});
