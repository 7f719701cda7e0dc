// Roll call from the console in a real terminal: the built daemon dials three real baresip room
// systems into a voice-activated meeting (started with the real CLI), `vcbridge console --screen
// conference` runs in tmux, the arrow keys select a town and `f` gives it the floor. The screen
// must show the ★ on that town's row and the meeting in roll call, and the daemon itself
// (conference.show) must say the same: floor = that town, mode = rollcall, the others muted.
// Then the towns raise their hands from their keypads (RFC 4733): one with the default *1, one with
// its own sequence from the site config (*1 from it raises nothing), and the console rings the
// terminal's bell for each new hand. Last, the daemon is killed (SIGKILL) and started again: the
// resumed meeting has the same hands (order and times), the roll-call list and the floor, and
// `conf floor --next` goes on from where the roll call was.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../protocol/index.js';
import { ensureBuilt } from '../helpers/build.js';
import {
  CLI_JS,
  ROOT,
  TOKENS,
  runCli,
  rawConnect,
  startDaemon,
  testConfig,
  type RunningDaemon,
} from '../helpers/daemon.js';
import { startTownRooms, tearDownConsoleRig, townEndpoint } from '../helpers/consoleRig.js';
import { freePort } from '../helpers/ports.js';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import { TmuxSession } from '../peers/tmux.js';
import { sleep, until } from '../helpers/wait.js';

const TOWNS = [
  { id: 'mihe', zh: '米河镇', en: 'Mihe', toneHz: 440 },
  { id: 'xiaoguan', zh: '小关镇', en: 'Xiaoguan', toneHz: 660 },
  { id: 'zhulin', zh: '竹林镇', en: 'Zhulin', toneHz: 880 },
] as const;
/** zhulin asks to speak with its own sequence (site config `raiseHand`), the others with the default *1. */
const RAISE: Record<string, string> = { zhulin: '#9' };
const CHAIR = 'mihe';
const TITLE = 'E2E roll call';

const rooms = new Map<string, BaresipRoom>();
let daemon: RunningDaemon | undefined;
let term: TmuxSession | undefined;
let cliHome: string | undefined;
let confId = '';

function cli(args: string[]): ReturnType<typeof runCli> {
  return runCli(daemon!.url, args, TOKENS.operator, 25_000, { XDG_CONFIG_HOME: cliHome! });
}

/** What the daemon says about the meeting, asked over the control API. */
async function show(): Promise<ConferenceView> {
  const api = await rawConnect(daemon!.url, TOKENS.viewer);
  try {
    const r = (await api.call('conference.show', { id: confId })) as { result?: ConferenceView; error?: unknown };
    if (!r.result) throw new Error(`conference.show failed: ${JSON.stringify(r.error)}`);
    return r.result;
  } finally {
    api.close();
  }
}

/** A town keys `digits` on its keypad (RFC 4733 events), one at a time as a person would. */
async function keys(id: string, digits: string): Promise<void> {
  for (const d of digits) {
    await rooms.get(id)!.command('sndcode', d);
    await sleep(300);
  }
}

/** The screen line of a site's row in the participant table (the row, not the detail line). */
const rowOf = (screen: string, name: string): string | undefined =>
  screen.split('\n').find((l) => /connected|calling|ringing|redialing|failed/.test(l) && l.includes(name));

beforeAll(async () => {
  cliHome = mkdtempSync(join(tmpdir(), 'vcb-cli-home-'));
  await ensureBuilt();
  await startTownRooms(rooms, TOWNS);
  const [api, sip] = [await freePort(), await freePort()];
  daemon = await startDaemon({
    config: testConfig(api, sip, {
      site: { name: '巩义市视频会议系统 E2E', timezone: 'Asia/Shanghai' },
      endpoints: TOWNS.map((t) => ({
        ...townEndpoint(t, rooms.get(t.id)!),
        ...(RAISE[t.id] ? { raiseHand: RAISE[t.id] } : {}),
      })),
    }),
  });
}, 30_000);

afterAll(() => tearDownConsoleRig('the floor e2e', { term, daemon, rooms: rooms.values(), cliHome }), 20_000);

