// What a meeting starts and resumes with besides its sites (its plan), through the built daemon and
// CLI on a real SQLite file: `template show` and `schedule show` say a template's layout, polling,
// recording and working-day calendar (in both languages, and in --json); a running conference killed
// with SIGKILL comes back with the layout, banner and polling it had — the operator's changes
// included, not only the template's.
import type { ConferenceView, ScheduleBookResult, ScheduleDetail, TemplateView } from '../../protocol/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, runCli, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { allowList, untranslated } from '../helpers/untranslated.js';
import { until } from '../helpers/wait.js';

let d: RunningDaemon;
const cli = (args: string[]) => runCli(d.url, args, TOKENS.operator);
const json = async <T>(args: string[]): Promise<T> => {
  const r = await cli([...args, '--json']);
  expect(r.code, r.stderr || r.stdout).toBe(0);
  return JSON.parse(r.stdout) as T;
};
const town = (id: string, zh: string, en: string, port: number) => ({
  id,
  name: { zh, en },
  kind: 'town',
  uri: `sip:${id}@127.0.0.1:${port}`,
  groups: ['towns'],
});

beforeAll(async () => {
  const config = testConfig(await freePort(), await freePort(), {
    endpoints: [
      // nobody answers there: the meeting runs (its sites redialled) and its plan is what is checked
      town('xiaoguan', '小关镇', 'Xiaoguan', 9),
      town('mihe', '米河镇', 'Mihe', 9),
      town('zhulin', '竹林镇', 'Zhulin', 9),
      { id: 'zhuhuichang', name: { zh: '市政府主会场', en: 'City Main Room' }, kind: 'city', uri: 'sip:z@127.0.0.1:9' },
    ],
    templates: [
      {
        id: 'patrol',
        name: { zh: '轮巡检查', en: 'Patrol' },
        groups: ['towns'],
        chair: 'zhuhuichang',
        durationMinutes: 60,
        layout: '2x2',
        polling: { intervalSeconds: 15, group: 'towns', pane: 4 },
        workdays: 'cn',
      },
    ],
  });
  d = await startDaemon({ config });
}, 120_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
});

describe("a meeting's plan: shown, and kept across a crash", () => {
  it('`template show` says the layout, polling and working-day calendar, in English, Chinese and --json', async () => {
    const v = await json<TemplateView>(['template', 'show', 'patrol']);
    expect(v).toMatchObject({
      layout: '2x2',
      polling: { intervalSeconds: 15, group: 'towns', pane: 4 },
      workdays: 'cn',
    });
    const en = await cli(['template', 'show', 'patrol', '--lang', 'en']);
    expect(en.stdout).toMatch(/layout\s+2x2/);
    expect(en.stdout).toMatch(/polling\s+every 15 s through the towns sites of the meeting, in pane 4/);
    expect(en.stdout).toMatch(/workdays\s+China's working-day calendar/);
    const zh = await cli(['template', 'show', 'patrol', '--lang', 'zh']);
    expect(zh.stdout).toMatch(/轮巡\s+每 15 秒，依次为会议中 towns 分组的会场，在第 4 画面/);
    expect(
      untranslated(zh.stdout, allowList(['patrol', 'towns', 'xiaoguan', 'mihe', 'zhulin', 'zhuhuichang'])),
    ).toEqual([]);
  }, 60_000);

  it('`schedule show` says the template a series was booked from, its layout, polling, recording and calendar', async () => {
    const booked = await json<ScheduleBookResult>([
      'schedule',
      'add',
      '--template',
      'patrol',
      '--start',
      '2031-01-06 09:00',
      '--rrule',
      'FREQ=WEEKLY;BYDAY=MO',
      '--record',
    ]);
    const id = booked.schedule.id;
    const v = await json<ScheduleDetail>(['schedule', 'show', id]);
    expect(v.plan).toEqual({
      template: 'patrol',
      layout: '2x2',
      polling: { intervalSeconds: 15, group: 'towns', pane: 4 },
      record: true,
    });
    expect(v.workdays).toBe('cn');
    const en = await cli(['schedule', 'show', id, '--lang', 'en']);
    expect(en.stdout).toMatch(/template: +patrol/);
    expect(en.stdout).toMatch(/layout: +2x2/);
    expect(en.stdout).toMatch(/polling: +every 15 s through the towns sites of the meeting, in pane 4/);
    expect(en.stdout).toMatch(/recorded: +every meeting, from its start/);
    expect(en.stdout).toMatch(/workdays: +China's working-day calendar/);
    const zh = await cli(['schedule', 'show', id, '--lang', 'zh']);
    expect(zh.stdout).toMatch(/模板： +patrol/);
    expect(zh.stdout).toMatch(/录制： +每次会议从开始录制/);
    // a series booked without a template has no plan
    const plain = await json<ScheduleBookResult>([
      'schedule',
      'add',
      '--title',
      '周二例会',
      '--start',
      '2031-01-07 09:00',
      '--duration',
      '30m',
      '--endpoints',
      'mihe',
    ]);
    expect((await json<ScheduleDetail>(['schedule', 'show', plain.schedule.id])).plan).toBeNull();
  }, 60_000);

  it("SIGKILL mid-meeting: the conference resumes with the layout, banner and polling it had, the operator's changes included", async () => {
    const started = await json<ConferenceView>(['conf', 'start', '--template', 'patrol', '--wait', '0']);
    const id = started.id;
    const show = () => json<ConferenceView>(['conf', 'show', id]);
    await until(
      "the template's layout and pane polling",
      async () => {
        const v = await show();
        return v.multiview?.layout === '2x2' && v.polling?.pane === 4;
      },
      30_000,
    );
    // the operator changes what the template started: another interval and list, a banner, a pin
    expect((await cli(['conf', 'poll', id, '--interval', '20s', '--sites', 'zhulin,mihe', '--pane', '3'])).code).toBe(
      0,
    );
    expect((await cli(['conf', 'banner', id, '防汛会商'])).code).toBe(0);
    expect((await cli(['conf', 'pane', id, '1', 'xiaoguan'])).code).toBe(0);
    const before = await show();
    expect(before.polling).toMatchObject({ intervalSeconds: 20, sites: ['zhulin', 'mihe'], pane: 3 });

    await d.stop('SIGKILL');
    d = await startDaemon({ dir: d.dir });
    await until('the conference resumed', async () => (await show()).state === 'active', 60_000);
    const after = await show();
    expect(after.id).toBe(id);
    expect(after.multiview).toMatchObject({ layout: '2x2', banner: '防汛会商' });
    expect(after.multiview?.pins.conference).toMatchObject({ '1': 'xiaoguan' });
    expect(after.polling).toMatchObject({ intervalSeconds: 20, sites: ['zhulin', 'mihe'], target: null, pane: 3 });
    expect((await cli(['conf', 'end', id])).code).toBe(0);
  }, 180_000);
});
