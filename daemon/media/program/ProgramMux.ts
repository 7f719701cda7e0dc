// The program encoded once per conference for everything that writes it out (issue #16: recording and
// live reuse one encode). One ffmpeg reads a tap of the program feed, copies the H.264 picture, encodes
// the full mix to AAC once and writes MPEG-TS to its stdout; TsFanout hands that to every reader — the
// recorder's ffmpeg (fragmented MP4), the HLS packager, RTMP pushes — each on its stdin, copying both
// streams (`-c copy`: no decode, no encode). Readers come and go independently: starting or stopping
// HLS never touches the recording's file, and the reverse. The encoder starts with the first reader and
// stops after the last. When it dies (or its tap does: worker death, meeting over) every reader's input
// ends — their ffmpeg finish their files — and each reader is told, so it can start again on a new
// encoder (the recorder in a new part, a live output after its backoff).
//
// Children get SIGTERM when the daemon dies (setpriv --pdeathsig): the encoder stops, the readers see
// the end of their input and close their files, so a SIGKILLed daemon leaves playable fragments.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { TsFanout } from './TsFanout.js';

/** AAC bitrate of the program's sound (mono: the full mix is mono). */
export const PROGRAM_AAC_KBPS = 96;
/** How long the encoder waits for the picture's parameters before it gives up (µs). */
const PROBE_US = 60_000_000;
/** Keyframe requests while a reader waits for one (the encoder's first, or a reader with no cached one). */
const KEYFRAME_RETRY_MS = 1000;
const FIRST_KEYFRAME_ASK_MS = 300;
/** SIGTERM to a stopping encoder, SIGKILL this much later. */
const KILL_GRACE_MS = 3000;
/** stderr kept for error reports. */
const STDERR_KEEP = 2000;

/** What a tap of the program feed gives (daemon/media/program/FeedTap, or a test's RTP sender). */
export interface ProgramTap {
  sdp: string;
  requestKeyFrame(): void;
  close(reason?: string): void;
  on(event: 'closed', listener: (e: { reason: string }) => void): unknown;
}

/** One reader of the muxed program: an ffmpeg that reads `-f mpegts -i pipe:0` (READER_INPUT). */
export interface ProgramReader {
  /** Start writing the program (PAT/PMT, the picture from its last keyframe, then live) into `stdin`. */
  attach(stdin: Writable): void;
  /** Stop writing and end `stdin` (ffmpeg then finishes its file). Idempotent. */
  close(reason?: string): void;
  /** The reader was closed — by close(), or because the encoder or the feed ended: start again. */
  on(event: 'closed', listener: (e: { reason: string }) => void): unknown;
}

/** ffmpeg input options of a reader: its input starts on a keyframe with the picture's parameters, so
 *  a short analysis suffices (MPEG-TS has no header: ffmpeg reads all of -analyzeduration first). */
export const READER_INPUT = ['-analyzeduration', '1000000', '-probesize', '5M', '-f', 'mpegts', '-i', 'pipe:0'];

let hasSetpriv: boolean | undefined;

/** ffmpeg in a way that dies with the daemon. */
export function spawnFfmpeg(args: string[], ffmpeg = 'ffmpeg'): ChildProcessWithoutNullStreams {
  hasSetpriv ??= existsSync('/usr/bin/setpriv');
  return hasSetpriv
    ? spawn('setpriv', ['--pdeathsig', 'TERM', '--', ffmpeg, ...args], { stdio: 'pipe' })
    : spawn(ffmpeg, args, { stdio: 'pipe' });
}

export function encoderArgs(): string[] {
  return [
    ...['-hide_banner', '-nostats', '-loglevel', 'warning', '-protocol_whitelist', 'pipe,udp,rtp'],
    // wait for the picture's first keyframe (SPS/PPS) however long the meeting takes to show one
    ...['-analyzeduration', String(PROBE_US), '-probesize', '50M', '-f', 'sdp', '-i', 'pipe:0'],
    ...['-map', '0:v:0', '-map', '0:a:0', '-c:v', 'copy'],
    ...['-c:a', 'aac', '-b:a', `${PROGRAM_AAC_KBPS}k`, '-ac', '1', '-ar', '48000'],
    // a picture that stalls must not hold the sound back from live viewers for long
    ...['-max_interleave_delta', '500000', '-f', 'mpegts', '-flush_packets', '1', 'pipe:1'],
  ];
}

interface Encoder {
  child: ChildProcessWithoutNullStreams;
  tap: ProgramTap;
  fanout: TsFanout;
  stderr: string;
  ended: boolean;
  /** A reader waits for a keyframe that is not cached: ask for one every second until it comes. */
  waitingFrom: number;
  asks: NodeJS.Timeout | undefined;
}

type ReaderEvents = { closed: [{ reason: string }] };

class MuxReader extends TypedEmitter<ReaderEvents> implements ProgramReader {
  #detach: (() => void) | undefined;
  #out: Writable | undefined;
  #closed = false;

