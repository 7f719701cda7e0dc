// Live streaming cost and delay (issue #16), on the real packager code (LiveStreams → ffmpeg).
//   npx tsx bench/live.ts          BENCH_SECONDS=40 by default
//
// The feed stands in for a conference's program feed: ffmpeg sends 1280×720 25 fps H.264 (keyframe
// every 2 s, like the compositor's canvas) and Opus by plain RTP to the ports of the tap's SDP. Its
// audio is silent except a 1 kHz beep of 1 s every 10 s from t = 10 s (its -re clock starts with
// the process). Measured:
//   - CPU of the HLS packager process (H.264 copied, AAC encode, hls muxer), percent of one core,
//     from /proc/<pid>/stat over the run after its first 5 s; same for one RTMP push to a local
//     ffmpeg server; RSS of each;
//   - delay: for each beep, the time from when it was sent until the first segment carrying it is
//     listed in the playlist (read from disk: the HTTP route adds a file read). A player holding the
//     live edge 2 segments back (our watch page: hls.js liveSyncDurationCount 2) plays it about two
//     segment durations after that, which is added for the viewer's figure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../daemon/util/logger.js';
import { LiveStreams } from '../daemon/web/LiveStreams.js';
import type { FeedTap } from '../daemon/media/live/types.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks per second on Linux. */
const CLK = 100;

async function portPair(): Promise<number> {
  const free = (p: number) =>
    new Promise<boolean>((r) => {
      const s = createSocket('udp4');
      s.once('error', () => r(false));
      s.bind(p, '127.0.0.1', () => s.close(() => r(true)));
    });
  for (;;) {
    const p = 31_000 + 2 * Math.floor(Math.random() * 3000);
    if ((await free(p)) && (await free(p + 1))) return p;
  }
}

const sources: ChildProcess[] = [];
let sentAt = 0;

async function tap(): Promise<FeedTap> {
  const v = await portPair();
  let a = await portPair();
  while (a === v) a = await portPair();
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25'],
      ...[
        '-f',
        'lavfi',
        '-i',
        "aevalsrc=exprs='if(gte(t\\,10)*lt(mod(t\\,10)\\,1)\\,0.8*sin(2*PI*1000*t)\\,0)':s=48000",
      ],
      ...[
        '-map',
        '0:v',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-tune',
        'zerolatency',
        '-g',
        '50',
        '-b:v',
        '1500k',
      ],
      ...['-x264-params', 'repeat-headers=1', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${v}?pkt_size=1200`],
      ...['-map', '1:a', '-c:a', 'libopus', '-b:a', '48k', '-payload_type', '111', '-f', 'rtp', `rtp://127.0.0.1:${a}`],
    ],
    { stdio: 'ignore' },
  );
  if (!sentAt) sentAt = Date.now();
  sources.push(child);
  const sdp = [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=bench feed',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=video ${v} RTP/AVP 96`,
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1',
    `m=audio ${a} RTP/AVP 111`,
    'a=rtpmap:111 opus/48000/2',
    '',
  ].join('\r\n');
  return { sdp, requestKeyFrame: () => undefined, close: () => child.kill('SIGKILL'), on: () => undefined };
}

