// View switching with real H.264 from ffmpeg (libx264, SPS/PPS in band, a keyframe every second,
// PLI ignored — like many encoders). Source A says level 2.1, source B level 3.1, so the SPS level
// byte seen by the target tells which source it is getting at each keyframe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../../daemon/media/SipMediaLeg.js';
import { VideoView } from '../../daemon/media/VideoView.js';
import { seqDiff } from '../../daemon/media/rtp/packet.js';
import { SimVideo } from '../helpers/simVideo.js';
import { sleep } from '../helpers/wait.js';
import { viewTarget } from '../helpers/videoTarget.js';
import { FFMPEG_QUIET, lavfiInput, x264Args } from '../helpers/ffmpegArgs.js';

const log = silentLogger();
const H264 = 'packetization-mode=1;profile-level-id=42e01f';
let pool: WorkerPool;
let router: ms.Router;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  router = await pool.routerFor('ffmpeg-video');
});
afterAll(() => {
  for (const f of cleanup.reverse()) f();
  pool.close();
});

/** level_idc of the SPSs in a payload (single NAL or STAP-A). */
function spsLevels(p: Buffer): number[] {
  const t = p[0]! & 0x1f;
  if (t === 7) return [p[3]!];
  const out: number[] = [];
  if (t === 24) {
    for (let j = 1; j + 5 < p.length; j += 2 + p.readUInt16BE(j)) if ((p[j + 2]! & 0x1f) === 7) out.push(p[j + 5]!);
  }
  return out;
}

async function ffmpegSource(id: string, level: '2.1' | '3.1'): Promise<SipMediaLeg> {
  const sink = await SimVideo.create({ codec: 'H264', pt: 96, tag: 0 }); // where the source's SDP says it listens
  const leg = await SipMediaLeg.create({ id, router, ports, log, announcedAddress: '127.0.0.1', kinds: ['video'] });
  await leg.setRemote({
    address: '127.0.0.1',
    video: {
      port: sink.port,
      rtcpPort: sink.rtcpPort,
      pt: 96,
      codec: 'H264',
      clockRate: 90000,
      fmtp: H264,
      direction: 'sendonly',
    },
  });
  const local = leg.localDescription().video!;
  const ff: ChildProcess = spawn(
    'ffmpeg',
    [
      ...FFMPEG_QUIET,
      '-re',
      ...lavfiInput('testsrc', { width: 320, height: 240, fps: 15 }, 20),
      ...x264Args({ gop: 15, level }),
      '-f',
      'rtp',
      '-payload_type',
      '96',
      `rtp://127.0.0.1:${local.port}?rtcpport=${local.rtcpPort}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  cleanup.push(() => {
    ff.kill('SIGKILL');
    sink.close();
    leg.close();
  });
  return leg;
}

const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });

describe('VideoView with ffmpeg H.264 sources', () => {
  it('switches on the new source’s own keyframe and keeps the target stream continuous', async () => {
    const a = await ffmpegSource('a', '2.1');
    const b = await ffmpegSource('b', '3.1');
    const { target, leg: legT } = await viewTarget({ router, ports, log, codec: 'H264', pt: 109, fmtp: H264, cleanup });
    const view = await VideoView.create({ router, log });
    cleanup.push(() => view.close());
    const switched: { sourceId: string | null; waitedMs: number }[] = [];
    view.on('switched', (e) => switched.push(e));
    for (let i = 0; i < 50 && !(a.videoProducer && b.videoProducer); i++) await sleep(20);
    await view.addSource('a', a.videoProducer!);
    await view.addSource('b', b.videoProducer!);
    await view.addTarget('t', legT);
    await view.select('t', 'a');
    await sleep(2200);
    await view.select('t', 'b');
    await sleep(2200);

    expect(switched.map((s) => s.sourceId)).toEqual(['a', 'b']);
    expect(switched[1]!.waitedMs, 'B ignores PLI: the switch waits for its next GOP keyframe').toBeGreaterThan(0);
    const got = target.received;
    expect(got.length).toBeGreaterThan(60);
    expect(new Set(got.map((p) => p.v.ssrc)).size).toBe(1);
    expect(got.every((p) => p.v.pt === 109)).toBe(true);
    for (let i = 1; i < got.length; i++) expect(seqDiff(got[i]!.v.seq, got[i - 1]!.v.seq), `seq at ${i}`).toBe(1);
    const levels = got.flatMap((p) => spsLevels(p.payload));
    const firstB = levels.indexOf(31);
    expect(levels[0], 'first keyframe is from A (level 2.1)').toBe(21);
    expect(firstB).toBeGreaterThan(0);
    expect(
      levels.slice(firstB).every((x) => x === 31),
      'only B after the switch',
    ).toBe(true);
  });
});
