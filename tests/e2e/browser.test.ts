// Browser participants with real peers: Debian's headless Chromium (a magenta fake camera, a 1200 Hz
// tone as its microphone) joins a conference of two baresip room systems (440 Hz PCMA / 660 Hz PCMU, H.264,
// solid red and lime video) through the join page and its signalling socket. Judged from what each
// side itself received: the page's RTCPeerConnection stats, the WAV each baresip recorded, the frames
// baresip decoded. The CLI (dist/vcbridge.js; `node scripts/build.mjs` first) makes the invitation.
import { execFile } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import type { ChromiumPeer } from '../peers/chromium.js';
import { BRIDGE_TOKEN, type Bridge } from '../helpers/conferenceBridge.js';
import { startBrowserMeeting, type BrowserMeeting } from '../helpers/browserMeeting.js';
import { CLI_JS } from '../helpers/daemon.js';
import { toneDb } from '../helpers/simRoom.js';
import type { BrowserJoin } from '../../daemon/web/wiring.js';
import { JOIN_CLOSE } from '../../daemon/web/signalling.js';
import type { ConferenceInviteResult, ConferenceView, ParticipantView } from '../../protocol/index.js';
import { createLogger, silentLogger } from '../../daemon/util/logger.js';
import { sleep, until } from '../helpers/wait.js';

const ROOMS = [
  { id: 'mihe', toneHz: 440, codec: 'PCMA', color: 'red' },
  { id: 'xiaoguan', toneHz: 660, codec: 'PCMU', color: 'lime' },
] as const;
type RoomId = (typeof ROOMS)[number]['id'];
const BROWSER_HZ = 1200;
const HEARD = -35;

const log = process.env.VCB_LOG ? createLogger({ level: process.env.VCB_LOG, pretty: false }) : silentLogger();
let rooms: Map<string, BaresipRoom>;
let bridge: Bridge;
let web: BrowserJoin;
let chrome: ChromiumPeer;
let conf: ConferenceView;
let invite: ConferenceInviteResult;
let page: Page;
let pageLogs: string[] = [];
const room = (id: RoomId): BaresipRoom => rooms.get(id)!;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_JS, '--url', bridge.url, '--token', BRIDGE_TOKEN, ...args],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

const participant = (id: string): ParticipantView | undefined =>
  bridge.manager.show(conf.id).participants.find((p) => p.endpointId === id);

interface StreamStats {
  sourceId: string;
  kind: string;
  bytesReceived: number;
  framesDecoded: number;
}
const pageStats = (): Promise<StreamStats[]> => page.evaluate(() => window.vcbridge.stats());
const received = (s: StreamStats[], sourceId: string, kind: string): StreamStats | undefined =>
  s.find((x) => x.sourceId === sourceId && x.kind === kind);

/** Level (dB) of `hz` in what a room recorded over the next `ms`. */
async function roomHears(id: RoomId, hz: number, ms = 1200): Promise<number> {
  const mark = room(id).mark();
  await sleep(ms);
  const { pcm, rate } = room(id).audioSince(mark);
  return toneDb(pcm.subarray(Math.max(0, pcm.length - Math.round((rate * (ms - 300)) / 1000))), rate, hz);
}

/** A join socket's close code and reason. */
function wsClose(url: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}
const wsUrl = (token: string): string => `${bridge.url}/join/ws?t=${encodeURIComponent(token)}`;
const tokenOf = (url: string): string => new URL(url).searchParams.get('t')!;

let meeting: BrowserMeeting | undefined;

beforeAll(async () => {
  meeting = await startBrowserMeeting({
    tmpPrefix: 'vcb-browser-',
    log,
    rooms: ROOMS.map((r) => ({
      id: r.id,
      room: { toneHz: r.toneHz, video: 'H264', color: r.color, audioCodecs: [r.codec] },
      codecs: { audio: [r.codec], video: ['H264'] },
    })),
    rtpTimeoutMs: 5000,
    chrome: { toneHz: BROWSER_HZ, color: 'magenta' },
    conference: { title: '周例会', chair: 'mihe', mode: 'voice' },
    connectMs: 15_000,
  });
  ({ rooms, bridge, web, chrome, conf } = meeting);
}, 40_000);

afterAll(async () => {
  await meeting?.close();
}, 20_000);

