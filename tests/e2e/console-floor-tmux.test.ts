// Roll call from the console in a real terminal: the built daemon dials three real baresip room
// systems into a voice-activated meeting (started with the real CLI), `vcbridge console --screen
// conference` runs in tmux, the arrow keys select a town and `f` gives it the floor. The screen
// must show the ★ on that town's row and the meeting in roll call, and the daemon itself
// (conference.show) must say the same: floor = that town, mode = rollcall, the others muted.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../protocol/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI_JS, ROOT, TOKENS, rawConnect, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { TmuxSession } from '../peers/tmux.js';

const TOWNS = [
  { id: 'mihe', zh: '米河镇', en: 'Mihe', toneHz: 440 },
  { id: 'xiaoguan', zh: '小关镇', en: 'Xiaoguan', toneHz: 660 },
  { id: 'zhulin', zh: '竹林镇', en: 'Zhulin', toneHz: 880 },
] as const;
const CHAIR = 'mihe';
const TITLE = 'E2E roll call';

const rooms = new Map<string, BaresipRoom>();
let daemon: RunningDaemon | undefined;
let term: TmuxSession | undefined;
let cliHome: string | undefined;
let confId = '';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_JS, ...args],
      {
        timeout: 25_000,
        env: { ...process.env, VCBRIDGE_URL: daemon!.url, VCBRIDGE_TOKEN: TOKENS.operator, XDG_CONFIG_HOME: cliHome! },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
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

/** The screen line of a site's row in the participant table (the row, not the detail line). */
const rowOf = (screen: string, name: string): string | undefined =>
  screen.split('\n').find((l) => /connected|calling|ringing|redialing|failed/.test(l) && l.includes(name));

beforeAll(async () => {
  cliHome = mkdtempSync(join(tmpdir(), 'vcb-cli-home-'));
  await ensureBuilt();
  // Audio-only rooms (PCMU): what is under test is the console and the floor, not the video path.
  // each one recorded as soon as it is up, so afterAll stops it even when another fails to start
  await Promise.all(
    TOWNS.map(async (t) =>
      rooms.set(t.id, await BaresipRoom.start({ name: t.id, toneHz: t.toneHz, audioCodecs: ['PCMU'] })),
    ),
  );
  const [api, sip] = [await freePort(), await freePort()];
  daemon = await startDaemon({
    config: testConfig(api, sip, {
      site: { name: '巩义市视频会议系统 E2E', timezone: 'Asia/Shanghai' },
      endpoints: TOWNS.map((t) => ({
        id: t.id,
        name: { zh: t.zh, en: t.en },
        kind: 'town',
        uri: rooms.get(t.id)!.uri,
        groups: ['towns'],
        codecs: { audio: ['PCMU'], video: [] },
      })),
    }),
  });
}, 30_000);

afterAll(async () => {
  // The terminal, then the daemon (it hangs up with BYE while the rooms can still answer), then the
  // rooms: each step runs whatever happened to the one before.
  const steps: (() => Promise<unknown>)[] = [
    async () => term?.close(),
    async () => daemon?.stop(),
    () => Promise.all([...rooms.values()].map((r) => r.stop())),
    async () => cliHome && rmSync(cliHome, { recursive: true, force: true }),
  ];
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => failures.push(err));
  if (failures.length) throw new AggregateError(failures, 'cleaning up the floor e2e failed');
}, 20_000);

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
    const opened = await term.waitForText(/Zhulin[\s\S]*f give floor/, 15_000);
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
  }, 30_000);
});
