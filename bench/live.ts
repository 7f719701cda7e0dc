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
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../daemon/util/logger.js';
import { LiveStreams } from '../daemon/web/LiveStreams.js';
import { ffmpegTestFeed, rtmpServer as rtmpListener } from '../tests/helpers/liveFeed.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks per second on Linux. */
const CLK = 100;

const feed = ffmpegTestFeed({
  size: '1280x720',
  videoBitrate: '1500k',
  audio: "aevalsrc=exprs='if(gte(t\\,10)*lt(mod(t\\,10)\\,1)\\,0.8*sin(2*PI*1000*t)\\,0)':s=48000",
  audioBitrate: '48k',
});

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
const rtmpServer = rtmpListener(rtmpPort, '/live/b', null);
const streams = new LiveStreams({
  feed: feed.source,
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
  if (!cpuStart && hp && rp && feed.firstAt && Date.now() - feed.firstAt > 5000)
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
      const k = [1, 2, 3, 4, 5, 6, 7, 8, 9].find((i) => !beepsFound.has(i) && feed.firstAt + i * 10_000 <= now);
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
    `  HLS packager (copies the program mux's H.264 + AAC, hls 2 s): ${pct(cpuTicks(hls.pid), cpuStart.hls)} % of one core, RSS ${rss.hls.toFixed(0)} MB`,
  );
  console.log(
    `  RTMP push (copies the program mux's H.264 + AAC, flv):      ${pct(cpuTicks(rtmp[0].pid), cpuStart.rtmp)} % of one core, RSS ${rss.rtmp.toFixed(0)} MB`,
  );
}
console.log(`  segments: mean ${segLen.toFixed(2)} s over ${extinf.length} in the playlist`);
const delays = [...beepsFound.entries()].map(([k, f]) => (f.at - (feed.firstAt + k * 10_000)) / 1000);
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
feed.close();
rtmpServer.kill('SIGKILL');
fs.rmSync(dir, { recursive: true, force: true });
