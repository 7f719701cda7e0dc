// A stand-in for a conference's program feed in tests (and bench/live.ts) of live streaming that need
// no conference: a real ffmpeg sending H.264 (colour bars, a keyframe every 2 s) and Opus (a 440 Hz
// tone, or any lavfi sound) as plain RTP to ports that the tap's SDP names, like the mediasoup
// consumers of the real feed do, read by the real ProgramMux (one AAC encode, MPEG-TS to every reader);
// and an ffmpeg listening as an RTMP server.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import pino from 'pino';
import type { FeedSource, FeedTap } from '../../daemon/media/live/types.js';
import { ProgramMux } from '../../daemon/media/program/ProgramMux.js';
import { LiveStreams, type LiveStreamsOptions } from '../../daemon/web/LiveStreams.js';

/** An even port whose odd neighbour (RTCP) is free too, on 127.0.0.1. */
async function rtpPortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 30_000 + 2 * Math.floor(Math.random() * 4000);
    if ((await free(port)) && (await free(port + 1))) return port;
  }
  throw new Error('no free RTP port pair');
}

export function feedSdp(v: number, a: number): string {
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=vcbridge test feed',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=video ${v} RTP/AVP 96`,
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1',
    `m=audio ${a} RTP/AVP 111`,
    'a=rtpmap:111 opus/48000/2',
    '',
  ].join('\r\n');
}

export interface TestFeed {
  /** Readers of the program mux of a conference (one mux per conference id, over this sender). */
  source: FeedSource;
  /** The mux of a conference id (made on first use). */
  mux(conferenceId: string): ProgramMux;
  /** Taps open now. */
  readonly open: number;
  /** Taps made so far. */
  readonly made: number;
  /** When the first tap's sender started (epoch ms; 0 before): its -re clock starts then. */
  readonly firstAt: number;
  keyframeAsks: number;
  close(): void;
}

export interface TestFeedOptions {
  /** Picture size (default 320x180), 25 fps, a keyframe every 2 s like the compositor's canvas. */
  size?: string;
  /** x264 bitrate, e.g. 1500k (default: x264's own). */
  videoBitrate?: string;
  /** The sound: a lavfi source (default a 440 Hz sine). */
  audio?: string;
  /** Opus bitrate, e.g. 48k (default: libopus's own). */
  audioBitrate?: string;
}

export function ffmpegTestFeed(o: TestFeedOptions = {}): TestFeed {
  const children = new Set<ChildProcess>();
  const state = { open: 0, made: 0, keyframeAsks: 0, firstAt: 0 };
  const tapSource = async (): Promise<FeedTap> => {
    const v = await rtpPortPair();
    let a = await rtpPortPair();
    while (a === v) a = await rtpPortPair();
    const child = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '320x180'}:rate=25`],
        ...['-f', 'lavfi', '-i', o.audio ?? 'sine=frequency=440:sample_rate=48000'],
        ...['-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '50'],
        ...(o.videoBitrate ? ['-b:v', o.videoBitrate] : []),
        ...['-x264-params', 'repeat-headers=1', '-payload_type', '96'],
        ...['-f', 'rtp', `rtp://127.0.0.1:${v}?pkt_size=1200`],
        ...['-map', '1:a', '-c:a', 'libopus', '-ac', '2'],
        ...(o.audioBitrate ? ['-b:a', o.audioBitrate] : []),
        ...['-payload_type', '111', '-f', 'rtp', `rtp://127.0.0.1:${a}`],
      ],
      { stdio: 'ignore' },
    );
    children.add(child);
    state.open++;
    state.made++;
    state.firstAt ||= Date.now();
    let closed = false;
    const tap: FeedTap = {
      sdp: feedSdp(v, a),
      requestKeyFrame: () => {
        state.keyframeAsks++;
      },
      on: () => tap,
      close: () => {
        if (closed) return;
        closed = true;
        state.open--;
        child.kill('SIGKILL');
        children.delete(child);
      },
    };
    return tap;
  };
  const muxes = new Map<string, ProgramMux>();
  const log = pino({ level: 'silent' });
  const mux = (id: string): ProgramMux => {
    let m = muxes.get(id);
    if (!m) muxes.set(id, (m = new ProgramMux({ tap: tapSource, log })));
    return m;
  };
  return {
    source: (id) => mux(id).reader(),
    mux,
    get open() {
      return state.open;
    },
    get made() {
      return state.made;
    },
    get firstAt() {
      return state.firstAt;
    },
    get keyframeAsks() {
      return state.keyframeAsks;
    },
    set keyframeAsks(n: number) {
      state.keyframeAsks = n;
    },
    close: () => {
      for (const m of muxes.values()) m.close();
      for (const c of children) c.kill('SIGKILL');
      children.clear();
    },
  };
}

/** ffprobe a live playlist (its first 6 s) or a file, asynchronously (the HTTP server it reads may run in
 *  this very process): the codecs of its streams and the video packets read. */
export async function probeMedia(url: string): Promise<{ codecs: string[]; videoPackets: number }> {
  const window = url.startsWith('http') ? ['-read_intervals', '%+6'] : [];
  const child = spawn('ffprobe', ['-v', 'error', ...window, '-count_packets', '-show_streams', '-of', 'json', url]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`ffprobe ${url} (${code}): ${err}`);
  const j = JSON.parse(out) as { streams: { codec_name: string; codec_type: string; nb_read_packets?: string }[] };
  return {
    codecs: j.streams.map((s) => s.codec_name).sort(),
    videoPackets: Number(j.streams.find((s) => s.codec_type === 'video')?.nb_read_packets ?? 0),
  };
}

/** An RTMP server for one publish: ffmpeg listening on 127.0.0.1:`port` at `path`, copying to `file`
 *  (flv; null: nothing kept). */
export function rtmpServer(port: number, path: string, file: string | null): ChildProcess {
  return spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-listen', '1', '-f', 'flv', '-i', `rtmp://127.0.0.1:${port}${path}`],
      ...['-c', 'copy', '-f', file === null ? 'null' : 'flv'],
      ...(file === null ? ['-'] : ['-y', file]),
    ],
    { stdio: 'ignore' },
  );
}

/** LiveStreams on a test feed, files under `dir`/live, a short restart backoff; `o` adds or overrides. */
export function testLiveStreams(feed: TestFeed, dir: string, o: Partial<LiveStreamsOptions> = {}): LiveStreams {
  return new LiveStreams({
    feed: feed.source,
    dir: join(dir, 'live'),
    log: pino({ level: 'silent' }),
    onChange: () => undefined,
    onAlarm: () => undefined,
    restartDelaysMs: [500, 1000],
    ...o,
  });
}
