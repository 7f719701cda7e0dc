// The conference bridge with real peers: three baresip room systems (tones 440/660/880 Hz in
// PCMA, PCMU and G.722; solid red, lime and blue video), kamailio as the upstream's registrar
// (digest auth on REGISTER and INVITE) in front of a fourth baresip as the upstream MCU (1100 Hz,
// white). Everything is judged from what the rooms themselves record and decode: the WAV each
// baresip writes of what it hears, and snapshots of the video it decodes. One conference runs
// through the checks in order; the CLI starts it (dist/vcbridge.js; `node scripts/build.mjs` first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import type { KamailioUpstream } from '../peers/kamailioUpstream.js';
import { bridgeCli, type Bridge } from '../helpers/conferenceBridge.js';
import { startRoomBridge, type RoomBridge } from '../helpers/roomBridge.js';
import { listenTones } from '../helpers/roomTones.js';
import { sleep, until } from '../helpers/wait.js';
import type { ConferenceView } from '../../protocol/index.js';

const SITES = [
  { id: 'mihe', toneHz: 440, codec: 'PCMA', color: 'red' },
  { id: 'xiaoguan', toneHz: 660, codec: 'PCMU', color: 'lime' },
  { id: 'zhulin', toneHz: 880, codec: 'G722', color: 'blue' },
  { id: 'zhengzhou', toneHz: 1100, codec: 'PCMA', color: 'white' },
] as const;
type SiteId = (typeof SITES)[number]['id'];
const TONES = SITES.map((s) => s.toneHz);
const HEARD = -35;
const SILENT = -50;

let env: RoomBridge<SiteId> | undefined;
let kam: KamailioUpstream;
let rooms = new Map<SiteId, BaresipRoom>();
let bridge: Bridge;
let conf: ConferenceView;
const room = (id: SiteId): BaresipRoom => rooms.get(id)!;

const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);

/** Tone levels (dB) each room recorded over ~1.2 s from now. */
const listen = (ms = 1200): Promise<Record<SiteId, Record<number, number>>> => listenTones(rooms, TONES, ms);

/** Which site's colour a room decodes now. */
async function sees(id: SiteId): Promise<string | undefined> {
  const c = await room(id).seenColor();
  if (!c) return undefined;
  if (c.r > 180 && c.g > 180 && c.b > 180) return 'zhengzhou';
  if (c.r > 150 && c.g < 100 && c.b < 100) return 'mihe';
  if (c.g > 150 && c.r < 100 && c.b < 100) return 'xiaoguan';
  if (c.b > 150 && c.r < 100 && c.g < 100) return 'zhulin';
  return `unknown ${JSON.stringify(c)}`;
}

const stateOf = (id: SiteId): string | undefined =>
  bridge.manager.show(conf.id).participants.find((p) => p.endpointId === id)?.state;
const allConnected = (): boolean => bridge.manager.show(conf.id).participants.every((p) => p.state === 'connected');

beforeAll(async () => {
  env = await startRoomBridge(SITES, {
    rtpTimeoutMs: 3000,
    upstream: { pin: '8001#' },
    beforeBridge: ({ room }) => room('zhengzhou').watchEvents(),
  });
  ({ rooms, kam, bridge } = env);
}, 120_000);

afterAll(async () => {
  await env?.close();
}, 60_000);

