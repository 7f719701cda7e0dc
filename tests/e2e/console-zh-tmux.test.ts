// Every screen of the console in Chinese, in a real terminal (tmux) against the real, built daemon:
// the overview, a running meeting (two real baresip rooms connected, the other sites failing and
// redialled, so the event list and the reasons are full), its choosers and questions, the
// technician's list and a diagnosis that fails, the week's schedule and the booking form. Each
// screen is captured as the operator sees it and must hold no English word, catalogue key or
// unfilled placeholder (ids, units and protocol words apart). On the way, the pane-polling key
// (P, then the pane) is checked against what the daemon itself says, and the compositor panel (E)
// against a recording's picture.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../protocol/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI_JS, ROOT, TOKENS, runCli, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { startTownRooms, tearDownConsoleRig, townEndpoint } from '../helpers/consoleRig.js';
import { freePort } from '../helpers/ports.js';
import { allowList, untranslated } from '../helpers/untranslated.js';
import { until } from '../helpers/wait.js';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import { TmuxSession } from '../peers/tmux.js';

const SITE = '巩义市视频会议系统';
const ROOMS = [
  { id: 'mihe', zh: '米河镇', en: 'Mihe', toneHz: 440 },
  { id: 'xiaoguan', zh: '小关镇', en: 'Xiaoguan', toneHz: 660 },
] as const;
/** Configured, but nobody answers there: they fail and are redialled (reasons on screen). */
const ABSENT = [
  { id: 'zhuhuichang', zh: '市政府主会场', en: 'City Main Room', kind: 'city' },
  { id: 'zhengzhou', zh: '郑州市政府', en: 'Zhengzhou', kind: 'upstream' },
  { id: 'zhulin', zh: '竹林镇', en: 'Zhulin', kind: 'town' },
  { id: 'jiaoyu', zh: '教育局', en: 'Education Bureau', kind: 'bureau' },
] as const;
/** Key names the help line shows as they are on the keyboard. */
const KEY_NAMES = ['Esc', 'Enter', 'Tab'];

const rooms = new Map<string, BaresipRoom>();
let daemon: RunningDaemon | undefined;
let term: TmuxSession | undefined;
let cliHome = '';
let confId = '';
const allowed = allowList(
  [...ROOMS, ...ABSENT].map((s) => s.id),
  ['towns', 'weekly', ...KEY_NAMES],
);

function cli(args: string[]): ReturnType<typeof runCli> {
  return runCli(daemon!.url, args, TOKENS.operator, 60_000, { XDG_CONFIG_HOME: cliHome });
}

async function show(): Promise<ConferenceView> {
  const r = await cli(['conf', 'show', confId, '--json']);
  return JSON.parse(r.stdout) as ConferenceView;
}

/** The screen now, checked: no English left. Returns it for more assertions. */
async function checked(what: string, anchor: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const screen = await term!.waitForText(anchor, timeoutMs);
  const offences = untranslated(screen, allowed);
  expect(
    offences,
    `${what}: English on the screen:\n${offences.map((o) => `  "${o.word}" in: ${o.line}`).join('\n')}\n\n${screen}`,
  ).toEqual([]);
  return screen;
}

/** One key, then wait until the screen shows (or no longer shows) `text`: keys sent back to back can
 *  reach the console in one read, which it takes as one input and ignores. */
async function press(key: string, text: string | RegExp, gone = false): Promise<void> {
  await term!.sendKeys(key);
  await until(
    `${key} → ${gone ? 'no more ' : ''}${String(text)}`,
    async () => {
      const screen = await term!.capture();
      return (typeof text === 'string' ? screen.includes(text) : text.test(screen)) !== gone;
    },
    20_000,
  );
}

beforeAll(async () => {
  cliHome = mkdtempSync(join(tmpdir(), 'vcb-cli-home-'));
  await ensureBuilt();
  await startTownRooms(rooms, ROOMS);
  const [api, sip] = [await freePort(), await freePort()];
  daemon = await startDaemon({
    config: testConfig(api, sip, {
      site: { name: SITE, timezone: 'Asia/Shanghai' },
      endpoints: [
        ...ROOMS.map((t) => townEndpoint(t, rooms.get(t.id)!)),
        ...ABSENT.map((s) => ({
          id: s.id,
          name: { zh: s.zh, en: s.en },
          kind: s.kind,
          uri: `sip:${s.id}@127.0.0.1:${sip + 1}`,
          groups: s.kind === 'town' ? ['towns'] : [],
        })),
      ],
      templates: [
        {
          id: 'weekly',
          name: { zh: '周例会', en: 'Weekly meeting' },
          groups: ['towns'],
          endpoints: ['jiaoyu'],
          chair: 'zhuhuichang',
          upstream: 'zhengzhou',
          durationMinutes: 90,
          layout: '2x2',
        },
      ],
    }),
  });
}, 60_000);

