// N-1 mixing through real SipMediaLegs, a real mediasoup worker and real codecs: three simulated
// rooms send 440/660/880 Hz tones as PCMA, PCMU and G.722 RTP; each must hear the other two and not
// itself. What the rooms receive is decoded here and measured with Goertzel. Every case runs twice:
// the mixer in this thread (AudioMixer) and on the media plane worker (PlaneMixer, the legs' audio
// relays in the worker too), which must also survive the worker failing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../../daemon/media/SipMediaLeg.js';
import { AudioMixer, type ConferenceMixer } from '../../daemon/media/AudioMixer.js';
import { MediaPlane } from '../../daemon/media/plane/MediaPlane.js';
import { PlaneMixer } from '../../daemon/media/plane/PlaneMixer.js';
import { SIM_CLOCK, SIM_RATE, SimRoom, toneDb, type SimCodec } from '../helpers/simRoom.js';
import { sleep, until } from '../helpers/wait.js';

const log = silentLogger();

let pool: WorkerPool;
let router: ms.Router;
const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
let cleanup: (() => void)[] = [];
let plane: MediaPlane;
/** Where the mixer of the case being run lives. */
let onPlane = false;

beforeAll(async () => {
  pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  router = await pool.routerFor('mixer-test');
  plane = await MediaPlane.start({ log });
});
afterAll(async () => {
  await plane.close();
  pool.close();
});

function newMixer(): ConferenceMixer {
  const mixer = onPlane ? new PlaneMixer({ plane, log, router }) : new AudioMixer({ log, router });
  cleanup.push(() => mixer.close());
  return mixer;
}

function newLeg(id: string): Promise<SipMediaLeg> {
  return SipMediaLeg.create({
    id,
    router,
    ports,
    log,
    announcedAddress: '127.0.0.1',
    kinds: ['audio'],
    ...(onPlane ? { plane } : {}),
  });
}
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

async function room(
  id: string,
  codec: SimCodec,
  pt: number,
  toneHz: number,
  mixer: ConferenceMixer,
): Promise<{ leg: SipMediaLeg; sim: SimRoom }> {
  const sim = await SimRoom.create({ codec, pt, toneHz });
  const leg = await newLeg(id);
  cleanup.push(() => {
    sim.close();
    leg.close();
  });
  await leg.setRemote({
    address: '127.0.0.1',
    audio: { port: sim.port, rtcpPort: sim.rtcpPort, pt, codec, clockRate: SIM_CLOCK[codec] },
  });
  mixer.addSipLeg(id, leg);
  sim.start({ address: '127.0.0.1', port: leg.localDescription().audio!.port });
  return { leg, sim };
}

function levels(sim: SimRoom, since: number): Record<number, number> {
  const pcm = sim.audioSince(since);
  const rate = SIM_RATE[sim.codec];
  const tail = pcm.subarray(Math.max(0, pcm.length - rate)); // last second
  return { 440: toneDb(tail, rate, 440), 660: toneDb(tail, rate, 660), 880: toneDb(tail, rate, 880) };
}

type Levels = Record<number, number>;
const HEARD = -20; // dBFS a tone sent at ≈ -12 dBFS must reach, with room for a few lost frames
const APART = 30; // dB a suppressed tone must sit below the heard ones

/**
 * The levels of the last second each room received, taken again every 250 ms until `ok` holds
 * or 20 s pass; the last ones are returned either way, for the asserts to name. A loaded machine
 * may lose frames in one second of audio, so a single fixed window would judge the machine, not
 * the mixer; but a mixer that is wrong never produces a right second.
 */
async function settle<T extends SimRoom[]>(
  sims: [...T],
  since: number,
  ok: (l: { [K in keyof T]: Levels }) => boolean,
): Promise<{ [K in keyof T]: Levels }> {
  const end = Date.now() + 20_000;
  await sleep(1100);
  for (;;) {
    const l = sims.map((s) => levels(s, since)) as { [K in keyof T]: Levels };
    if (ok(l) || Date.now() > end) return l;
    await sleep(250);
  }
}
const heard = (l: Levels, hz: number[]): boolean => hz.every((f) => l[f]! > HEARD);
const apart = (l: Levels, loud: number[], quiet: number): boolean => loud.every((f) => l[f]! - l[quiet]! > APART);