describe('conference with real baresip rooms and kamailio in front of the upstream MCU', () => {
  it("`conf start` registers to the upstream, dials every site in parallel, shows each one's progress and sends the PIN", async () => {
    const r = await cli([
      'conf',
      'start',
      '--title',
      '周例会',
      '--group',
      'towns',
      '--upstream',
      'zhengzhou',
      '--chair',
      'mihe',
      '--mode',
      'voice',
      '--wait',
      '30',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const s of SITES) expect(r.stdout, `${s.id} progress`).toMatch(new RegExp(`${s.id}\\s.*connected`));
    expect(r.stdout).toMatch(/mihe\s.*calling/);
    conf = bridge.manager.list()[0]!;
    expect(allConnected()).toBe(true);
    expect(kam.log).toMatch(/REGISTER ok sip:gongyi@/);
    expect(kam.log).toMatch(/INVITE sip:gongyi@.* authenticated/);
    expect(
      bridge.notifications.some(
        (n) => n.method === 'endpoint.registration' && (n.params as { state: string }).state === 'registered',
      ),
    ).toBe(true);
    await until(
      'the PIN at the MCU',
      () =>
        room('zhengzhou')
          .events.filter((e) => e.type === 'CALL_DTMF_START')
          .map((e) => e.param)
          .join('') === '8001#',
      10_000,
    );
  }, 90_000);

  it("each room hears every other room's tone and not its own", async () => {
    await sleep(1500);
    const l = await listen();
    for (const s of SITES) {
      for (const hz of TONES) {
        if (hz === s.toneHz) expect(l[s.id][hz], `${s.id} must not hear its own ${hz} Hz`).toBeLessThan(SILENT);
        else expect(l[s.id][hz], `${s.id} hears ${hz} Hz`).toBeGreaterThan(HEARD);
      }
    }
  }, 90_000);

  it('each room receives and decodes video', async () => {
    const before = await Promise.all(SITES.map((s) => room(s.id).framesDecoded()));
    await sleep(1500);
    const after = await Promise.all(SITES.map((s) => room(s.id).framesDecoded()));
    SITES.forEach((s, i) => expect(after[i]! - before[i]!, `${s.id} decoded frames`).toBeGreaterThan(10));
  });

  it('muting a site removes its tone for everyone else', async () => {
    const r = await cli(['conf', 'mute', conf.id, 'xiaoguan']);
    expect(r.code, r.stderr).toBe(0);
    await sleep(400);
    const l = await listen();
    for (const id of ['mihe', 'zhulin', 'zhengzhou'] as const)
      expect(l[id][660], `${id} no longer hears xiaoguan`).toBeLessThan(SILENT);
    expect(l.mihe[880]).toBeGreaterThan(HEARD);
    expect((await cli(['conf', 'unmute', conf.id, 'xiaoguan'])).code).toBe(0);
  }, 90_000);

  it('roll call: the floor site and the chair are heard, everyone else is muted, and all see the floor site', async () => {
    expect((await cli(['conf', 'floor', conf.id, 'zhulin'])).code).toBe(0);
    await sleep(1500);
    const l = await listen();
    expect(l.xiaoguan[880], 'floor heard').toBeGreaterThan(HEARD);
    expect(l.xiaoguan[440], 'chair heard').toBeGreaterThan(HEARD);
    expect(l.mihe[1100], 'upstream muted').toBeLessThan(SILENT);
    expect(l.zhulin[660], 'other town muted').toBeLessThan(SILENT);
    for (const id of ['mihe', 'xiaoguan', 'zhengzhou'] as const)
      expect(await sees(id), `${id} sees the floor site`).toBe('zhulin');
    expect(await sees('zhulin'), 'the floor site sees the chair').toBe('mihe');
  }, 90_000);

  it('broadcast: everyone sees and hears the upstream (and the chair)', async () => {
    expect((await cli(['conf', 'mode', conf.id, 'broadcast'])).code).toBe(0);
    await sleep(1500);
    const l = await listen();
    expect(l.xiaoguan[1100]).toBeGreaterThan(HEARD);
    expect(l.xiaoguan[440]).toBeGreaterThan(HEARD);
    expect(l.xiaoguan[880]).toBeLessThan(SILENT);
    for (const id of ['mihe', 'xiaoguan', 'zhulin'] as const)
      expect(await sees(id), `${id} sees the upstream`).toBe('zhengzhou');
    expect(await sees('zhengzhou'), 'the upstream sees the chair').toBe('mihe');
    const show = await cli(['conf', 'show', conf.id]);
    expect(show.stdout).toMatch(/mode broadcast; floor zhengzhou/);
    expect(show.stdout).toMatch(/xiaoguan .*connected .*muted/);
  }, 90_000);

  it('a room that dies and comes back is redialled and back in the meeting', async () => {
    const calls = bridge.store.cdr.list({ conferenceId: conf.id, endpointId: 'xiaoguan' }).length;
    await room('xiaoguan').kill('SIGKILL');
    await until('xiaoguan dropped (no RTP)', () => stateOf('xiaoguan') !== 'connected', 8000);
    await room('xiaoguan').restart();
    await until('xiaoguan redialled and connected', () => stateOf('xiaoguan') === 'connected', 45_000);
    expect(bridge.store.cdr.list({ conferenceId: conf.id, endpointId: 'xiaoguan' }).length).toBeGreaterThan(calls);
    await sleep(1500);
    const l = await listen();
    expect(l.xiaoguan[1100], 'xiaoguan hears the upstream again').toBeGreaterThan(HEARD);
    expect(await sees('xiaoguan')).toBe('zhengzhou');
  }, 180_000);

  it('dial-in: a listed room that calls the bridge is taken in; a locked conference refuses it with 486', async () => {
    expect((await cli(['conf', 'hangup', conf.id, 'zhulin'])).code).toBe(0);
    expect(stateOf('zhulin')).toBe('hungup');
    expect((await cli(['conf', 'lock', conf.id])).code).toBe(0);
    await room('zhulin').command('dial', `sip:bridge@127.0.0.1:${bridge.sipPort}`);
    await until('486 at the room', () => /486/.test(room('zhulin').log), 45_000);
    expect(stateOf('zhulin')).toBe('hungup');
    expect((await cli(['conf', 'unlock', conf.id])).code).toBe(0);
    await room('zhulin').command('dial', `sip:bridge@127.0.0.1:${bridge.sipPort}`);
    await until('zhulin in by dial-in', () => stateOf('zhulin') === 'connected', 45_000);
    expect(bridge.manager.show(conf.id).participants.find((p) => p.endpointId === 'zhulin')?.direction).toBe('in');
    await sleep(1500);
    const l = await listen();
    expect(l.zhulin[1100], 'the dialled-in room hears the upstream').toBeGreaterThan(HEARD);
    expect(l.zhengzhou[880], 'broadcast mode keeps the town muted').toBeLessThan(SILENT);
  }, 180_000);

  it('SIGKILL of the mediasoup worker: every leg is back', async () => {
    const w = bridge.pool.workerOf(conf.id)!;
    const frames0 = await Promise.all(SITES.map((s) => room(s.id).framesDecoded()));
    process.kill(w.pid, 'SIGKILL');
    await until(
      'rebuilt',
      () =>
        bridge.notifications.some(
          (n) => n.method === 'conference.event' && /media rebuilt/.test((n.params as { message: string }).message),
        ),
      30_000,
    );
    const l = await listen(1000);
    expect(l.mihe[1100]).toBeGreaterThan(HEARD);
    expect(l.zhengzhou[440]).toBeGreaterThan(HEARD);
    const frames1 = await Promise.all(SITES.map((s) => room(s.id).framesDecoded()));
    SITES.forEach((s, i) => expect(frames1[i]!, `${s.id} decodes video again`).toBeGreaterThan(frames0[i]!));
    expect(allConnected()).toBe(true);
    expect(bridge.pool.workerOf(conf.id)?.pid).not.toBe(w.pid);
  }, 90_000);

  it('operator commands: mute all but the chair, pick what one room sees, extend, list, dial', async () => {
    expect((await cli(['conf', 'mute', conf.id, '--all', '--except-chair'])).code).toBe(0);
    const muted = bridge.manager
      .show(conf.id)
      .participants.filter((p) => p.muted)
      .map((p) => p.endpointId)
      .sort();
    expect(muted).toEqual(['xiaoguan', 'zhengzhou', 'zhulin']);
    expect((await cli(['conf', 'unmute', conf.id, '--all'])).code).toBe(0);
    expect(bridge.manager.show(conf.id).participants.every((p) => !p.muted)).toBe(true);
    expect((await cli(['conf', 'view', conf.id, 'xiaoguan', 'zhulin'])).code).toBe(0);
    await until('xiaoguan sees zhulin', async () => (await sees('xiaoguan')) === 'zhulin', 45_000);
    const ext = await cli(['conf', 'extend', conf.id, '30m', '--json']);
    expect(ext.code, ext.stderr).toBe(0);
    expect(Date.parse(JSON.parse(ext.stdout).endsAt) - Date.now()).toBeGreaterThan(29 * 60_000);
    const list = JSON.parse((await cli(['conf', 'list', '--json'])).stdout) as ConferenceView[];
    expect(list.map((c) => c.id)).toContain(conf.id);
    const dial = await cli(['conf', 'dial', conf.id, 'mihe', '--json']);
    expect(JSON.parse(dial.stdout).state, 'dialling a connected site changes nothing').toBe('connected');
    const bad = await cli(['conf', 'floor', conf.id, 'nowhere', '--json']);
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.stdout || bad.stderr).error.code).toBe('PARTICIPANT_UNKNOWN');
  }, 180_000);

  it('`conf end` hangs up every room and leaves one closed call record per leg', async () => {
    const r = await cli(['conf', 'end', conf.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).state).toBe('ended');
    await until('every room hung up', () => SITES.every((s) => /terminated/.test(room(s.id).log)), 20_000);
    const cdr = await cli(['cdr', '--conference', conf.id, '--csv']);
    expect(cdr.code).toBe(0);
    const lines = cdr.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id,conferenceId,endpointId/);
    expect(lines.length - 1).toBeGreaterThanOrEqual(SITES.length + 1);
    const rows = bridge.store.cdr.list({ conferenceId: conf.id });
    expect(rows.every((x) => x.endedAt !== null)).toBe(true);
    expect(rows.filter((x) => x.answeredAt !== null).every((x) => x.audioCodec !== null)).toBe(true);
  }, 90_000);
});
