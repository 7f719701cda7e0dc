// What recording and live HLS add to a 21-site meeting (issue #16: ≤ 10 % of one core, reusing the
// composite's encode), on the real code: ProgramFeed (view target + Opus of the full mix) tapped once
// by its ProgramMux (one ffmpeg: H.264 copied, the mix encoded to AAC once, MPEG-TS), read by
// FfmpegRecorder (both copied into fragmented MP4) and by the HLS packager (LiveStreams: both copied
// into 2 s segments).
//   npx tsx bench/recording.ts          BENCH_SECONDS=30, BENCH_SITES=21 by default
//
// The meeting: BENCH_SITES Opus sources in the mixer (one ffmpeg encode sent to each site's own
// plain transport: the mixer decodes and sums every one of them, as in a meeting) and the compositor's
// canvas of the layout as one 1280×720 25 fps H.264 source at ~1.5 Mbit/s (keyframe every 2 s) in the
// view — what a 21-site meeting with a layout has anyway; the canvas's own encode is not added by
// recording (it is reused). Measured over the same length of time without, then with recording + HLS:
// CPU of the bridge process (process.cpuUsage: Opus encode of the full mix, the view's forwarding to
// the program, the MPEG-TS fan-out), of the mediasoup worker (/proc: one more consumer pair), of the
// program encoder, the ffmpeg recorder and the HLS packager (/proc), percent of one core; the
// machine's load average before and after. Busy machine: run it at autogroup nice -10 like
// bench/conference-emergency.ts (setsid sh -c 'echo -10 > /proc/self/autogroup && exec npx tsx …').
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
import { LiveStreams } from '../daemon/web/LiveStreams.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SITES = Number(process.env.BENCH_SITES ?? 21);
const CLK = 100; // USER_HZ
const log = silentLogger();
const children: ChildProcess[] = [];

function procCpu(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK; // utime + stime, seconds
}

async function plainIn(router: ms.Router): Promise<ms.PlainTransport> {
  return router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
}

const rtpUrl = (t: ms.PlainTransport): string =>
  `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`;

/** The layout's canvas stand-in: one H.264 producer fed by ffmpeg. */
async function canvasSource(router: ms.Router): Promise<ms.Producer> {
  const t = await plainIn(router);
  const codec = routerVideoCodec(router.rtpCapabilities, 'H264/1');
  const producer = await t.produce({ kind: 'video', rtpParameters: producerParams(codec, 1111) });
  const enc = '-c:v libx264 -preset ultrafast -tune zerolatency -b:v 1500k -g 50 -bf 0'.split(' ');
  const out = ['-f', 'rtp', '-payload_type', String(codec.preferredPayloadType), '-ssrc', '1111', rtpUrl(t)];
  const input = ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25'];
  children.push(spawn('ffmpeg', ['-v', 'error', '-re', ...input, ...enc, ...out], { stdio: 'ignore' }));
  return producer;
}

/** `n` sites' sound: n Opus producers, one ffmpeg encode sent to each one's transport (tee). */
async function siteSources(router: ms.Router, n: number): Promise<ms.Producer[]> {
  const codec = router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'audio/opus')!;
  const producers: ms.Producer[] = [];
  const urls: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await plainIn(router);
    producers.push(await t.produce({ kind: 'audio', rtpParameters: producerParams(codec, 2222) }));
    urls.push(`[f=rtp:payload_type=${codec.preferredPayloadType}:ssrc=2222]${rtpUrl(t)}`);
  }
  const input = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
  const enc = ['-map', '0:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', '-f', 'tee', urls.join('|')];
  children.push(spawn('ffmpeg', ['-v', 'error', '-re', ...input, ...enc], { stdio: 'ignore' }));
  return producers;
}

async function measure(
  workerPid: number,
  extra: Record<string, number | undefined> = {},
): Promise<{ bridge: number; worker: number } & Record<string, number>> {
  const c0 = process.cpuUsage();
  const w0 = procCpu(workerPid);
  const e0 = Object.fromEntries(Object.entries(extra).map(([k, pid]) => [k, pid ? procCpu(pid) : 0]));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const pct = (x: number) => Math.round((1000 * x) / s) / 10;
  const out: Record<string, number> = {
    bridge: pct((c.user + c.system) / 1e6),
    worker: pct(procCpu(workerPid) - w0),
  };
  for (const [k, pid] of Object.entries(extra)) out[k] = pid ? pct(procCpu(pid) - e0[k]!) : 0;
  return out as { bridge: number; worker: number } & Record<string, number>;
}

async function main(): Promise<void> {
  checkFfmpeg();
  const pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  const router = await pool.routerFor('bench-recording');
  const view = await VideoView.create({ router, log });
  const mixer = new AudioMixer({ log, router });
  const feed = new ProgramFeed({ router, view, mixer, log });
  await view.addSource('canvas', await canvasSource(router));
  const sites = await siteSources(router, SITES);
  for (const [i, p] of sites.entries()) await mixer.addProducer(`site-${i}`, p);
  const pid = pool.workerOf('bench-recording')!.pid;
  await new Promise((r) => setTimeout(r, 3000));
  const load0 = os.loadavg()[0]!;
  const before = await measure(pid);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcb-bench-rec-'));
  const reader = await feed.mux.reader();
  await view.select(PROGRAM_TARGET, 'canvas');
  const rec = new FfmpegRecorder({ reader, file: path.join(dir, 'part-1.mp4'), log });
  const live = new LiveStreams({
    feed: () => feed.mux.reader(),
    dir: path.join(dir, 'live'),
    log,
    onChange: () => undefined,
    onAlarm: (a) => console.error(`live alarm: ${a.output} ${a.state} ${a.reason ?? ''}`),
  });
  live.startHls('bench');
  await new Promise((r) => setTimeout(r, 5000));
  const during = await measure(pid, {
    encoder: feed.mux.encoderPid,
    recorder: rec.pid,
    hls: live.processes('bench').hls?.pid,
  });
  const load1 = os.loadavg()[0]!;
  const bytes = rec.bytes;
  const segments = fs.readdirSync(live.hlsDir('bench')!).filter((f) => f.endsWith('.ts')).length;
  await rec.stop();
  await live.close();
  const bridge = during.bridge - before.bridge;
  const worker = during.worker - before.worker;
  const added = Math.round(10 * (bridge + worker + during.encoder! + during.recorder! + during.hls!)) / 10;
  console.log(
    `recording + HLS bench: ${SITES} sites, ${SECONDS} s each; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after (${os.cpus().length} cores)`,
  );
  console.log(`  meeting without them: bridge ${before.bridge} %, worker ${before.worker} %`);
  console.log(
    `  with recording + HLS: bridge ${during.bridge} %, worker ${during.worker} %, program encoder ${during.encoder} %, ffmpeg recorder ${during.recorder} %, HLS packager ${during.hls} %`,
  );
  console.log(
    `  added: ${added} % of one core (bridge ${bridge.toFixed(1)}, worker ${worker.toFixed(1)}, encoder ${during.encoder}, recorder ${during.recorder}, HLS ${during.hls}); file grew ${(bytes / 1e6).toFixed(1)} MB, ${segments} HLS segments`,
  );
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