describe.each([
  ['in this thread', false],
  ['on the media plane worker', true],
])('the N-1 mixer %s, with real legs and a real mediasoup worker', (_where, planeMode) => {
  beforeAll(() => {
    onPlane = planeMode;
  });

  it('each room hears the other two tones and not its own (PCMA, PCMU, G.722); muting removes a tone', async () => {
    const mixer = newMixer();
    const a = await room('a', 'PCMA', 8, 440, mixer);
    const b = await room('b', 'PCMU', 0, 660, mixer);
    const c = await room('c', 'G722', 9, 880, mixer);
    const want: [others: number[], own: number][] = [
      [[660, 880], 440],
      [[440, 880], 660],
      [[440, 660], 880],
    ];
    const [la, lb, lc] = await settle([a.sim, b.sim, c.sim], performance.now(), (ls) =>
      ls.every((l, i) => heard(l, want[i]![0]) && apart(l, want[i]![0], want[i]![1])),
    );
    // The tones are sent at 8000/32768 ≈ -12 dBFS; each should arrive near that level (a loaded CI
    // machine may cost some frames, hence the margin); the own tone must be ≥ 30 dB below them.
    for (const [l, others, own] of [
      [la, [660, 880], 440],
      [lb, [440, 880], 660],
      [lc, [440, 660], 880],
    ] as const) {
      for (const f of others) expect(l[f], `tone ${f} in ${JSON.stringify(l)}`).toBeGreaterThan(-20);
      for (const f of others)
        expect(l[f]! - l[own]!, `own tone ${own} suppressed in ${JSON.stringify(l)}`).toBeGreaterThan(30);
    }
    // Continuous 20 ms stream towards every room.
    await until('100 packets of mix at room a', () => a.sim.packets.length > 100, 20_000);
    expect(new Set(a.sim.packets.map((p) => p.v.ssrc)).size).toBe(1);
    expect(a.sim.packets.every((p) => p.v.pt === 8)).toBe(true);
    expect(c.sim.packets.every((p) => p.v.pt === 9 && p.payload.length === 160)).toBe(true);

    mixer.setMuted('b', true);
    await sleep(300);
    const [ma, mb, mc] = await settle(
      [a.sim, b.sim, c.sim],
      performance.now(),
      ([ma, mb, mc]) => apart(ma!, [880], 660) && apart(mc!, [440], 660) && heard(ma!, [880]) && heard(mb!, [440, 880]),
    );
    expect(ma[660]!, `muted 660 gone for a: ${JSON.stringify(ma)}`).toBeLessThan(ma[880]! - 30);
    expect(mc[660]!, `muted 660 gone for c: ${JSON.stringify(mc)}`).toBeLessThan(mc[440]! - 30);
    expect(ma[880]).toBeGreaterThan(-20);
    // the muted room still hears everyone (it gets the frame shared by all who add nothing to the mix)
    expect(mb[440], `a heard by muted b: ${JSON.stringify(mb)}`).toBeGreaterThan(-20);
    expect(mb[880], `c heard by muted b: ${JSON.stringify(mb)}`).toBeGreaterThan(-20);
    const stats = mixer.stats();
    expect(stats.map((s) => s.id).sort()).toEqual(['a', 'b', 'c']);
    expect(stats.find((s) => s.id === 'b')?.muted).toBe(true);
  });

  it('a room that changes SSRC mid-call keeps being heard (and the producer keeps counting)', async () => {
    const mixer = newMixer();
    const a = await room('a', 'PCMA', 8, 440, mixer);
    const b = await room('b', 'PCMA', 8, 660, mixer);
    await sleep(800);
    const before = (await a.leg.audioProducer!.getStats())[0]?.packetCount ?? 0;
    a.sim.changeSsrc();
    await sleep(500);
    const [lb] = await settle([b.sim], performance.now(), ([lb]) => heard(lb!, [440]));
    expect(lb[440], JSON.stringify(lb)).toBeGreaterThan(-20);
    const after = (await a.leg.audioProducer!.getStats())[0]?.packetCount ?? 0;
    expect(after - before).toBeGreaterThan(60);
  });

  it('opus and G.722 round trips through the mixer keep the tone', async () => {
    const mixer = newMixer();
    const a = await room('a', 'opus', 111, 440, mixer);
    const b = await room('b', 'G722', 9, 880, mixer);
    await sleep(1200);
    const [la, lb] = await settle(
      [a.sim, b.sim],
      performance.now(),
      ([la, lb]) => heard(la!, [880]) && heard(lb!, [440]) && apart(la!, [880], 440) && apart(lb!, [440], 880),
    );
    expect(la[880], `opus room hears G.722 room: ${JSON.stringify(la)}`).toBeGreaterThan(-20);
    expect(lb[440], `G.722 room hears opus room: ${JSON.stringify(lb)}`).toBeGreaterThan(-20);
    expect(la[880]! - la[440]!).toBeGreaterThan(30);
    expect(lb[440]! - lb[880]!).toBeGreaterThan(30);
    expect(a.sim.packets.every((p) => p.v.pt === 111)).toBe(true);
  });

  it('reports the active speaker from the mixed levels, and a browser-style Opus producer is heard by SIP rooms', async () => {
    const mixer = newMixer();
    const speakers: string[] = [];
    mixer.on('activeSpeaker', (e) => speakers.push(e.id));
    const loud = await room('loud', 'PCMA', 8, 440, mixer);
    const soft = await SimRoom.create({ codec: 'PCMU', pt: 0, toneHz: 660, amplitude: 1000 });
    const softLeg = await newLeg('soft');
    cleanup.push(() => {
      soft.close();
      softLeg.close();
    });
    await softLeg.setRemote({
      address: '127.0.0.1',
      audio: { port: soft.port, pt: 0, codec: 'PCMU', clockRate: 8000 },
    });
    mixer.addSipLeg('soft', softLeg);
    soft.start({ address: '127.0.0.1', port: softLeg.localDescription().audio!.port });

    // A browser's audio arrives in the router as an Opus producer; here it is fed over plain RTP.
    const web = await SimRoom.create({ codec: 'opus', pt: 111, toneHz: 880 });
    const t = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: true,
    });
    cleanup.push(() => {
      web.close();
      t.close();
    });
    const producer = await t.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }],
        encodings: [{ ssrc: web.ssrc }],
      },
    });
    web.start({ address: '127.0.0.1', port: t.tuple.localPort });
    await mixer.addProducer('web', producer);
    mixer.setMuted('web', true); // keep the speaker race between the two rooms
    await sleep(1200);
    expect(speakers).toEqual(['loud']);
    expect(mixer.activeSpeaker).toBe('loud');
    mixer.setMuted('web', false);
    loud.sim.sending = false;
    await sleep(300);
    const [fromWeb] = await settle([soft], performance.now(), ([l]) => heard(l!, [880]));
    expect(speakers.slice(0, 2)).toEqual(['loud', 'web']);
    expect(fromWeb![880], `the SIP room hears the browser: ${JSON.stringify(fromWeb)}`).toBeGreaterThan(-20);
    expect(mixer.stats().find((x) => x.id === 'web')?.codec).toBe('opus');
  });
});