  constructor(
    readonly enc: Encoder,
    private readonly onClose: (r: MuxReader) => void,
    private readonly onWait: (enc: Encoder) => void,
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  attach(stdin: Writable): void {
    if (this.#out) return;
    this.#out = stdin;
    if (this.#closed) {
      stdin.end();
      return;
    }
    if (this.enc.ended) return this.close('the program encoder ended');
    this.#detach = this.enc.fanout.attach(stdin, { onDrop: (reason) => this.close(reason) });
    if (!this.enc.fanout.hasKeyframe) this.onWait(this.enc);
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach?.();
    if (this.#out && !this.#out.writableEnded) this.#out.end();
    this.onClose(this);
    this.emit('closed', { reason });
    this.removeAllListeners();
  }
}

export class ProgramMux {
  readonly #tap: () => Promise<ProgramTap>;
  readonly #log: Logger;
  readonly #ffmpeg: string;
  readonly #readers = new Set<MuxReader>();
  #enc: Encoder | undefined;
  #starting: Promise<Encoder> | undefined;
  #pending = 0;
  #closed = false;

  constructor(o: { tap: () => Promise<ProgramTap>; log: Logger; ffmpeg?: string }) {
    this.#tap = o.tap;
    this.#log = o.log.child({ component: 'media.program.mux' });
    this.#ffmpeg = o.ffmpeg ?? 'ffmpeg';
  }

  /** Readers open now. */
  get readers(): number {
    return this.#readers.size;
  }
  /** The encoder's process id while it runs (for benches and fault drills). */
  get encoderPid(): number | undefined {
    return this.#enc?.child.pid;
  }

  /** A new reader (starts the encoder when it is the first). Throws what tapping the feed throws. */
  async reader(): Promise<ProgramReader> {
    if (this.#closed) throw new VcError('CONFERENCE_ENDED', say('media.prog.closed'));
    this.#pending++;
    let enc: Encoder;
    try {
      enc = await this.#ensure();
    } finally {
      this.#pending--;
    }
    if (this.#closed || enc.ended) {
      this.#idle();
      throw new VcError('MEDIA_FAILED', say('media.prog.encoderEnded'));
    }
    const r = new MuxReader(
      enc,
      (x) => {
        this.#readers.delete(x);
        this.#idle();
      },
      (e) => this.#waitKeyframe(e),
    );
    this.#readers.add(r);
    return r;
  }

  close(reason = 'the conference ended'): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#enc) this.#end(this.#enc, reason);
  }

  #ensure(): Promise<Encoder> {
    if (this.#enc && !this.#enc.ended) return Promise.resolve(this.#enc);
    this.#starting ??= this.#start().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #start(): Promise<Encoder> {
    const tap = await this.#tap();
    if (this.#closed) {
      tap.close('the conference ended');
      throw new VcError('CONFERENCE_ENDED', say('media.prog.closed'));
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawnFfmpeg(encoderArgs(), this.#ffmpeg);
    } catch (err) {
      tap.close('the program encoder could not start');
      throw new VcError('MEDIA_FAILED', say('media.prog.encoderFailed', { why: (err as Error).message }));
    }
    const enc: Encoder = {
      child,
      tap,
      fanout: new TsFanout(),
      stderr: '',
      ended: false,
      waitingFrom: 0,
      asks: undefined,
    };
    this.#enc = enc;
    child.stdin.on('error', (err) => this.#log.debug({ err }, 'encoder stdin closed early'));
    child.stdin.end(tap.sdp);
    child.stdout.on('data', (d: Buffer) => enc.fanout.push(d));
    child.stderr.on('data', (d: Buffer) => (enc.stderr = (enc.stderr + d.toString('utf8')).slice(-STDERR_KEEP)));
    child.once('error', (err) => this.#end(enc, `the program encoder could not run: ${err.message}`));
    child.once('close', (code, signal) => {
      const last = enc.stderr.trim().split('\n').slice(-2).join(' / ');
      this.#end(enc, `the program encoder exited (${code ?? signal}): ${last || 'no message'}`);
    });
    tap.on('closed', (e) => this.#end(enc, `the program feed ended: ${e.reason}`));
    this.#waitKeyframe(enc);
    this.#log.info({ pid: child.pid }, 'program encoder started');
    return enc;
  }

  /** Ask for keyframes (first after 300 ms, then every second) until the fanout has a new one. */
  #waitKeyframe(enc: Encoder): void {
    if (enc.asks || enc.ended) return;
    enc.waitingFrom = enc.fanout.keyframes;
    const ask = (): void => {
      if (enc.ended || enc.fanout.keyframes > enc.waitingFrom) {
        clearInterval(enc.asks);
        enc.asks = undefined;
        return;
      }
      enc.tap.requestKeyFrame();
    };
    setTimeout(() => {
      if (!enc.ended && enc.fanout.keyframes === enc.waitingFrom) enc.tap.requestKeyFrame();
    }, FIRST_KEYFRAME_ASK_MS).unref();
    enc.asks = setInterval(ask, KEYFRAME_RETRY_MS);
    enc.asks.unref();
  }

  /** Nobody reads any more: stop the encoder. */
  #idle(): void {
    if (this.#readers.size > 0 || this.#pending > 0 || !this.#enc) return;
    this.#end(this.#enc, 'nobody reads the program');
  }

  #end(enc: Encoder, reason: string): void {
    if (enc.ended) return;
    enc.ended = true;
    clearInterval(enc.asks);
    if (this.#enc === enc) this.#enc = undefined;
    const child = enc.child;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      t.unref();
      child.once('close', () => clearTimeout(t));
    }
    enc.tap.close(reason);
    const mine = [...this.#readers].filter((r) => r.enc === enc);
    if (reason === 'nobody reads the program') this.#log.info('program encoder stopped');
    else if (mine.length > 0)
      this.#log.warn({ reason, readers: mine.length }, 'program encoder ended under its readers');
    for (const r of mine) r.close(reason);
  }
}
