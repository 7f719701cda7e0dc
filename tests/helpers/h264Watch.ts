// What a room receives, decoded the strict way: its H.264 RTP (as it arrives on the room's socket) is
// turned back into an Annex B stream and piped into ffmpeg, whose decoder reports every problem it
// meets (a broken or missing reference, a slice it could not decode, concealment): each such line is
// counted. Packets missing in the RTP sequence are counted apart (what the network lost, before any
// decoder). ffmpeg hands back every 5th picture at 640×360 for checks of what is on it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { parseRtp, seqDiff } from '../../daemon/media/rtp/packet.js';
import { Depacketizer } from './h264Clip.js';
import { Picture } from './picture.js';

const W = 640;
const H = 360;
const START = Buffer.from([0, 0, 0, 1]);

export class H264Watch {
  readonly #ffmpeg: ChildProcessWithoutNullStreams;
  readonly #depack = new Depacketizer();
  #lastSeq: number | undefined;
  #started = false;
  #frame: Buffer | undefined;
  #pending = Buffer.alloc(0);
  #lastCounted = false;
  /** RTP packets taken, and packets missing in their sequence (gaps). */
  packets = 0;
  lost = 0;
  /** Each gap: the packets missing and when (performance.now()). */
  readonly gaps: { missing: number; at: number; afterPackets: number }[] = [];
  /** IDR pictures received (an IDR slice starting), with when (performance.now()). */
  readonly idrs: number[] = [];
  /** Pictures ffmpeg handed back (every 5th decoded). */
  frames = 0;
  /** What ffmpeg's decoder complained about, line by line ("Last message repeated n times" counts n). */
  readonly problems: string[] = [];
  #stderrTail = '';

  constructor() {
    this.#ffmpeg = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'warning',
        '-threads',
        '1',
        '-flags',
        'low_delay',
        '-probesize',
        '65536',
        '-f',
        'h264',
        '-i',
        'pipe:0',
        '-vf',
        `select='not(mod(n\\,5))',scale=${W}:${H}`,
        '-fps_mode',
        'passthrough',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#ffmpeg.stdin.on('error', () => undefined);
    const size = W * H * 3;
    this.#ffmpeg.stdout.on('data', (d: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, d]);
      while (this.#pending.length >= size) {
        this.#frame = Buffer.from(this.#pending.subarray(0, size));
        this.#pending = this.#pending.subarray(size);
        this.frames++;
      }
    });
    this.#ffmpeg.stderr.on('data', (d: Buffer) => {
      const text = this.#stderrTail + d.toString();
      const lines = text.split('\n');
      this.#stderrTail = lines.pop() ?? '';
      for (const l of lines) this.#onLine(l);
    });
  }

  #onLine(l: string): void {
    const repeated = /Last message repeated (\d+) times/.exec(l);
    if (repeated) {
      if (this.#lastCounted) for (let i = 0; i < Number(repeated[1]); i++) this.problems.push('(repeated)');
      return;
    }
    // the decoder's and the parser's complaints: "[h264 @ 0x...] error while decoding MB ..."
    this.#lastCounted = /^\[h264 @/.test(l);
    if (this.#lastCounted) this.problems.push(l.trim());
  }

  /** One RTP packet as the room received it. */
  rtp(msg: Buffer): void {
    const v = parseRtp(msg);
    if (!v) return;
    this.packets++;
    let lost = false;
    if (this.#lastSeq !== undefined) {
      const d = seqDiff(v.seq, this.#lastSeq);
      if (d <= 0) return; // a duplicate or late packet: already past it
      if (d > 1) {
        this.lost += d - 1;
        this.gaps.push({ missing: d - 1, at: performance.now(), afterPackets: this.packets });
        lost = true;
      }
    }
    this.#lastSeq = v.seq;
    for (const nal of this.#depack.push(msg.subarray(v.payloadOffset, v.payloadEnd), lost)) {
      const type = nal[0]! & 0x1f;
      if (type === 5 && (nal[1]! & 0x80) !== 0) this.idrs.push(performance.now()); // first_mb_in_slice 0
      if (!this.#started) {
        if (type !== 7) continue; // the decoder starts at a sequence parameter set (before an IDR)
        this.#started = true;
      }
      this.#ffmpeg.stdin.write(Buffer.concat([START, nal]));
    }
  }

  /** IDR pictures received since `t` (performance.now()). */
  idrsSince(t: number): number {
    return this.idrs.filter((x) => x >= t).length;
  }

  /** The latest picture ffmpeg handed back, or undefined before the first. */
  picture(): Picture | undefined {
    return this.#frame && Picture.fromRgb(W, H, this.#frame);
  }

  close(): void {
    this.#ffmpeg.stdin.end();
    this.#ffmpeg.kill('SIGKILL');
  }
}
