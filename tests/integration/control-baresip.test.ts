// Meeting control with real baresip rooms (issue #14): a template starts the meeting; auto-polling
// walks what the chair's room decodes through the towns (skipping one that is hung up) and stops;
// a town raises its hand by sending *1 as RFC 4733 events from its own keypad (baresip sndcode);
// roll call steps the floor with --next / --previous, checked on what the rooms decode; the same
// template then books a meeting the scheduler starts by itself. The CLI drives everything
// (dist/vcbridge.js: `node scripts/build.mjs` first); the rooms' own snapshots are the judge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { optionsPing } from '../helpers/sipOptions.js';
import { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import { conferenceControl, followConferences } from '../../daemon/scheduler/wiring.js';
import { systemClock } from '../../daemon/util/clock.js';
import { silentLogger } from '../../daemon/util/logger.js';
import type { ConferenceView, HandView, TemplateView } from '../../protocol/index.js';
import { sleep, until } from '../helpers/wait.js';

const SITES = [
  { id: 'zhuhuichang', color: 'white', kind: 'city' },
  { id: 'mihe', color: 'red', kind: 'town' },
  { id: 'xiaoguan', color: 'lime', kind: 'town' },
  { id: 'zhulin', color: 'blue', kind: 'town' },
] as const;
type SiteId = (typeof SITES)[number]['id'];
const rooms = new Map<SiteId, BaresipRoom>();
const room = (id: SiteId): BaresipRoom => rooms.get(id)!;
let bridge: Bridge;
let conf: ConferenceView;

const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);
async function cliJson<T>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`vcbridge ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Which site's colour a room decodes now. */
async function sees(id: SiteId): Promise<string | undefined> {
  const c = await room(id).seenColor();
  if (!c) return undefined;
  if (c.r > 180 && c.g > 180 && c.b > 180) return 'zhuhuichang';
  if (c.r > 150 && c.g < 100 && c.b < 100) return 'mihe';
  if (c.g > 150 && c.r < 100 && c.b < 100) return 'xiaoguan';
  if (c.b > 150 && c.r < 100 && c.g < 100) return 'zhulin';
  return undefined;
}

const show = (): ConferenceView => bridge.manager.show(conf.id);
const stateOf = (id: SiteId): string | undefined => show().participants.find((p) => p.endpointId === id)?.state;

beforeAll(async () => {
  for (const s of SITES)
    rooms.set(
      s.id,
      await BaresipRoom.start({ name: s.id, toneHz: 440, video: 'H264', color: s.color, audioCodecs: ['PCMA'] }),
    );
  bridge = await startBridge({
    rtpTimeoutMs: 4000,
    groups: [{ id: 'towns', name: { zh: '乡镇', en: 'Towns' } }],
    endpoints: SITES.map((s) => ({
      id: s.id,
      name: { zh: s.id, en: s.id },
      kind: s.kind,
      uri: room(s.id).uri,
      groups: s.kind === 'town' ? ['towns'] : [],
      codecs: { audio: ['PCMA'], video: ['H264'] },
    })),
    templates: [
      {
        id: 'weekly',
        name: { zh: '周例会', en: 'Weekly meeting' },
        groups: ['towns'],
        chair: 'zhuhuichang',
        mode: 'broadcast',
        durationMinutes: 60,
      },
      {
        id: 'patrol',
        name: { zh: '轮巡检查', en: 'Patrol' },
        groups: ['towns'],
        chair: 'zhuhuichang',
        mode: 'broadcast',
        durationMinutes: 30,
        layout: '2x2',
        polling: { intervalSeconds: 5, group: 'towns', pane: 4 },
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
}, 30_000);

describe('meeting control with real baresip rooms', () => {
  it('`template list --json` lists the templates; `conf start --template` dials its sites with its chair and title', async () => {
    const list = await cliJson<TemplateView[]>(['template', 'list']);
    expect(list.map((t) => [t.id, t.name.zh])).toEqual([
      ['weekly', '周例会'],
      ['patrol', '轮巡检查'],
    ]);
    const bad = await cli(['conf', 'start', '--template', 'nosuch', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout || bad.stderr).error.code).toBe('TEMPLATE_UNKNOWN');
    expect(bridge.manager.list()).toHaveLength(0);

    const r = await cli(['conf', 'start', '--template', 'weekly', '--wait', '15']);
    expect(r.code, r.stderr).toBe(0);
    conf = bridge.manager.list()[0]!;
    expect(conf).toMatchObject({ title: '周例会', chair: 'zhuhuichang', mode: 'broadcast' });
    expect(conf.participants.map((p) => p.endpointId).sort()).toEqual(['mihe', 'xiaoguan', 'zhuhuichang', 'zhulin']);
    await until('every room connected', () => show().participants.every((p) => p.state === 'connected'), 45_000);
  }, 90_000);

  it("polling the chair's view walks through the connected towns in order, skipping one that is hung up, and stops", async () => {
    expect((await cli(['conf', 'hangup', conf.id, 'xiaoguan'])).code).toBe(0);
    try {
      await pollChairWalk();
    } finally {
      // whatever failed above, the next tests start with polling off and xiaoguan back
      if (show().polling) await cli(['conf', 'poll', conf.id, '--stop']);
      expect((await cli(['conf', 'dial', conf.id, 'xiaoguan'])).code).toBe(0);
      await until('xiaoguan back', () => stateOf('xiaoguan') === 'connected', 45_000);
    }
  }, 180_000);

  async function pollChairWalk(): Promise<void> {
    const bad = await cli(['conf', 'poll', conf.id, '--interval', '2s', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout || bad.stderr).error.message).toMatch(/out of range \(5 s – 10 min\)/);
    const notHere = await cli(['conf', 'poll', conf.id, '--sites', 'mihe,nowhere', '--json']);
    expect(JSON.parse(notHere.stdout || notHere.stderr).error.code).toBe('PARTICIPANT_UNKNOWN');
    expect(show().polling).toBeNull();

    const started = await cliJson<ConferenceView>([
      'conf',
      'poll',
      conf.id,
      '--interval',
      '5s',
      '--sites',
      'mihe,xiaoguan,zhulin',
      '--for',
      'zhuhuichang',
    ]);
    expect(started.polling).toMatchObject({
      intervalSeconds: 5,
      target: 'zhuhuichang',
      current: 'mihe',
      next: 'zhulin',
      sites: ['mihe', 'xiaoguan', 'zhulin'],
    });
    const text = await cli(['conf', 'show', conf.id]);
    // a busy machine's CLI can take longer than one 5 s step: either step of the walk is right
    expect(text.stdout).toMatch(
      /polling every 5 s \(what zhuhuichang sees\): now (mihe, next zhulin|zhulin, next mihe)/,
    );
    // what the chair's room decodes, sampled until it has been through the list and back
    const seen: string[] = [];
    await until(
      'the chair saw mihe, zhulin, mihe',
      async () => {
        const s = await sees('zhuhuichang');
        if (s && seen.at(-1) !== s) seen.push(s);
        return seen.length >= 3;
      },
      90_000,
    );
    // mihe, zhulin, mihe — or from zhulin when the first step passed before the first sample
    expect(seen.slice(0, 3), seen.join(' → ')).toEqual(
      seen[0] === 'zhulin' ? ['zhulin', 'mihe', 'zhulin'] : ['mihe', 'zhulin', 'mihe'],
    );
    // the other rooms keep the broadcast picture: the chair
    expect(await sees('zhulin')).toBe('zhuhuichang');

    const stopped = await cliJson<ConferenceView>(['conf', 'poll', conf.id, '--stop']);
    expect(stopped.polling).toBeNull();
    const after = await sees('zhuhuichang');
    await sleep(6000);
    expect(await sees('zhuhuichang'), "the chair's picture no longer changes").toBe(after);
  }

  it("polling everyone's picture: every room but the polled one sees it", async () => {
    await cliJson<ConferenceView>(['conf', 'poll', conf.id, '--interval', '10s', '--sites', 'xiaoguan']);
    await until(
      'mihe and the chair see xiaoguan',
      async () => (await sees('mihe')) === 'xiaoguan' && (await sees('zhuhuichang')) === 'xiaoguan',
      45_000,
    );
    expect(await sees('xiaoguan')).not.toBe('xiaoguan');
    await cliJson<ConferenceView>(['conf', 'poll', conf.id, '--stop']);
    await until('mihe sees the chair again', async () => (await sees('mihe')) === 'zhuhuichang', 45_000);
  }, 120_000);

  it('a town that keys *1 (RFC 4733) raises its hand; `conf hands` lists it; the floor lowers it', async () => {
    await room('zhulin').command('sndcode', '*');
    await sleep(300);
    await room('zhulin').command('sndcode', '1');
    await until("zhulin's hand is up", () => (show().hands ?? []).some((h) => h.endpointId === 'zhulin'), 30_000);
    await room('mihe').command('sndcode', '*');
    await sleep(300);
    await room('mihe').command('sndcode', '1');
    await until("mihe's hand is up", () => (show().hands ?? []).length === 2, 30_000);
    const hands = await cliJson<HandView[]>(['conf', 'hands', conf.id]);
    expect(hands.map((h) => [h.endpointId, h.via])).toEqual([
      ['zhulin', 'dtmf'],
      ['mihe', 'dtmf'],
    ]);
    const text = await cli(['conf', 'hands', conf.id]);
    expect(text.stdout).toMatch(/1\s+zhulin/);
    expect(
      bridge.notifications.some(
        (n) =>
          n.method === 'conference.event' &&
          /hand raised: zhulin \(DTMF \*1 by RFC 4733\)/.test((n.params as { message: string }).message),
      ),
    ).toBe(true);

    expect((await cli(['conf', 'floor', conf.id, 'zhulin'])).code).toBe(0);
    expect(show().hands?.map((h) => h.endpointId)).toEqual(['mihe']);
    await until('the rooms see zhulin', async () => (await sees('mihe')) === 'zhulin', 45_000);
    const cleared = await cliJson<HandView[]>(['conf', 'hands', conf.id, '--clear', 'mihe']);
    expect(cleared).toEqual([]);
  }, 90_000);

  it('roll call steps the floor through the towns with --next / --previous', async () => {
    expect((await cli(['conf', 'mode', conf.id, 'rollcall'])).code).toBe(0);
    const first = await cliJson<ConferenceView>(['conf', 'floor', conf.id, '--next']);
    expect(first.floor).toBe('mihe');
    await until('the chair sees mihe', async () => (await sees('zhuhuichang')) === 'mihe', 45_000);
    expect((await cliJson<ConferenceView>(['conf', 'floor', conf.id, '--next'])).floor).toBe('xiaoguan');
    await until('the chair sees xiaoguan', async () => (await sees('zhuhuichang')) === 'xiaoguan', 45_000);
    expect((await cliJson<ConferenceView>(['conf', 'floor', conf.id, '--previous'])).floor).toBe('mihe');
    const list = await cliJson<ConferenceView>(['conf', 'floor', conf.id, '--next', '--sites', 'zhulin,mihe']);
    expect(list.rollcall).toEqual(['zhulin', 'mihe']);
    expect(list.floor).toBe('zhulin');
    await until('the chair sees zhulin', async () => (await sees('zhuhuichang')) === 'zhulin', 45_000);
  }, 180_000);

  it("the template books a meeting the scheduler starts by itself, with the template's sites and chair; a template's layout and polling start with its meetings", async () => {
    expect((await cli(['conf', 'end', conf.id])).code).toBe(0);
    const uriOf = new Map(bridge.config.endpoints.map((e) => [e.id, e.uri]));
    const scheduler = new Scheduler({
      store: bridge.store,
      config: bridge.config,
      clock: systemClock,
      log: silentLogger(),
      prober: { probe: (id) => optionsPing(uriOf.get(id)!) },
      conferences: conferenceControl(bridge.manager),
    });
    followConferences(bridge.manager, scheduler);
    scheduler.start();
    try {
      const start = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000).toISOString();
      const { schedule } = scheduler.add({ template: 'weekly', start }, { name: 'alice', role: 'operator' });
      expect(schedule).toMatchObject({ title: '周例会', chair: 'zhuhuichang', durationMinutes: 60 });
      await until(
        'the scheduled meeting started',
        () => bridge.manager.list().some((c) => c.scheduleId === schedule.id),
        45_000,
      );
      const started = bridge.manager.list().find((c) => c.scheduleId === schedule.id)!;
      expect(started.participants.map((p) => p.endpointId).sort()).toEqual([
        'mihe',
        'xiaoguan',
        'zhuhuichang',
        'zhulin',
      ]);
      await until(
        'the rooms answered the scheduled meeting',
        () => bridge.manager.show(started.id).participants.every((p) => p.state === 'connected'),
        45_000,
      );
      await scheduler.cancel({ id: schedule.id }, { name: 'alice', role: 'operator' });
      // cancelling the series ends its running meeting
      await until('the booked meeting ended', () => !bridge.manager.list().some((c) => c.id === started.id), 45_000);

      // a template with a layout and polling: conf start and a booked meeting both start with them
      const r = await cliJson<ConferenceView>(['conf', 'start', '--template', 'patrol']);
      expect(r.multiview?.layout).toBe('2x2');
      expect(r.polling).toMatchObject({ intervalSeconds: 5, pane: 4, sites: ['mihe', 'xiaoguan', 'zhulin'] });
      await until(
        "the polled towns pass through pane 4 of the chair's picture",
        () => bridge.manager.show(r.id).multiview?.pictures.zhuhuichang?.panes[3] === 'xiaoguan',
        60_000,
      );
      expect((await cli(['conf', 'end', r.id])).code).toBe(0);
      const booked = scheduler.add(
        { template: 'patrol', start: new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000).toISOString() },
        { name: 'alice', role: 'operator' },
      ).schedule;
      await until(
        'the booked patrol started',
        () => bridge.manager.list().some((c) => c.scheduleId === booked.id),
        45_000,
      );
      const patrol = bridge.manager.list().find((c) => c.scheduleId === booked.id)!;
      expect(patrol.multiview?.layout).toBe('2x2');
      expect(patrol.polling).toMatchObject({ intervalSeconds: 5, pane: 4 });
      await scheduler.cancel({ id: booked.id }, { name: 'alice', role: 'operator' });
    } finally {
      await scheduler.close();
    }
  }, 300_000);
});