describe('a browser participant in a conference of two baresip rooms', () => {
  it('`conf invite` prints a signed join link; forged, altered, expired and other-conference links get a 403 page and a closed socket', async () => {
    const r = await cli(['conf', 'invite', conf.id, '--name', '教育局', '--ttl', '2h', '--json']);
    expect(r.code, r.stderr).toBe(0);
    invite = JSON.parse(r.stdout) as ConferenceInviteResult;
    expect(invite.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/join\\?t=`));
    expect(Date.parse(invite.expiresAt) - Date.now()).toBeGreaterThan(119 * 60_000);
    const good = tokenOf(invite.url);
    const [body, sig] = good.split('.') as [string, string];
    const altered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), c: 'another-conference' }),
    ).toString('base64url');
    const refused = {
      forged: `${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`,
      altered: `${altered}.${sig}`,
      expired: web.tokens.issue({ conferenceId: conf.id, name: 'late', ttlMs: -1000 }).token,
      otherConference: web.tokens.issue({ conferenceId: 'not-running', name: 'x', ttlMs: 60_000 }).token,
      missing: '',
    };
    const words: Record<keyof typeof refused, RegExp> = {
      forged: /邀请链接无效[\s\S]*not valid/,
      altered: /邀请链接无效/,
      expired: /已过期[\s\S]*expired/,
      otherConference: /会议已结束[\s\S]*not running/,
      missing: /邀请链接无效/,
    };
    const codes: Record<keyof typeof refused, number> = {
      forged: JOIN_CLOSE.TOKEN_INVALID,
      altered: JOIN_CLOSE.TOKEN_INVALID,
      expired: JOIN_CLOSE.TOKEN_EXPIRED,
      otherConference: JOIN_CLOSE.CONFERENCE_GONE,
      missing: JOIN_CLOSE.TOKEN_INVALID,
    };
    const base = invite.url.slice(0, invite.url.indexOf('/join'));
    for (const [k, t] of Object.entries(refused) as [keyof typeof refused, string][]) {
      const res = await fetch(`${base}/join?t=${encodeURIComponent(t)}`);
      expect(res.status, k).toBe(403);
      expect(await res.text(), k).toMatch(words[k]);
      const closed = await wsClose(wsUrl(t));
      expect(closed.code, k).toBe(codes[k]);
      expect(closed.reason.length, `${k} close reason`).toBeGreaterThan(5);
    }
    expect((await fetch(invite.url)).status).toBe(200);
  }, 20_000);

  it("joins from the page: listed as a browser participant, and receives both rooms' audio and video", async () => {
    ({ page, logs: pageLogs } = await chrome.open(invite.url));
    await until('the page connected', () => page.evaluate(() => window.vcbridge.state().connected), 10_000);
    await until(
      'video decoded from both rooms',
      async () => {
        const s = await pageStats();
        return ROOMS.every((r) => (received(s, r.id, 'video')?.framesDecoded ?? 0) > 5);
      },
      15_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\npage console:\n${pageLogs.join('\n')}`);
    });
    const before = await pageStats();
    await sleep(1500);
    const after = await pageStats();
    for (const r of ROOMS) {
      const delta = (kind: string, k: 'bytesReceived' | 'framesDecoded'): number =>
        received(after, r.id, kind)![k] - received(before, r.id, kind)![k];
      expect(delta('audio', 'bytesReceived'), `audio bytes from ${r.id}`).toBeGreaterThan(1000);
      // a solid colour compresses to a few bytes a frame: count frames, not bytes
      expect(delta('video', 'bytesReceived'), `video bytes from ${r.id}`).toBeGreaterThan(0);
      expect(delta('video', 'framesDecoded'), `video frames from ${r.id}`).toBeGreaterThan(10);
    }
    expect(await page.evaluate(() => window.vcbridge.state().producing.sort())).toEqual(['audio', 'video']);
    const shown = JSON.parse((await cli(['conf', 'show', conf.id, '--json'])).stdout) as ConferenceView;
    const me = shown.participants.find((p) => p.endpointId === invite.participantId);
    expect(me).toMatchObject({ kind: 'browser', state: 'connected', name: { zh: '教育局' } });
    expect(ROOMS.map((r) => r.id)).toContain(me!.viewing);
    await until(
      'the page shows big what the conference chose for it',
      () =>
        page
          .evaluate(() => window.vcbridge.state().stage)
          .then((s) => s === participant(invite.participantId)?.viewing),
      3000,
    );
  }, 40_000);

  it("the page's 申请发言 button raises the browser's hand in the meeting", async () => {
    expect(await page.textContent('#hand')).toMatch(/申请发言/);
    await page.click('#hand');
    await until(
      'the hand is up',
      () =>
        (bridge.manager.show(conf.id).hands ?? []).some(
          (h) => h.endpointId === invite.participantId && h.via === 'browser',
        ),
      5000,
    );
    expect(participant(invite.participantId)?.handRaisedAt).toBeDefined();
    expect(await page.textContent('#hand')).toMatch(/取消发言申请/);
  }, 20_000);

  it("the rooms hear the browser's microphone and, given the floor, are shown its camera", async () => {
    for (const r of ROOMS)
      expect(await roomHears(r.id, BROWSER_HZ), `${r.id} hears the browser`).toBeGreaterThan(HEARD);
    const floor = await cli(['conf', 'floor', conf.id, invite.participantId]);
    expect(floor.code, floor.stderr).toBe(0);
    // the floor answers the raised hand: lowered in the meeting and on the page
    expect(bridge.manager.show(conf.id).hands).toEqual([]);
    await until(
      "the page's button is back to 申请发言",
      async () => /^申请发言/.test((await page.textContent('#hand')) ?? ''),
      5000,
    );
    await until(
      'both rooms switched to the browser',
      () => ROOMS.every((r) => participant(r.id)?.viewing === invite.participantId),
      8000,
    );
    const frames = await Promise.all(ROOMS.map((r) => room(r.id).framesDecoded()));
    await sleep(1500);
    const frames2 = await Promise.all(ROOMS.map((r) => room(r.id).framesDecoded()));
    ROOMS.forEach((r, i) => expect(frames2[i]! - frames[i]!, `${r.id} decodes the browser's video`).toBeGreaterThan(5));
    for (const r of ROOMS) {
      const c = await room(r.id).seenColor();
      expect(c, `${r.id} snapshot`).toBeDefined();
      expect(
        c!.r > 150 && c!.b > 150 && c!.g < 100,
        `${r.id} sees the browser's magenta, not ${JSON.stringify(c)}`,
      ).toBe(true);
    }
    expect(await roomHears('xiaoguan', BROWSER_HZ), 'the floor is heard').toBeGreaterThan(HEARD);
    // roll call mutes xiaoguan: the browser stops getting its audio, as the rooms stop hearing it
    const s1 = await pageStats();
    await sleep(1000);
    const s2 = await pageStats();
    expect(
      received(s2, 'xiaoguan', 'audio')!.bytesReceived - received(s1, 'xiaoguan', 'audio')!.bytesReceived,
      'muted room',
    ).toBeLessThan(500);
    expect(
      received(s2, 'mihe', 'audio')!.bytesReceived - received(s1, 'mihe', 'audio')!.bytesReceived,
      'the chair',
    ).toBeGreaterThan(1000);
  }, 40_000);

  it('after its connection drops the page comes back by itself, in the same seat', async () => {
    expect(web.server.dropConnections()).toBeGreaterThan(0);
    await until('marked as reconnecting', () => participant(invite.participantId)?.state !== 'connected', 3000);
    await until('connected again', () => participant(invite.participantId)?.state === 'connected', 15_000);
    expect(participant(invite.participantId)?.attempts).toBe(2);
    await until(
      'video flows again',
      async () => (received(await pageStats(), 'mihe', 'video')?.framesDecoded ?? 0) > 5,
      10_000,
    );
    expect(participant(invite.participantId)?.hasFloor, 'keeps the floor').toBe(true);
    await until(
      'the rooms see the browser again',
      () => ROOMS.every((r) => participant(r.id)?.viewing === invite.participantId),
      8000,
    );
  }, 40_000);

  it('SIGKILL of the mediasoup worker: the page rejoins on the new worker and media flows both ways again', async () => {
    const w = bridge.pool.workerOf(conf.id)!;
    process.kill(w.pid, 'SIGKILL');
    await until(
      'a new worker',
      () => bridge.pool.workerOf(conf.id) !== undefined && bridge.pool.workerOf(conf.id)!.pid !== w.pid,
      8000,
    );
    await until(
      'the browser back',
      () =>
        participant(invite.participantId)?.state === 'connected' && participant(invite.participantId)!.attempts >= 3,
      10_000,
    );
    await until(
      'video from the rooms again',
      async () => {
        const s = await pageStats();
        return ROOMS.every((r) => (received(s, r.id, 'video')?.framesDecoded ?? 0) > 5);
      },
      10_000,
    );
    expect(await roomHears('xiaoguan', BROWSER_HZ), 'the rooms hear the browser again').toBeGreaterThan(HEARD);
    await until(
      'the rooms see the browser again',
      () => ROOMS.every((r) => participant(r.id)?.viewing === invite.participantId),
      8000,
    );
  }, 40_000);

  it('removed by the operator: the page says so and the link cannot join again', async () => {
    expect((await cli(['conf', 'hangup', conf.id, invite.participantId])).code).toBe(0);
    await until(
      'the page shows the removal',
      () => page.evaluate(() => !document.getElementById('overlay')!.hidden),
      5000,
    );
    expect(await page.textContent('#overlay')).toMatch(/移出[\s\S]*removed/);
    expect(participant(invite.participantId)?.state).toBe('hungup');
    expect((await wsClose(wsUrl(tokenOf(invite.url)))).code).toBe(JOIN_CLOSE.REMOVED);
  }, 20_000);

  it('join attempts are rate-limited per source address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) codes.push((await wsClose(wsUrl('nonsense'))).code);
    expect(codes).toContain(JOIN_CLOSE.RATE_LIMITED);
    const page429 = await fetch(`${bridge.url.replace('ws', 'http')}/join?t=nonsense`);
    expect(page429.status).toBe(429);
  }, 20_000);
});
