// View switching towards a SIP room through real legs and a real worker: two rooms send VP8 (one
// answers PLI, one only sends keyframes every 2 s), a third room receives its view at PT 96 (the
// router uses another number). The receiving side checks what a room decoder would care about.
// A room of H.264 level 2.0 (CIF) is neither switched to nor fed a source whose SPS says 720p.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../../daemon/media/SipMediaLeg.js';
import { VideoView } from '../../daemon/media/VideoView.js';
import { isVp8KeyframeStart } from '../../daemon/media/rtp/keyframe.js';
import { buildPli } from '../../daemon/media/rtp/rtcp.js';
import { seqDiff } from '../../daemon/media/rtp/packet.js';
import { SimVideo, tagOf } from '../helpers/simVideo.js';
import { sleep, until } from '../helpers/wait.js';
import { viewTarget } from '../helpers/videoTarget.js';
import { fitsLevel } from '../../daemon/media/h264Level.js';

const log = silentLogger();
/** SPS NAL units by ffmpeg's libx264 (Constrained Baseline): 1280×720 and 352×288. */
const SPS_720P = Buffer.from('6742c01fd9005005bb011000000300100000030320f1832480', 'hex');
const SPS_CIF = Buffer.from('6742c00dd9016096c044000003000400000300c83c50a920', 'hex');

let pool: WorkerPool;
let router: ms.Router;
const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
let cleanup: (() => void)[] = [];

beforeAll(async () => {
  pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  router = await pool.routerFor('video-test');
});
afterAll(() => pool.close());
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

async function sourceRoom(id: string, sim: SimVideo): Promise<SipMediaLeg> {
  const leg = await SipMediaLeg.create({ id, router, ports, log, announcedAddress: '127.0.0.1', kinds: ['video'] });
  cleanup.push(() => {
    sim.close();
    leg.close();
  });
  const codec = sim.o.codec;
  await leg.setRemote({
    address: '127.0.0.1',
    video: {
      port: sim.port,
      rtcpPort: sim.rtcpPort,
      pt: sim.o.pt,
      codec,
      clockRate: 90000,
      direction: 'sendonly',
      fmtp: codec === 'H264' ? 'packetization-mode=1;profile-level-id=42e01f' : undefined,
      rtcpFb: { pli: true, nack: true },
    },
  });
  sim.start({ address: '127.0.0.1', port: leg.localDescription().video!.port });
  return leg;
}

