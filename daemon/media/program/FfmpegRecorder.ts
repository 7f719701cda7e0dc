// One part of a recording: an ffmpeg child that reads the conference's muxed program (ProgramMux:
// the H.264 picture as the compositor or the room encoded it, the full mix already in AAC — the one
// encode that live streaming shares) on its stdin and copies both into a fragmented MP4 (empty moov, a
// fragment at least every second, flushed at once), so whatever kills us — the daemon SIGKILLed, the
// disk filling — leaves a file that plays up to its last fragment.
//
// ffmpeg rather than GStreamer: the graph never changes while a part runs (picture switches happen
// upstream, in the view), ffmpeg's mp4 muxer writes crash-safe fragments with one flag, and it drops
// the stream-copied picture's leading non-keyframes by itself, so a part starts on a decodable picture.
// The child gets SIGTERM when the daemon dies (setpriv --pdeathsig) and sees its input end: it closes
// the file either way.
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { PROGRAM_AAC_KBPS, READER_INPUT, spawnFfmpeg, type ProgramReader } from './ProgramMux.js';

/** AAC bitrate of the recorded mix (encoded once by the program mux). */
export const RECORDING_AUDIO_KBPS = PROGRAM_AAC_KBPS;
/** Longest a fragment may get (µs): the most a crash can lose. */
const FRAGMENT_US = 1_000_000;
/** How long stop() waits for ffmpeg to finish the file before SIGKILL. */
const STOP_GRACE_MS = 5000;
/** stderr kept for the error report. */
const STDERR_KEEP = 4000;

type RecorderEvents = {
  /** ffmpeg ended by itself (not through stop()): the part is over, `error` says why. */
  failed: [{ error: string }];
};

let ffmpegFound = false;

/** Throws MEDIA_FAILED when ffmpeg is not installed (found once: not run again, it blocks the loop). */
export function checkFfmpeg(): void {
  if (ffmpegFound) return;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new VcError('MEDIA_FAILED', say('media.prog.noFfmpeg'));
  ffmpegFound = true;
}

export function ffmpegArgs(file: string): string[] {
  return [
    ...['-hide_banner', '-nostats', '-loglevel', 'warning'],
    ...READER_INPUT,
    // the program's AAC comes in ADTS frames (MPEG-TS); MP4 wants them without (ffmpeg 5.1 does not add it)
    ...['-map', '0:v:0', '-map', '0:a:0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-f', 'mp4'],
    ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', String(FRAGMENT_US)],
    ...['-flush_packets', '1', '-y', file],
  ];
}

export class FfmpegRecorder extends TypedEmitter<RecorderEvents> {
  readonly file: string;
  readonly #log: Logger;
  readonly #reader: ProgramReader;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #exited: Promise<void>;
  #stderr = '';
  #stopping = false;

  /** Starts ffmpeg on the reader (the recorder owns the reader from now on and closes it). */
  constructor(o: { reader: ProgramReader; file: string; log: Logger }) {
    super();
    this.file = o.file;
    this.#reader = o.reader;
    this.#log = o.log.child({ component: 'media.recorder', file: o.file });
    this.#child = spawnFfmpeg(ffmpegArgs(o.file));
    this.#child.stdout.resume();
    this.#child.stderr.on('data', (d: Buffer) => {
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
    o.reader.on('closed', (e) => {
      if (!this.#stopping) this.#fail(`the program ended: ${e.reason}`);
    });
    o.reader.attach(this.#child.stdin);
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

  /** End ffmpeg's input (it writes the last fragment and exits), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#reader.close('recording stopped');
      const t = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(t);
    }
    await this.#exited;
  }

  #onExit(): void {
    if (this.#stopping) return;
    const last = this.stderr.split('\n').slice(-3).join(' / ');
    this.#fail(
      say('media.prog.ffmpegExited', {
        how: String(this.#child.exitCode ?? this.#child.signalCode),
        output: last || say('media.noMessage'),
      }),
    );
  }

  #fail(error: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.warn({ error }, 'recording part ended unexpectedly');
    // ending the input lets ffmpeg close the file; if it is stuck, SIGKILL
    this.#reader.close('recording failed');
    const t = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
    void this.#exited.then(() => clearTimeout(t));
    this.emit('failed', { error });
  }
}