describe('the media plane worker fails', () => {
  beforeAll(() => {
    onPlane = true;
  });

  it('is restarted with every relay and mixer on the same ports: the rooms hear each other again, mute kept', async () => {
    const mixer = newMixer();
    const a = await room('a', 'PCMA', 8, 440, mixer);
    const b = await room('b', 'G722', 9, 660, mixer);
    const c = await room('c', 'PCMU', 0, 880, mixer);
    mixer.setMuted('c', true);
    await sleep(1200);
    const died: string[] = [];
    plane.once('died', (e) => died.push(e.error.message));
    const restarted = new Promise<void>((resolve) => plane.once('restarted', () => resolve()));
    const restarts = plane.restarts;
    plane.injectFault();
    await restarted;
    expect(died).toHaveLength(1);
    expect(plane.restarts).toBe(restarts + 1);
    await sleep(400);
    const [la, lb] = await settle(
      [a.sim, b.sim],
      performance.now(),
      ([la, lb]) => heard(la!, [660]) && heard(lb!, [440]) && apart(la!, [660], 880) && apart(lb!, [440], 660),
    );
    expect(la[660], `a hears b after the restart: ${JSON.stringify(la)}`).toBeGreaterThan(-20);
    expect(lb[440], `b hears a after the restart: ${JSON.stringify(lb)}`).toBeGreaterThan(-20);
    expect(la[880]!, `c still muted for a: ${JSON.stringify(la)}`).toBeLessThan(la[660]! - 30);
    expect(lb[440]! - lb[660]!, `b does not hear itself: ${JSON.stringify(lb)}`).toBeGreaterThan(30);
    // the same ports as before: the rooms were never told anything new
    expect(a.leg.localDescription().audio!.port).toBe(a.leg.audioPlaneRelay!.localPort);
    const counters = await a.leg.audioPlaneRelay!.counters();
    expect(counters.rtpIn).toBeGreaterThan(50);
    expect(c.sim.packets.length).toBeGreaterThan(0);
  });
});
