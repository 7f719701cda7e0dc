// Reading back what a recorder wrote: its streams and duration (ffprobe), its audio as 16 kHz mono
// samples, and the colour in the middle of a frame (ffmpeg), for tests that check a file plays.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Picture, colourName } from './picture.js';
import { toneDb } from './simRoom.js';

export interface Probed {
  ok: boolean;
  error: string;
  streams: { codec_type: string; codec_name: string; start_time?: string; duration?: string; nb_frames?: string }[];
  /** Seconds (the container's duration, or the longest stream's). */
  duration: number;
}

export function probe(file: string): Probed {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { ok: false, error: r.stderr, streams: [], duration: 0 };
  const j = JSON.parse(r.stdout) as {
    streams: Probed['streams'];
    format?: { duration?: string };
  };
  const durations = [j.format?.duration, ...j.streams.map((s) => s.duration)].map(Number).filter(Number.isFinite);
  return { ok: true, error: r.stderr, streams: j.streams, duration: Math.max(0, ...durations) };
}

/** "audio:aac,video:h264" — the stream kinds and codecs, sorted. */
export function streamKinds(p: Probed): string {
  return p.streams
    .map((s) => `${s.codec_type}:${s.codec_name}`)
    .sort()
    .join(',');
}

/** The file's audio decoded to 16 kHz mono. */
export function audioOf(file: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'vcb-audio-'));
  try {
    const out = join(dir, 'a.raw');
    const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', out]);
    if (r.status !== 0) throw new Error(`cannot decode the audio of ${file}: ${String(r.stderr)}`);
    const b = readFileSync(out);
    return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The colour name in the middle of the frame at `atSeconds` (undefined: no frame or unclear). */
export function colourAt(file: string, atSeconds: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'vcb-frame-'));
  try {
    const png = join(dir, 'f.png');
    const r = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', png]);
    if (r.status !== 0) return undefined;
    const pic = Picture.load(png);
    return pic ? colourName(pic.mean(0.4, 0.4, 0.2, 0.2)) : undefined;
  } catch {
    return undefined; // no frame decoded at that time
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The median level (dB) of a tone over 1 s windows: a recording made on a starved machine may have
 * short gaps (the mixer skips frames after a stall), which must not hide a tone that is there.
 */
export function medianToneDb(pcm: Int16Array, rate: number, hz: number): number {
  const levels: number[] = [];
  for (let i = 0; i + rate <= pcm.length; i += rate) levels.push(toneDb(pcm.subarray(i, i + rate), rate, hz));
  levels.sort((a, b) => a - b);
  return levels.length ? levels[Math.floor(levels.length / 2)]! : -200;
}

export interface TrackTimes {
  /** Packets (frames) read. */
  packets: number;
  /** Presentation time of the first and the end of the last packet (seconds, the file's timeline). */
  start: number;
  end: number;
}

/** Each track's first and last presentation times, from its packets (ffprobe -show_packets). */
export function trackTimes(file: string): Record<'audio' | 'video', TrackTimes | undefined> {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time,duration_time', '-of', 'csv=p=0', file],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`ffprobe ${file}: ${r.stderr}`);
  const out: Record<'audio' | 'video', TrackTimes | undefined> = { audio: undefined, video: undefined };
  for (const line of r.stdout.split('\n')) {
    const [kind, pts, dur] = line.split(',');
    if ((kind !== 'audio' && kind !== 'video') || !Number.isFinite(Number(pts))) continue;
    const t = (out[kind] ??= { packets: 0, start: Infinity, end: -Infinity });
    t.packets++;
    t.start = Math.min(t.start, Number(pts));
    t.end = Math.max(t.end, Number(pts) + (Number(dur) || 0));
  }
  return out;
}
