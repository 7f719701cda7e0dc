// The conference layer over the real media path (mediasoup worker, relays, N-1 mixer, video views)
// with simulated rooms instead of SIP (tests/helpers/simSignalling.ts). One shared conference runs
// through the checks in order: audio mix, mute, roll call, video views, drop + redial, worker death,
// dial-in rules, end with CDR and stats in SQLite. As in the daemon, the legs' audio and the mixer run
// on the media plane worker thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../daemon/util/logger.js';
import { SiteConfig } from '../../daemon/config/schema.js';
import { Store } from '../../daemon/store/Store.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { MediaPlane } from '../../daemon/media/plane/MediaPlane.js';
import { ConferenceManager } from '../../daemon/conference/ConferenceManager.js';
import type { ConferenceView, ParticipantView } from '../../protocol/index.js';
import type { ConferenceControl } from '../../daemon/scheduler/types.js';
import { conferenceControl } from '../../daemon/scheduler/wiring.js';
import { SimSignalling } from '../helpers/simSignalling.js';
import { toneDb } from '../helpers/simRoom.js';
import { tagOf } from '../helpers/simVideo.js';
import { sleep, until } from '../helpers/wait.js';

const log = silentLogger();

const SITES = [
  { id: 'zhengzhou', toneHz: 440, tag: 0x11 },
  { id: 'mihe', toneHz: 660, tag: 0x22 },
  { id: 'xiaoguan', toneHz: 880, tag: 0x33 },
  { id: 'zhulin', toneHz: 1100, tag: 0x44 },
];
const TONES = SITES.map((s) => s.toneHz);

const config = SiteConfig.parse({
  site: { name: 'test' },
  operators: [{ name: 'a', role: 'operator', tokenHash: `sha256:${'0'.repeat(64)}` }],
  groups: [{ id: 'towns', name: { zh: '乡镇', en: 'Towns' } }],
  endpoints: [
    {
      id: 'zhengzhou',
      name: { zh: '郑州', en: 'Zhengzhou' },
      kind: 'upstream',
      uri: 'sip:z@127.0.0.1:5999',
      register: {},
      pin: '8001#',
      credentials: { username: 'u', password: 'p' },
    },
    ...['mihe', 'xiaoguan', 'zhulin', 'dayugou'].map((id) => ({
      id,
      name: { zh: id, en: id },
      kind: 'town',
      uri: `sip:${id}@127.0.0.1:5999`,
      groups: ['towns'],
    })),
  ],
});

let sig: SimSignalling;
let store: Store;
let dir: string;
let pool: WorkerPool;
let plane: MediaPlane;
let mgr: ConferenceManager;
let conf: ConferenceView;
const participantEvents: (ParticipantView & { at: number })[] = [];
const floorChanges: { at: number; floor: string | null }[] = [];