describe('giving a town the floor from the console in a real terminal', () => {
  it('`vcbridge conf start` dials the three baresip rooms into a voice-activated meeting', async () => {
    const r = await cli([
      'conf',
      'start',
      '--title',
      TITLE,
      '--group',
      'towns',
      '--chair',
      CHAIR,
      '--mode',
      'voice',
      '--wait',
      '15',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const started = JSON.parse(r.stdout) as ConferenceView;
    confId = started.id;
    expect(started.mode).toBe('voice');
    expect(started.participants.map((p) => [p.endpointId, p.state])).toEqual(TOWNS.map((t) => [t.id, 'connected']));
  }, 25_000);

  it('arrow keys select a town, f gives it the floor: ★ on its row, roll call on screen and in the daemon', async () => {
    expect(confId, 'the conference must have started').not.toBe('');
    const before = await show();
    // The target: a town that is neither the chair nor (in voice mode) the current speaker.
    const target = TOWNS.find((t) => t.id !== CHAIR && t.id !== before.floor)!;
    const other = TOWNS.find((t) => t.id !== CHAIR && t.id !== target.id)!;
    const index = before.participants.findIndex((p) => p.endpointId === target.id);
    expect(index).toBeGreaterThan(0);

    term = await TmuxSession.start({
      command: [process.execPath, CLI_JS, 'console', '--screen', 'conference', '--lang', 'en'],
      cols: 120,
      rows: 40,
      cwd: ROOT,
      env: { VCBRIDGE_URL: daemon!.url, VCBRIDGE_TOKEN: TOKENS.operator, XDG_CONFIG_HOME: cliHome! },
    });
    // the console's first picture: its start and first load took over 15 s on a busy machine (load 10)
    const opened = await term.waitForText(/Zhulin[\s\S]*f give floor/, 60_000);
    expect(opened).toContain(`${TITLE} · voice-activated · 3/3 connected`);
    expect(opened).toMatch(/› .*Mihe \(chair\)/);

    for (let i = 0; i < index; i++) await term.sendKeys('Down');
    await term.waitForText(new RegExp(`› .*${target.en}`));
    await term.sendKeys('f');

    const screen = await term.waitForText(new RegExp(`${target.en}\\s+\\S+\\s+★`), 10_000);
    await term.waitForText(`floor to ${target.en}: done`);
    const after = await term.waitForText(`${TITLE} · roll call · 3/3 connected`, 5_000);
    // One floor: the star is on the target's row and nowhere else; roll call mutes the other town.
    expect(after.match(/★/g), after).toHaveLength(1);
    expect(rowOf(after, target.en), screen).toContain('★');
    await term.waitForText(new RegExp(`${other.en}\\s+muted`), 5_000);

    const conf = await show();
    expect(conf.floor).toBe(target.id);
    expect(conf.mode).toBe('rollcall');
    const byId = new Map(conf.participants.map((p) => [p.endpointId, p]));
    expect(byId.get(target.id)).toMatchObject({ hasFloor: true, muted: false, state: 'connected' });
    expect(byId.get(CHAIR)).toMatchObject({ hasFloor: false, muted: false });
    expect(byId.get(other.id)).toMatchObject({ hasFloor: false, muted: true });
  }, 120_000);

  it("a town's own raise-hand sequence (#9 in the site config) raises its hand and *1 from it does not; each new hand rings the terminal's bell", async () => {
    expect(term, 'the console must be open').toBeDefined();
    expect(await term!.bellRang(), 'no bell before any hand').toBe(false);
    // zhulin keys the default *1: not its sequence
    await keys('zhulin', '*1');
    // xiaoguan keys *1 (its sequence) afterwards: once its hand is up, zhulin's *1 has been heard too
    await sleep(1000);
    await keys('xiaoguan', '*1');
    await until(
      "xiaoguan's hand is up",
      async () => (await show()).hands?.some((h) => h.endpointId === 'xiaoguan') === true,
      15_000,
    );
    await sleep(1000);
    expect((await show()).hands?.map((h) => h.endpointId)).toEqual(['xiaoguan']);
    await until('the bell rang in the terminal', () => term!.bellRang(), 10_000);
    await term!.waitForText(/Xiaoguan\s.*✋/, 10_000);

    await term!.clearBell();
    expect(await term!.bellRang()).toBe(false);
    await keys('zhulin', '#9');
    await until("zhulin's hand is up", async () => (await show()).hands?.length === 2, 15_000);
    expect((await show()).hands?.map((h) => [h.endpointId, h.via])).toEqual([
      ['xiaoguan', 'dtmf'],
      ['zhulin', 'dtmf'],
    ]);
    await until('the bell rang again for the new hand', () => term!.bellRang(), 10_000);
    // the console's event list says how each hand was raised
    const screen = await term!.waitForText(/hand raised: zhulin \(DTMF #9 by RFC 4733\)/, 10_000);
    expect(screen).toMatch(/hand raised: xiaoguan \(DTMF \*1 by RFC 4733\)/);
    expect(screen).not.toMatch(/zhulin \(DTMF \*1/);
  }, 60_000);

  it('SIGKILL and restart: the resumed meeting has the same hands, roll-call list and floor, and --next goes on from there', async () => {
    expect((await cli(['conf', 'floor', confId, 'none'])).code).toBe(0);
    const stepped = await cli(['conf', 'floor', confId, '--next', '--sites', 'mihe,zhulin,xiaoguan', '--json']);
    expect(stepped.code, stepped.stderr).toBe(0);
    const before = await show();
    expect(before).toMatchObject({ floor: 'mihe', mode: 'rollcall', rollcall: ['mihe', 'zhulin', 'xiaoguan'] });
    expect(before.hands?.map((h) => h.endpointId)).toEqual(['xiaoguan', 'zhulin']);

    await daemon!.stop('SIGKILL');
    // the rooms still hold the dead daemon's calls: they hang up, and the resumed meeting dials them again
    for (const r of rooms.values()) await r.command('hangup').catch(() => undefined);
    daemon = await startDaemon({ dir: daemon!.dir });
    await until(
      'the meeting resumed with every town connected',
      async () => {
        const v = await show().catch(() => undefined);
        return v?.state === 'active' && v.participants.every((p) => p.state === 'connected');
      },
      60_000,
    );
    const after = await show();
    expect(after.id).toBe(confId);
    expect(after).toMatchObject({ floor: 'mihe', mode: 'rollcall', rollcall: ['mihe', 'zhulin', 'xiaoguan'] });
    expect(after.hands).toEqual(before.hands);
    // the roll call goes on after mihe (not from the start of the list, nor the default list)
    const next = await cli(['conf', 'floor', confId, '--next', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect((JSON.parse(next.stdout) as ConferenceView).floor).toBe('zhulin');
    // giving zhulin the floor answered its hand; xiaoguan's is still up
    expect((await show()).hands?.map((h) => h.endpointId)).toEqual(['xiaoguan']);
  }, 120_000);
});
