// One part of a recording: an ffmpeg child that reads a program-feed tap (SDP on stdin), copies the
// H.264 picture as it is (no second encode), encodes the full mix to AAC and writes a fragmented MP4
// (empty moov, a fragment at least every second, flushed at once), so whatever kills us — the daemon
// SIGKILLed, the disk filling — leaves a file that plays up to its last fragment.
//
// ffmpeg rather than GStreamer: the graph never changes while a part runs (picture switches happen
// upstream, in the view), ffmpeg's mp4 muxer writes crash-safe fragments with one flag, and it drops
// the stream-copied picture's leading non-keyframes by itself, so a part starts on a decodable picture.
// The child gets SIGTERM when the daemon dies (setpriv --pdeathsig), which lets it close the file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { VcError } from '../../errors.js';
import type { FeedTap } from './FeedTap.js';

/** AAC bitrate of the recorded mix. */
export const RECORDING_AUDIO_KBPS = 96;
/** How long ffmpeg waits for the picture's parameters before it gives up (µs). */
const PROBE_US = 60_000_000;
/** Longest a fragment may get (µs): the most a crash can lose. */
const FRAGMENT_US = 1_000_000;
/** Keyframe requests until ffmpeg has seen the picture's parameters (it writes its header then). */
const KEYFRAME_RETRY_MS = 1000;
/** How long stop() waits for ffmpeg to finish the file before SIGKILL. */
const STOP_GRACE_MS = 5000;
/** stderr kept for the error report. */
const STDERR_KEEP = 4000;

type RecorderEvents = {
  /** ffmpeg ended by itself (not through stop()): the part is over, `error` says why. */
  failed: [{ error: string }];
};

let hasSetpriv: boolean | undefined;

/** Throws MEDIA_FAILED when ffmpeg is not installed (checked once). */
export function checkFfmpeg(): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new VcError('MEDIA_FAILED', 'recording needs ffmpeg (Debian: apt-get install ffmpeg)');
  hasSetpriv ??= existsSync('/usr/bin/setpriv');
}

export function ffmpegArgs(file: string): string[] {
  return [
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'warning',
    '-protocol_whitelist',
    'pipe,udp,rtp',
    // wait for the picture's first keyframe (SPS/PPS) however long the meeting takes to show one
    '-analyzeduration',
    String(PROBE_US),
    '-probesize',
    '50M',
    '-f',
    'sdp',
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    '-map',
    '0:a:0',
    '-c:v',
    'copy',
    '-c:a',
    'aac',
    '-b:a',
    `${RECORDING_AUDIO_KBPS}k`,
    '-ac',
    '1',
    '-f',
    'mp4',
    '-movflags',
    '+frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration',
    String(FRAGMENT_US),
    '-flush_packets',
    '1',
    '-y',
    file,
  ];
}

export class FfmpegRecorder extends TypedEmitter<RecorderEvents> {
  readonly file: string;
  readonly #log: Logger;
  readonly #tap: FeedTap;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #keyframes: NodeJS.Timeout;
  #stderr = '';
  #stopping = false;

  /** Starts ffmpeg on the tap (the recorder owns the tap from now on and closes it). */
  constructor(o: { tap: FeedTap; file: string; log: Logger }) {
    super();
    this.file = o.file;
    this.#tap = o.tap;
    this.#log = o.log.child({ component: 'media.recorder', file: o.file });
    const args = ffmpegArgs(o.file);
    this.#child = hasSetpriv
      ? spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'ffmpeg', ...args], { stdio: ['pipe', 'ignore', 'pipe'] })
      : spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#child.stdin?.on('error', (err) => this.#log.debug({ err }, 'ffmpeg stdin closed early'));
    this.#child.stdin?.end(o.tap.sdp);
    this.#child.stderr?.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString('utf8')).slice(-STDERR_KEEP);
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (err) => {
        this.#stderr += `\n${err.message}`;
        resolve();
      });
      this.#child.once('exit', () => resolve());
    });
    void this.#exited.then(() => this.#onExit());
    o.tap.on('closed', (e) => {
      if (!this.#stopping) this.#fail(`the program feed ended: ${e.reason}`);
    });
    // ffmpeg writes its header once it has the picture's SPS/PPS: until then ask for keyframes
    this.#keyframes = setInterval(() => {
      if (this.bytes > 0) clearInterval(this.#keyframes);
      this.#tap.requestKeyFrame();
    }, KEYFRAME_RETRY_MS);
    this.#keyframes.unref();
    setTimeout(() => this.#tap.requestKeyFrame(), 300).unref();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Bytes written so far (0 before ffmpeg wrote its header). */
  get bytes(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0; // not created yet
    }
  }

  /** What ffmpeg said last (for error reports). */
  get stderr(): string {
    return this.#stderr.trim();
  }

  /** Ask ffmpeg to finish the file (SIGINT: it writes the last fragment), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      clearInterval(this.#keyframes);
      if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT');
      const t = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(t);
      this.#tap.close('recording stopped');
    }
    await this.#exited;
  }

  #onExit(): void {
    clearInterval(this.#keyframes);
    if (this.#stopping) return;
    const last = this.stderr.split('\n').slice(-3).join(' / ');
    this.#fail(`ffmpeg exited (${this.#child.exitCode ?? this.#child.signalCode}): ${last || 'no message'}`);
  }

  #fail(error: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.warn({ error }, 'recording part ended unexpectedly');
    clearInterval(this.#keyframes);
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT');
    const t = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
    void this.#exited.then(() => clearTimeout(t));
    this.#tap.close('recording failed');
    this.emit('failed', { error });
  }
}