afterAll(() => tearDownConsoleRig('the console zh e2e', { term, daemon, rooms: rooms.values(), cliHome }), 30_000);

describe('every console screen in Chinese, in a real terminal against the real daemon', () => {
  it('a meeting runs (the two rooms connected, the other sites failing) and one is booked for later', async () => {
    const started = await cli(['conf', 'start', '--template', 'weekly', '--wait', '15', '--json']);
    expect(started.code, started.stderr).toBe(0);
    confId = (JSON.parse(started.stdout) as ConferenceView).id;
    await until(
      'both rooms connected',
      async () =>
        (await show()).participants.filter((p) => ROOMS.some((r) => r.id === p.endpointId) && p.state === 'connected')
          .length === ROOMS.length,
      30_000,
      500,
    );
    const tomorrow = new Date(Date.now() + 26 * 3600_000).toISOString().slice(0, 10);
    const booked = await cli(['schedule', 'add', '--template', 'weekly', '--start', `${tomorrow} 09:00`, '--record']);
    expect(booked.code, booked.stderr).toBe(0);
    term = await TmuxSession.start({
      command: [process.execPath, CLI_JS, '--url', daemon!.url, '--token', TOKENS.operator, '--lang', 'zh'],
      cols: 140,
      rows: 48,
      cwd: ROOT,
    });
  }, 90_000);

  it('the overview: the sites by kind (the city first), today’s meetings, the running meeting', async () => {
    // the console's first picture: its start and first load took over 20 s on a busy machine (load 10)
    const screen = await checked('overview', '小关镇', 60_000);
    expect(screen).toContain(SITE);
    expect(screen).toContain('周例会');
    expect(screen.indexOf('市政府主会场')).toBeLessThan(screen.indexOf('郑州市政府'));
  }, 90_000);

  it('the meeting: sites, states, reasons and events; the mode, pane and pane-polling choosers; the end question', async () => {
    await press('2', '事件');
    const screen = await checked('conference', /已接通[\s\S]*已接通/);
    expect(screen).toContain('米河镇');
    await press('v', '画面模式：');
    await checked('mode chooser', '画面模式：');
    await press('q', '画面模式：', true);
    await press('g', '固定到画面');
    await checked('pane chooser', '固定到画面');
    await press('q', '固定到画面', true);
    await press('P', '在布局的哪个画面轮巡');
    await checked('pane-polling chooser', '在布局的哪个画面轮巡');
    await press('4', '在布局的哪个画面轮巡', true);
    await until('the daemon polls pane 4', async () => (await show()).polling?.pane === 4, 20_000, 250);
    await checked('polling a pane', '第 4 画面');
    await press('x', '所有会场）？');
    await checked('end question', '周例会');
    await press('n', '所有会场）？', true);
    expect((await show()).state).toBe('active');
  }, 90_000);

  it('the compositor panel (E): not running while no room gets a composed picture; the recording’s picture when it starts', async () => {
    // the rooms are audio-only: on the 2x2 layout nobody is shown a picture, no compositor runs
    await press('E', '合成器：');
    await checked('compositor panel, none', '合成器：未运行');
    // the recording's program feed takes the conference's layout: one encoder, for the program only
    // (the panel reads the conference again while open: the compositor's start is not notified)
    const rec = await cli(['conf', 'record', 'start', confId]);
    expect(rec.code, rec.stderr).toBe(0);
    // (for a moment the picture is composed and not yet the program's: its rooms say —)
    const screen = await checked('compositor panel, recording', /合成器：1 路编码[\s\S]*→ 节目流/, 60_000);
    const encoder = (await show()).multiview?.encoders?.[0];
    expect(encoder?.program).toBe(true);
    expect(screen).toMatch(
      new RegExp(`${encoder!.width}×${encoder!.height}@${encoder!.fps} +${encoder!.kbps}k 会议布局 2x2 → 节目流`),
    );
    expect((await cli(['conf', 'record', 'stop', confId])).code).toBe(0);
    await press('E', '合成器：', true);
  }, 120_000);

  it('the technician: the list with why sites are down, and a diagnosis of a site that does not answer', async () => {
    await press('3', '选择要诊断的会场');
    await checked('technician list', '竹林镇');
    // the first row is the city's main room (the city's rooms come first), which does not answer
    await term!.sendKeys('Enter');
    await checked('diagnosis', /可能原因|结论/, 60_000);
    await press('q', /可能原因|结论/, true);
  }, 90_000);

  it('the schedule: the week with the booked meeting, and the booking form', async () => {
    await press('4', '本周');
    await checked('schedule', '周例会');
    await press('a', '新增会议');
    await checked('booking form', '新增会议');
    expect((await cli(['conf', 'end', confId])).code).toBe(0);
  }, 60_000);
});