describe('VideoView with real legs and a real worker', () => {
  it('switches a room between sources on keyframes with constant SSRC, continuous seq, its own PT and no probation packets', async () => {
    const simA = await SimVideo.create({ codec: 'VP8', pt: 100, tag: 0xa1, gopFrames: 30, answersPli: false });
    const simB = await SimVideo.create({ codec: 'VP8', pt: 97, tag: 0xb2, gopFrames: 1000, answersPli: true });
    const simH = await SimVideo.create({ codec: 'H264', pt: 126, tag: 0xc3 });
    const legA = await sourceRoom('a', simA);
    const legB = await sourceRoom('b', simB);
    const legH = await sourceRoom('h', simH);
    const keyRequests: boolean[] = [];
    legB.on('keyframeRequest', (e) => keyRequests.push(e.rtcpFeedback));

    const { target, leg: legT } = await viewTarget({ router, ports, log, codec: 'VP8', pt: 96, cleanup });

    const view = await VideoView.create({ router, log });
    cleanup.push(() => view.close());
    const switches: { targetId: string; sourceId: string | null; waitedMs: number }[] = [];
    view.on('switched', (e) => switches.push(e));
    await view.addSource('a', legA.videoProducer!);
    await view.addSource('b', legB.videoProducer!);
    await view.addSource('h', legH.videoProducer!);
    await view.addTarget('t', legT);
    expect(view.canView('t', 'a')).toBe(true);
    expect(view.canView('t', 'h')).toBe(false);
    expect(await view.select('t', 'h')).toBe(false);

    expect(await view.select('t', 'a')).toBe(true);
    await until('A at the target', () => target.received.some((p) => tagOf('VP8', p.payload) === 0xa1), 4000);
    await sleep(500);
    const switchAt = target.received.length;
    await view.select('t', 'b');
    await until('B at the target', () => target.received.some((p) => tagOf('VP8', p.payload) === 0xb2), 3000);
    await sleep(500);
    // B answers the PLI that select() triggers through mediasoup and the relay: a fast switch.
    expect(simB.plis).toBeGreaterThan(0);
    expect(keyRequests.length).toBeGreaterThan(0);
    expect(switches.map((s) => s.sourceId)).toContain('b');

    const got = target.received;
    const media = got.filter((p) => p.v.pt !== 127);
    expect(got.length - media.length, 'probation packets reached the room').toBe(0);
    expect(new Set(got.map((p) => p.v.ssrc)).size).toBe(1);
    expect(got.every((p) => p.v.pt === 96)).toBe(true);
    for (let i = 1; i < got.length; i++) {
      expect(seqDiff(got[i]!.v.seq, got[i - 1]!.v.seq), `seq step at ${i}`).toBe(1);
      expect(((got[i]!.v.ts - got[i - 1]!.v.ts) | 0) >= 0, `ts step at ${i}`).toBe(true);
    }
    const firstB = got.findIndex((p) => tagOf('VP8', p.payload) === 0xb2);
    expect(firstB).toBeGreaterThanOrEqual(switchAt);
    expect(isVp8KeyframeStart(got[firstB]!.payload), 'the first packet of B is a keyframe start').toBe(true);
    expect(
      got.slice(firstB).every((p) => tagOf('VP8', p.payload) === 0xb2),
      'no A after the switch',
    ).toBe(true);

    // A room's PLI reaches the source it is watching (B answers PLI).
    const plisBefore = simB.plis;
    const pli = dgram.createSocket('udp4');
    cleanup.push(() => pli.close());
    target.rtcp.send(buildPli(0x1234567, got[0]!.v.ssrc), legT.localDescription().video!.rtcpPort, '127.0.0.1');
    await until('PLI forwarded to B', () => simB.plis > plisBefore, 2000);

    // Back to A, which ignores PLI: the view waits for A's own keyframe (every 2 s), never breaks.
    const n0 = target.received.length;
    await view.select('t', 'a');
    await until('A again', () => target.received.slice(n0).some((p) => tagOf('VP8', p.payload) === 0xa1), 4000);
    const back = target.received.slice(n0);
    const firstA = back.findIndex((p) => tagOf('VP8', p.payload) === 0xa1);
    expect(isVp8KeyframeStart(back[firstA]!.payload)).toBe(true);
    expect(
      back.slice(0, firstA).every((p) => tagOf('VP8', p.payload) === 0xb2),
      'B kept playing while waiting',
    ).toBe(true);
    expect(view.viewOf('t')).toEqual({ showing: 'a', pending: null });
  });

  it('a CIF room is not switched to a 720p source, nor fed a source that grows to 720p (the SPS says)', async () => {
    const sim = (tag: number, sps: Buffer) =>
      SimVideo.create({ codec: 'H264', pt: 126, tag, gopFrames: 15, answersPli: true, sps });
    const simBig = await sim(0xb1, SPS_720P);
    const simSmall = await sim(0x5a, SPS_CIF);
    const legBig = await sourceRoom('big', simBig);
    const legSmall = await sourceRoom('small', simSmall);
    const fmtp = 'packetization-mode=1;profile-level-id=42e014'; // level 2.0 (CIF)
    const { target, leg: legT } = await viewTarget({ router, ports, log, codec: 'H264', pt: 126, fmtp, cleanup });
    const view = await VideoView.create({ router, log });
    cleanup.push(() => view.close());
    // the target decodes level 2.0 (ConferenceMedia says so from the room's profile-level-id)
    view.setAdmit((_t, s) => {
      const p = view.sourcePicture(s);
      return !p || fitsLevel(p, 20);
    });
    const pictures: string[] = [];
    view.on('picture', (e) => pictures.push(`${e.sourceId} ${e.picture.width}x${e.picture.height}`));
    await view.addSource('big', legBig.videoProducer!);
    await view.addSource('small', legSmall.videoProducer!);
    await view.addTarget('t', legT);
    const tags = (from: number): Set<number | undefined> =>
      new Set(target.received.slice(from).map((p) => tagOf('H264', p.payload)));

    expect(await view.select('t', 'small')).toBe(true);
    await until('the CIF source at the target', () => tags(0).has(0x5a), 4000);
    expect(view.sourcePicture('small')).toMatchObject({ width: 352, height: 288 });

    // 720p: its keyframes come while the target waits for one, and none is taken
    const n0 = target.received.length;
    await view.select('t', 'big');
    await until('the 720p SPS read', () => view.sourcePicture('big')?.width === 1280, 4000);
    const keys = simBig.keyframesSent;
    await until('two more 720p keyframes sent', () => simBig.keyframesSent >= keys + 2, 6000);
    await sleep(300);
    expect(tags(n0).has(0xb1), '720p reached the CIF room').toBe(false);
    expect(tags(n0).has(0x5a), 'the CIF source kept playing meanwhile').toBe(true);
    expect(view.viewOf('t')).toEqual({ showing: 'small', pending: 'big' });

    // the CIF source grows to 720p: the target is fed nothing more of it (it keeps its last picture)
    await view.select('t', 'small');
    simSmall.sps = SPS_720P;
    await until('the source grown', () => view.sourcePicture('small')?.width === 1280, 4000);
    await sleep(300);
    const n1 = target.received.length;
    await sleep(1500);
    expect(target.received.length - n1, 'packets of a 720p picture fed to the CIF room').toBe(0);
    // back to CIF: fed again from the new SPS on
    simSmall.sps = SPS_CIF;
    await until('fed again', () => tags(n1).has(0x5a), 4000);
    expect(pictures).toEqual(['small 352x288', 'big 1280x720', 'small 1280x720', 'small 352x288']);
  });
});