function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]); // utime + stime
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function hasBeep(file: string): boolean {
  const r = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', file, '-map', '0:a', '-af', 'volumedetect', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  const m = /max_volume: (-?[\d.]+) dB/.exec(r.stderr);
  return m ? Number(m[1]) > -12 : false;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcb-bench-live-'));
const rtmpPort = 32_000 + Math.floor(Math.random() * 2000);
const rtmpServer = spawn(
  'ffmpeg',
  [
    '-hide_banner',
    '-loglevel',
    'error',
    '-listen',
    '1',
    '-f',
    'flv',
    '-i',
    `rtmp://127.0.0.1:${rtmpPort}/live/b`,
    '-c',
    'copy',
    '-f',
    'null',
    '-',
  ],
  { stdio: 'ignore' },
);
const streams = new LiveStreams({
  feed: tap,
  dir: path.join(dir, 'live'),
  log: silentLogger(),
  onChange: () => undefined,
  onAlarm: (a) => console.error(`alarm: ${a.output} ${a.state} ${a.reason ?? ''}`),
});
streams.startHls('bench');
streams.addRtmp('bench', `rtmp://127.0.0.1:${rtmpPort}/live/b`);
const hlsDir = streams.hlsDir('bench')!;

const beepsFound = new Map<number, { at: number; seg: string }>();
const checked = new Set<string>();
let cpuStart: { at: number; hls: number; rtmp: number } | undefined;
let rss = { hls: 0, rtmp: 0 };
const end = Date.now() + SECONDS * 1000;
while (Date.now() < end) {
  const { hls, rtmp } = streams.processes('bench');
  const hp = hls?.pid;
  const rp = rtmp[0]?.pid;
  if (!cpuStart && hp && rp && sentAt && Date.now() - sentAt > 5000)
    cpuStart = { at: Date.now(), hls: cpuTicks(hp), rtmp: cpuTicks(rp) };
  let playlist = '';
  try {
    playlist = fs.readFileSync(path.join(hlsDir, 'index.m3u8'), 'utf8');
  } catch {
    // not written yet
  }
  const now = Date.now();
  for (const seg of playlist.split('\n').filter((l) => /^seg\d+\.ts$/.test(l))) {
    if (checked.has(seg)) continue;
    checked.add(seg);
    if (hasBeep(path.join(hlsDir, seg))) {
      // the beep sent at t = 10k s: which k? the first one not yet found whose time has passed
      const k = [1, 2, 3, 4, 5, 6, 7, 8, 9].find((i) => !beepsFound.has(i) && sentAt + i * 10_000 <= now);
      if (k !== undefined) beepsFound.set(k, { at: now, seg });
    }
  }
  if (hp && rp) rss = { hls: Math.max(rss.hls, rssMb(hp)), rtmp: Math.max(rss.rtmp, rssMb(rp)) };
  await new Promise((r) => setTimeout(r, 100));
}
const { hls, rtmp } = streams.processes('bench');
const secs = cpuStart ? (Date.now() - cpuStart.at) / 1000 : 0;
const pct = (now: number, then: number) => (((now - then) / CLK / secs) * 100).toFixed(1);
const playlist = fs.readFileSync(path.join(hlsDir, 'index.m3u8'), 'utf8');
const extinf = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
const segLen = extinf.reduce((a, b) => a + b, 0) / Math.max(1, extinf.length);
console.log(`live bench: ${SECONDS} s, feed 1280×720 25 fps H.264 ~1.5 Mb/s (GOP 2 s) + Opus 48 kb/s`);
if (cpuStart && hls?.pid && rtmp[0]?.pid) {
  console.log(
    `  HLS packager (copy H.264, AAC 96k, hls 2 s): ${pct(cpuTicks(hls.pid), cpuStart.hls)} % of one core, RSS ${rss.hls.toFixed(0)} MB`,
  );
  console.log(
    `  RTMP push (copy H.264, AAC 96k, flv):       ${pct(cpuTicks(rtmp[0].pid), cpuStart.rtmp)} % of one core, RSS ${rss.rtmp.toFixed(0)} MB`,
  );
}
console.log(`  segments: mean ${segLen.toFixed(2)} s over ${extinf.length} in the playlist`);
const delays = [...beepsFound.entries()].map(([k, f]) => (f.at - (sentAt + k * 10_000)) / 1000);
if (delays.length) {
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
  console.log(
    `  beep sent → first segment with it listed: ${delays.map((d) => d.toFixed(1)).join(', ')} s (mean ${mean.toFixed(1)} s)`,
  );
  console.log(
    `  viewer latency at 2 segments behind the live edge: ≈ ${(mean + 2 * segLen).toFixed(1)} s (goal ≤ 10 s)`,
  );
} else console.log('  no beep found in the segments (run longer: BENCH_SECONDS ≥ 25)');
await streams.close();
for (const s of sources) s.kill('SIGKILL');
rtmpServer.kill('SIGKILL');
fs.rmSync(dir, { recursive: true, force: true });