beforeAll(async () => {
  sig = await SimSignalling.create(SITES);
  dir = mkdtempSync(join(tmpdir(), 'vcb-conf-'));
  store = Store.open(join(dir, 'db.sqlite'));
  pool = new WorkerPool({ log, workers: 2, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  plane = await MediaPlane.start({ log });
  mgr = new ConferenceManager({
    log,
    store,
    pool,
    plane,
    ports: new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' }),
    signalling: sig,
    config: () => config,
    rtpTimeoutMs: 1500,
    pinDelayMs: 100,
    statsIntervalMs: 500,
  });
  // the scheduler drives the manager as it is
  const control: ConferenceControl = conferenceControl(mgr);
  void control;
  mgr.on('participant', (e) => participantEvents.push({ ...e.participant, at: Date.now() }));
  mgr.on('state', (v) => {
    if (floorChanges.at(-1)?.floor !== v.floor) floorChanges.push({ at: Date.now(), floor: v.floor });
  });
});

afterAll(async () => {
  await mgr?.close();
  await plane?.close();
  pool?.close();
  sig?.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stateOf = (id: string): string | undefined =>
  mgr.show(conf.id).participants.find((p) => p.endpointId === id)?.state;
const allConnected = (): boolean => mgr.show(conf.id).participants.every((p) => p.state === 'connected');

/** Tone levels each site received over the last `ms`. */
async function listen(ms = 1000): Promise<Record<string, Record<number, number>>> {
  const t = performance.now();
  await sleep(ms);
  const out: Record<string, Record<number, number>> = {};
  for (const s of SITES) {
    const pcm = sig.site(s.id).audio.audioSince(t + 200);
    out[s.id] = Object.fromEntries(TONES.map((hz) => [hz, toneDb(pcm, 8000, hz)]));
  }
  return out;
}

describe('conference over real media with simulated rooms', () => {
  it('dials every site in parallel, registers the upstream first and sends it the PIN', async () => {
    conf = await mgr.start(
      { title: 'Weekly', group: 'towns', upstream: 'zhengzhou', chair: 'mihe', mode: 'voice', endpoints: [] },
      'alice',
    );
    expect(conf.participants.map((p) => p.endpointId)).toEqual(['zhengzhou', 'mihe', 'xiaoguan', 'zhulin', 'dayugou']);
    // dayugou has no simulated room: make it fail busy and check it keeps being redialled
    await until(
      '4 sites connected',
      () => ['zhengzhou', 'mihe', 'xiaoguan', 'zhulin'].every((id) => stateOf(id) === 'connected'),
      30_000,
    );
    expect(sig.registered).toContain('zhengzhou');
    expect(participantEvents.some((p) => p.endpointId === 'mihe' && p.state === 'calling')).toBe(true);
    expect(participantEvents.some((p) => p.endpointId === 'mihe' && p.state === 'ringing')).toBe(true);
    await until(
      'the PIN as RFC 4733 events at the upstream',
      () => sig.site('zhengzhou').audio.packets.some((p) => p.v.pt === 101),
      3000,
    );
    expect(
      sig.site('mihe').audio.packets.some((p) => p.v.pt === 101),
      'no PIN to a town',
    ).toBe(false);
  });

  it('each site hears the other tones and not its own', async () => {
    await sleep(800);
    const l = await listen();
    for (const s of SITES) {
      for (const hz of TONES) {
        if (hz === s.toneHz) expect(l[s.id]![hz], `${s.id} must not hear itself`).toBeLessThan(-45);
        else expect(l[s.id]![hz], `${s.id} hears ${hz} Hz`).toBeGreaterThan(-30);
      }
    }
  });

  it('muting a site removes its tone for the others', async () => {
    mgr.get(conf.id).mute(['xiaoguan'], true);
    expect(mgr.show(conf.id).participants.find((p) => p.endpointId === 'xiaoguan')?.muted).toBe(true);
    await sleep(300);
    const l = await listen();
    expect(l.mihe![880]).toBeLessThan(-45);
    expect(l.zhengzhou![880]).toBeLessThan(-45);
    expect(l.mihe![1100]).toBeGreaterThan(-30);
    mgr.get(conf.id).mute(['xiaoguan'], false);
  });

  it('roll call: only the floor site and the chair are heard, and everyone sees the floor site', async () => {
    mgr.get(conf.id).setFloor('zhulin');
    const v = mgr.show(conf.id);
    expect(v.mode).toBe('rollcall');
    await sleep(1500);
    const l = await listen();
    expect(l.zhengzhou![1100], 'floor site heard').toBeGreaterThan(-30);
    expect(l.zhengzhou![660], 'chair heard').toBeGreaterThan(-30);
    expect(l.zhengzhou![880], 'others muted').toBeLessThan(-45);
    expect(l.zhulin![440], 'upstream muted too').toBeLessThan(-45);
    const shown = mgr.show(conf.id);
    expect(shown.floor).toBe('zhulin');
    for (const p of shown.participants.filter((x) => x.state === 'connected')) {
      expect(p.viewing, `${p.endpointId} view`).toBe(p.endpointId === 'zhulin' ? 'mihe' : 'zhulin');
    }
    // and the rooms really get that video
    const since = performance.now();
    await sleep(600);
    const got = sig
      .site('xiaoguan')
      .video.received.filter((r) => r.at > since)
      .map((r) => tagOf('VP8', r.payload));
    expect(got.length).toBeGreaterThan(10);
    expect(got.every((t) => t === 0x44)).toBe(true);
  });

  it('broadcast: everyone sees the upstream and hears only it and the chair', async () => {
    mgr.setMode(conf.id, 'broadcast');
    await sleep(1500);
    const l = await listen();
    expect(l.xiaoguan![440]).toBeGreaterThan(-30);
    expect(l.xiaoguan![660]).toBeGreaterThan(-30);
    expect(l.xiaoguan![1100]).toBeLessThan(-45);
    const since = performance.now();
    await sleep(600);
    const got = sig
      .site('mihe')
      .video.received.filter((r) => r.at > since)
      .map((r) => tagOf('VP8', r.payload));
    expect(got.length).toBeGreaterThan(10);
    expect(got.every((t) => t === 0x11)).toBe(true);
  });

  it('voice: the view follows the active speaker, each one held at least 2 s', async () => {
    mgr.setMode(conf.id, 'voice');
    // silence by amplitude: a tone of 0 Hz would be a DC offset, loud to a level meter
    const speak = (who: string | null): void => {
      for (const x of SITES)
        Object.assign(sig.site(x.id).audio, { amplitude: who === null || x.id === who ? 6000 : 0 });
    };
    try {
      speak('xiaoguan');
      await until('xiaoguan has the floor', () => mgr.show(conf.id).floor === 'xiaoguan', 4000);
      speak('zhulin');
      await until('zhulin has the floor', () => mgr.show(conf.id).floor === 'zhulin', 5000);
      const [a, b] = floorChanges.slice(-2);
      expect(a?.floor).toBe('xiaoguan');
      expect(b!.at - a!.at, 'held for 2 s').toBeGreaterThanOrEqual(1900);
      await until(
        'views follow',
        () => {
          const v = mgr.show(conf.id).participants;
          return (
            v.find((p) => p.endpointId === 'mihe')?.viewing === 'zhulin' &&
            v.find((p) => p.endpointId === 'zhulin')?.viewing === 'xiaoguan'
          );
        },
        3000,
      );
    } finally {
      speak(null);
    }
  });

  it('a site that hangs up is redialled and back within a few seconds; a silent one after the RTP timeout', async () => {
    const before = sig.site('xiaoguan').calls;
    sig.site('xiaoguan').current!.remoteBye();
    await until('xiaoguan redialling', () => stateOf('xiaoguan') === 'redialing', 1000);
    await until('xiaoguan back', () => stateOf('xiaoguan') === 'connected', 4000);
    expect(sig.site('xiaoguan').calls).toBe(before + 1);
    sig.site('zhulin').current!.vanish();
    await until('zhulin dropped for silence', () => stateOf('zhulin') !== 'connected', 4000);
    await until('zhulin back', () => stateOf('zhulin') === 'connected', 5000);
  });

  it('a site that keeps failing is redialled with growing delays (1 s, 2 s, 4 s …)', () => {
    const p = mgr.show(conf.id).participants.find((x) => x.endpointId === 'dayugou')!;
    expect(['redialing', 'calling', 'ringing']).toContain(p.state);
    expect(p.attempts).toBeGreaterThanOrEqual(4);
    const dials = participantEvents.filter((e) => e.endpointId === 'dayugou' && e.state === 'calling').map((e) => e.at);
    const gaps = dials.slice(1).map((t, i) => t - dials[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    // each wait at least its planned delay, and growing (a timer never fires early; a busy machine only adds)
    [1000, 2000, 4000].forEach((want, i) =>
      expect(gaps[i]!, `gap ${i + 1}: ${gaps[i]} ms`).toBeGreaterThanOrEqual(want - 20),
    );
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
  });

  it('SIGKILL of the worker: every leg carries media again', async () => {
    const w = pool.workerOf(conf.id)!;
    const reinvitesBefore = sig.site('mihe').current!.reinvites;
    process.kill(w.pid, 'SIGKILL');
    await until('rebuilt', () => sig.site('mihe').current!.reinvites > reinvitesBefore, 30_000);
    await sleep(1000);
    const l = await listen();
    expect(l.xiaoguan![440]).toBeGreaterThan(-30);
    const since = performance.now();
    await sleep(500);
    expect(sig.site('mihe').video.received.filter((r) => r.at > since).length).toBeGreaterThan(5);
    expect(allConnected() || stateOf('dayugou') !== 'connected').toBe(true);
  });

  it('dial-in: a listed site is taken in (replacing its dead call), an unknown caller gets 403, a locked conference 486', async () => {
    sig.site('mihe').current!.vanish();
    const r = await sig.dialIn('mihe');
    expect(r.status).toBe(200);
    await until(
      'mihe in by dial-in',
      () =>
        mgr.show(conf.id).participants.find((p) => p.endpointId === 'mihe')?.direction === 'in' &&
        stateOf('mihe') === 'connected',
      3000,
    );
    mgr.get(conf.id).setLocked(true);
    expect((await sig.dialIn('xiaoguan')).status).toBe(486);
    mgr.get(conf.id).setLocked(false);
    expect((await sig.dialIn('xiaoguan', { endpointId: undefined })).status).toBe(403);
  });

  it('operator hangup is not redialled; ending sends BYE everywhere, closes CDRs with stats, and later dial-ins get 480', async () => {
    await mgr.get(conf.id).hangup('zhulin');
    expect(stateOf('zhulin')).toBe('hungup');
    await sleep(1500);
    expect(stateOf('zhulin')).toBe('hungup');
    const calls = ['zhengzhou', 'xiaoguan', 'mihe'].map((id) => sig.site(id).current!);
    const ended = await mgr.end(conf.id, 'test over');
    expect(ended.state).toBe('ended');
    for (const c of calls) expect(c.hungUp).toBe('test over');
    const cdr = store.cdr.list({ conferenceId: conf.id, limit: 1000 });
    expect(cdr.every((r) => r.endedAt !== null)).toBe(true);
    const answered = cdr.filter((r) => r.answeredAt !== null);
    expect(answered.length).toBeGreaterThanOrEqual(6);
    expect(answered.some((r) => (r.stats as { samples?: number } | null)?.samples)).toBe(true);
    expect(cdr.find((r) => r.endpointId === 'zhulin' && r.endReason === 'hung up by the operator')).toBeTruthy();
    expect(store.stats.forLeg(conf.id, 'mihe', 0).length).toBeGreaterThan(0);
    expect(store.conferences.get(conf.id)?.state).toBe('ended');
    expect((await sig.dialIn('mihe')).status, 'no meeting for mihe any more').toBe(480);
  });
});
