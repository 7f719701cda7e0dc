// One program encode for the recording and live outputs (issue #16): a real ffmpeg sender stands in
// for the conference's program feed (H.264 + Opus over RTP, a keyframe every 2 s), the real ProgramMux
// encodes the sound to AAC once and hands MPEG-TS to the real FfmpegRecorder (fragmented MP4) and the
// real HLS packager (LiveStreams). Checked: one encoder (one tap) serves both; HLS starting and stopping
// leaves the recording's file whole (one part, no gap in its picture); the recording starting and
// stopping leaves HLS running (same run, new segments); a late reader starts on the cached keyframe
// without asking the picture for one; the encoder killed ends both readers, which start again.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { FfmpegRecorder } from '../../daemon/media/program/FfmpegRecorder.js';
import type { LiveStreams } from '../../daemon/web/LiveStreams.js';
import { ffmpegTestFeed, testLiveStreams, type TestFeed } from '../helpers/liveFeed.js';
import { probe, streamKinds, trackTimes } from '../helpers/mediaFile.js';
import { sleep, until } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
const CONF = 'c-muxtest';
let dir: string;
let feed: TestFeed;
let streams: LiveStreams;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-mux-'));
  feed = ffmpegTestFeed();
  streams = testLiveStreams(feed, dir);
});

afterAll(async () => {
  await streams?.close();
  feed?.close();
  rmSync(dir, { recursive: true, force: true });
});

const segments = (): number[] =>
  existsSync(join(dir, 'live', CONF))
    ? readdirSync(join(dir, 'live', CONF))
        .filter((f) => /^seg\d+\.ts$/.test(f))
        .map((f) => Number(/\d+/.exec(f)![0]))
    : [];

/** The largest gap between consecutive video frames of a file (seconds). */
function largestVideoGap(file: string): number {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const pts = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < pts.length; i++) gap = Math.max(gap, pts[i]! - pts[i - 1]!);
  return gap;
}

/** A recorder on a new reader of the conference's mux, its failures collected. */
async function record(name: string): Promise<{ rec: FfmpegRecorder; file: string; failures: string[] }> {
  const file = join(dir, name);
  const rec = new FfmpegRecorder({ reader: await feed.mux(CONF).reader(), file, log });
  const failures: string[] = [];
  rec.on('failed', (e) => failures.push(e.error));
  await until('the recorder writes', () => rec.bytes > 50_000, 60_000, 200);
  return { rec, file, failures };
}

/** HLS started, running and two segments written. */
async function startHls(): Promise<void> {
  streams.startHls(CONF);
  const ready = () => streams.view(CONF)?.hls?.state === 'running' && segments().length >= 2;
  await until('HLS running with 2 segments', ready, 60_000, 200);
}

describe('program mux: one AAC encode for the recording and HLS', () => {
  it('HLS started and stopped under a recording: one encoder, the recording one unbroken part', async () => {
    const mux = feed.mux(CONF);
    const began = Date.now();
    const { rec, file, failures } = await record('a.mp4');
    const encoder = mux.encoderPid;
    expect(encoder).toBeDefined();
    const asks = feed.keyframeAsks;

    await startHls();
    // the packager joined on the cached keyframe: nobody asked the picture for a new one
    expect(feed.keyframeAsks).toBe(asks);
    expect(mux.readers).toBe(2);
    expect(mux.encoderPid).toBe(encoder);
    expect(feed.made, 'one tap: one encoder for both').toBe(1);
    await streams.stop(CONF);
    expect(mux.readers).toBe(1);
    const size = rec.bytes;
    await until('the recording goes on after HLS stopped', () => rec.bytes > size + 50_000, 60_000, 200);
    await sleep(2000);
    await rec.stop();
    const wall = (Date.now() - began) / 1000;
    expect(failures).toEqual([]);
    expect(mux.readers).toBe(0);
    expect(mux.encoderPid, 'the last reader gone: the encoder stopped').toBeUndefined();
    expect(feed.open).toBe(0);

    const p = probe(file);
    expect(p.ok, p.error).toBe(true);
    expect(streamKinds(p)).toBe('audio:aac,video:h264');
    const { audio, video } = trackTimes(file);
    const figures = JSON.stringify({ wall, audio, video });
    // the picture ran through the HLS start and stop without a hole (25 fps: 0.04 s a frame)
    expect(largestVideoGap(file), figures).toBeLessThan(0.5);
    expect(video!.end - video!.start, figures).toBeGreaterThan(wall - 8);
    expect(video!.end - video!.start, figures).toBeLessThan(wall + 1);
  }, 180_000);

  it('a recording started and stopped under HLS leaves the packager running (same run, new segments)', async () => {
    const mux = feed.mux(CONF);
    await startHls();
    const hls = streams.processes(CONF).hls!;
    const pid = hls.pid;
    const runs = hls.status.runs;
    const encoder = mux.encoderPid;

    const { rec, file } = await record('b.mp4');
    await rec.stop();
    expect(probe(file).ok).toBe(true);
    expect(streamKinds(probe(file))).toBe('audio:aac,video:h264');
    const last = Math.max(...segments());
    await until(
      'HLS writes new segments after the recording stopped',
      () => Math.max(...segments()) >= last + 2,
      60_000,
      200,
    );
    expect(hls.pid).toBe(pid);
    expect(hls.status.runs).toBe(runs);
    expect(streams.view(CONF)?.hls?.state).toBe('running');
    expect(mux.encoderPid).toBe(encoder);
  }, 180_000);

  it('the encoder killed: the recorder fails (new part) and HLS starts again on a new encoder', async () => {
    const mux = feed.mux(CONF);
    const { rec, file, failures } = await record('c.mp4');
    const hls = streams.processes(CONF).hls!;
    const runs = hls.status.runs;
    const made = feed.made;
    process.kill(mux.encoderPid!, 'SIGKILL');
    await until('the recorder was told', () => failures.length > 0, 30_000, 100);
    expect(failures[0]).toMatch(/program encoder exited/);
    await until(
      'HLS runs again on a new encoder',
      () => hls.status.runs > runs && streams.view(CONF)?.hls?.state === 'running',
      60_000,
      200,
    );
    expect(feed.made).toBe(made + 1);
    await rec.stop();
    // the part ends where the encoder died, and plays
    const p = probe(file);
    expect(p.ok, p.error).toBe(true);
    expect(streamKinds(p)).toBe('audio:aac,video:h264');
    await streams.stop(CONF);
    expect(feed.open).toBe(0);
  }, 180_000);
});
