// What recording adds to a meeting (issue #16), on the real code: ProgramFeed (view target + Opus of
// the full mix) tapped by FfmpegRecorder (H.264 copied, AAC, fragmented MP4).
//   npx tsx bench/recording.ts          BENCH_SECONDS=30 by default
//
// The picture stands in for the compositor's canvas of a 21-site layout: ffmpeg sends 1280×720 25 fps
// H.264 at ~1.5 Mbit/s (keyframe every 2 s) into the router; the mixer has one Opus source (the full
// mix is the sum the mixer computes for every meeting anyway, so its cost does not grow with what is
// recorded; the number of sites changes only the mixer's own, unchanged work). Measured over the same
// length of time without and then with the recording: CPU of the bridge process (process.cpuUsage:
// Opus encode of the mix, the view's forwarding to one more target), of the mediasoup worker (/proc:
// one more consumer pair), and of the ffmpeg recorder (/proc), percent of one core.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../daemon/util/logger.js';
import { WorkerPool } from '../daemon/media/WorkerPool.js';
import { VideoView } from '../daemon/media/VideoView.js';
import { AudioMixer } from '../daemon/media/AudioMixer.js';
import { ProgramFeed, PROGRAM_TARGET } from '../daemon/media/program/ProgramFeed.js';
import { FfmpegRecorder, checkFfmpeg } from '../daemon/media/program/FfmpegRecorder.js';
import { producerParams, routerVideoCodec } from '../daemon/media/mediaCodecs.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CLK = 100; // USER_HZ
const log = silentLogger();
const children: ChildProcess[] = [];

function procCpu(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK; // utime + stime, seconds
}

async function source(router: ms.Router, kind: 'audio' | 'video'): Promise<ms.Producer> {
  const t = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
  const codec =
    kind === 'video'
      ? routerVideoCodec(router.rtpCapabilities, 'H264/1')
      : router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'audio/opus')!;
  const ssrc = kind === 'video' ? 1111 : 2222;
  const producer = await t.produce({ kind, rtpParameters: producerParams(codec, ssrc) });
  const input =
    kind === 'video'
      ? ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25']
      : ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
  const enc =
    kind === 'video'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-b:v', '1500k', '-g', '50', '-bf', '0']
      : ['-c:a', 'libopus', '-ac', '2', '-b:a', '48k'];
  const url = `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`;
  const ff = spawn(
    'ffmpeg',
    [
      '-v',
      'error',
      '-re',
      ...input,
      ...enc,
      '-f',
      'rtp',
      '-payload_type',
      String(codec.preferredPayloadType),
      '-ssrc',
      String(ssrc),
      url,
    ],
    { stdio: 'ignore' },
  );
  children.push(ff);
  return producer;
}

async function measure(
  workerPid: number,
  recorder?: FfmpegRecorder,
): Promise<{ bridge: number; worker: number; ffmpeg: number }> {
  const c0 = process.cpuUsage();
  const w0 = procCpu(workerPid);
  const f0 = recorder?.pid ? procCpu(recorder.pid) : 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const pct = (x: number) => Math.round((1000 * x) / s) / 10;
  return {
    bridge: pct((c.user + c.system) / 1e6),
    worker: pct(procCpu(workerPid) - w0),
    ffmpeg: recorder?.pid ? pct(procCpu(recorder.pid) - f0) : 0,
  };
}

async function main(): Promise<void> {
  checkFfmpeg();
  const pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  const router = await pool.routerFor('bench-recording');
  const view = await VideoView.create({ router, log });
  const mixer = new AudioMixer({ log, router });
  const feed = new ProgramFeed({ router, view, mixer, log });
  await view.addSource('canvas', await source(router, 'video'));
  await mixer.addProducer('mix', await source(router, 'audio'));
  const pid = pool.workerOf('bench-recording')!.pid;
  await new Promise((r) => setTimeout(r, 3000));
  const before = await measure(pid);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcb-bench-rec-'));
  const tap = await feed.tap();
  await view.select(PROGRAM_TARGET, 'canvas');
  const rec = new FfmpegRecorder({ tap, file: path.join(dir, 'part-1.mp4'), log });
  await new Promise((r) => setTimeout(r, 5000));
  const during = await measure(pid, rec);
  const bytes = rec.bytes;
  await rec.stop();
  const added = Math.round(10 * (during.bridge - before.bridge + during.worker - before.worker + during.ffmpeg)) / 10;
  console.log(`recording bench, ${SECONDS} s each, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`  without recording: bridge ${before.bridge} %, worker ${before.worker} %`);
  console.log(
    `  with recording:    bridge ${during.bridge} %, worker ${during.worker} %, ffmpeg recorder ${during.ffmpeg} %`,
  );
  console.log(`  added by recording: ${added} % of one core; file grew ${(bytes / 1e6).toFixed(1)} MB in ${SECONDS} s`);
  feed.close();
  mixer.close();
  view.close();
  for (const c of children) c.kill('SIGKILL');
  pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
