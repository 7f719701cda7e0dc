// MPEG-TS from the program encoder, handed to any number of readers (the recorder, the HLS packager,
// RTMP pushes) that come and go while it runs. Every reader starts on whole 188-byte packets at a
// keyframe of the picture: the latest PAT and PMT, then the picture's group of pictures since its last
// keyframe (kept here, so nobody has to ask the compositor for a new keyframe — that would reach every
// room on the canvas), then the live packets; with no keyframe kept yet it gets nothing until the next
// one. So a reader's ffmpeg finds the picture's parameters in its first packet and need not probe long
// (MPEG-TS has no header: ffmpeg reads its whole -analyzeduration before it writes anything). A reader that falls behind by more than MAX_BACKLOG_BYTES is cut off
// (its ffmpeg is stuck) instead of growing the daemon's memory.
import type { Writable } from 'node:stream';

export const TS_PACKET = 188;
const SYNC = 0x47;
/** The picture since its last keyframe is kept up to this size (a room that sends one keyframe an hour
 *  is not cached: late readers then wait for the next keyframe, which the mux asks for). */
export const MAX_GOP_BYTES = 8 * 1024 * 1024;
/** Bytes queued to one reader before it counts as stuck and is cut off (≈ 40 s of a 1.6 Mbit/s feed). */
export const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/** ISO 13818-1 stream types of H.264 and H.265 pictures. */
const VIDEO_TYPES = new Set([0x1b, 0x24]);

export interface TsReader {
  /** Called once when the reader is cut off (fell behind, or its pipe broke). */
  onDrop(reason: string): void;
}

interface Attached {
  out: Writable;
  reader: TsReader;
  /** Written to since a keyframe (else waiting for the next one). */
  started: boolean;
}

/** Offset of a packet's payload (after the header and adaptation field), or -1 when it has none. */
function payloadStart(p: Buffer): number {
  const afc = (p[3]! >> 4) & 3;
  if (!(afc & 1)) return -1;
  const at = afc & 2 ? 5 + p[4]! : 4;
  return at < TS_PACKET ? at : -1;
}

/** A PSI section's start (after the pointer field) in a packet that begins one, or -1. */
function sectionStart(p: Buffer): number {
  if (!(p[1]! & 0x40)) return -1;
  const at = payloadStart(p);
  if (at < 0) return -1;
  const s = at + 1 + p[at]!;
  return s + 3 < TS_PACKET ? s : -1;
}

export class TsFanout {
  readonly #readers = new Set<Attached>();
  #rest: Buffer = Buffer.alloc(0);
  #pat: Buffer | undefined;
  #pmt: Buffer | undefined;
  #pmtPid = -1;
  #videoPid = -1;
  #gop: Buffer[] | undefined;
  #gopBytes = 0;
  #keyframes = 0;

  /** Keyframes of the picture seen so far. */
  get keyframes(): number {
    return this.#keyframes;
  }
  /** Whether a late reader would start on a cached keyframe. */
  get hasKeyframe(): boolean {
    return this.#gop !== undefined;
  }
  get readers(): number {
    return this.#readers.size;
  }

  /** Start writing into `out`: headers and the cached group of pictures first (or from the next keyframe). */
  attach(out: Writable, reader: TsReader): () => void {
    const a: Attached = { out, reader, started: false };
    out.on('error', (err: Error) => this.#drop(a, `its input broke: ${err.message}`));
    this.#readers.add(a);
    if (this.#gop) this.#start(a, this.#gop);
    return () => this.#readers.delete(a);
  }

  /** A chunk of the encoder's output (any length; packets may straddle chunks). */
  push(chunk: Buffer): void {
    let buf = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : chunk;
    // the encoder writes whole packets; should it ever not, resynchronise on the next sync byte
    if (buf[0] !== SYNC) {
      const at = buf.indexOf(SYNC);
      buf = at < 0 ? Buffer.alloc(0) : buf.subarray(at);
    }
    const whole = buf.length - (buf.length % TS_PACKET);
    this.#rest = Buffer.from(buf.subarray(whole));
    if (whole === 0) return;
    // a copy: `chunk` may be reused by the stream that gave it; the cache keeps slices of it
    const data = Buffer.from(buf.subarray(0, whole));
    let keyAt = -1;
    for (let at = 0; at < whole; at += TS_PACKET)
      if (this.#packet(data.subarray(at, at + TS_PACKET)) && keyAt < 0) keyAt = at;
    for (const a of [...this.#readers]) {
      if (a.started) this.#write(a, data);
      else if (keyAt >= 0) this.#start(a, [data.subarray(keyAt)]);
    }
  }

  #start(a: Attached, gop: Buffer[]): void {
    a.started = true;
    const head = [this.#pat, this.#pmt, ...gop].filter((b): b is Buffer => b !== undefined);
    this.#write(a, Buffer.concat(head));
  }

  /** Notes what the packet says; true when it starts a keyframe of the picture. */
  #packet(p: Buffer): boolean {
    if (p[0] !== SYNC) return false;
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    if (pid === 0) {
      this.#pat = p;
      this.#readPat(p);
      return false;
    }
    if (pid === this.#pmtPid) {
      this.#pmt = p;
      this.#readPmt(p);
      return false;
    }
    const afc = (p[3]! >> 4) & 3;
    const key = pid === this.#videoPid && (afc & 2) !== 0 && p[4]! > 0 && (p[5]! & 0x40) !== 0 && (p[1]! & 0x40) !== 0;
    if (key) {
      this.#keyframes++;
      this.#gop = [];
      this.#gopBytes = 0;
    }
    if (this.#gop) {
      this.#gop.push(p);
      this.#gopBytes += TS_PACKET;
      if (this.#gopBytes > MAX_GOP_BYTES) this.#gop = undefined;
    }
    return key;
  }

  #readPat(p: Buffer): void {
    const s = sectionStart(p);
    if (s < 0 || p[s] !== 0x00) return;
    const end = Math.min(s + 3 + (((p[s + 1]! & 0x0f) << 8) | p[s + 2]!) - 4, TS_PACKET - 4);
    for (let i = s + 8; i + 4 <= end; i += 4) {
      const program = p.readUInt16BE(i);
      if (program !== 0) {
        this.#pmtPid = p.readUInt16BE(i + 2) & 0x1fff;
        return;
      }
    }
  }

  #readPmt(p: Buffer): void {
    const s = sectionStart(p);
    if (s < 0 || p[s] !== 0x02) return;
    const end = Math.min(s + 3 + (((p[s + 1]! & 0x0f) << 8) | p[s + 2]!) - 4, TS_PACKET);
    let i = s + 12 + (((p[s + 10]! & 0x0f) << 8) | p[s + 11]!);
    while (i + 5 <= end) {
      const type = p[i]!;
      const pid = p.readUInt16BE(i + 1) & 0x1fff;
      if (VIDEO_TYPES.has(type)) {
        this.#videoPid = pid;
        return;
      }
      i += 5 + (p.readUInt16BE(i + 3) & 0x0fff);
    }
  }

  #write(a: Attached, data: Buffer): void {
    if (!this.#readers.has(a)) return;
    if (a.out.writableEnded || a.out.destroyed) {
      this.#drop(a, 'its input closed');
      return;
    }
    if (a.out.writableLength > MAX_BACKLOG_BYTES) {
      this.#drop(a, `it fell more than ${MAX_BACKLOG_BYTES >> 20} MiB behind the program`);
      return;
    }
    a.out.write(data);
  }

  #drop(a: Attached, reason: string): void {
    if (!this.#readers.delete(a)) return;
    a.reader.onDrop(reason);
  }
}
