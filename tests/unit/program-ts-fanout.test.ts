// TsFanout on a real MPEG-TS (ffmpeg: H.264 with a keyframe every second + AAC, like the program
// encoder's output), pushed in odd-sized chunks: every reader starts on whole packets at a keyframe
// with PAT/PMT first, a late reader gets the cached group of pictures and decodes without error, a
// reader that stops reading is cut off once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BACKLOG_BYTES, TS_PACKET, TsFanout } from '../../daemon/media/program/TsFanout.js';

let dir: string;
let ts: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-tsfan-'));
  const r = spawnSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-f', 'lavfi'],
      ...['-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast'],
      ...['-g', '25', '-x264-params', 'repeat-headers=1', '-c:a', 'aac', '-ac', '1', '-f', 'mpegts', 'pipe:1'],
    ],
    { maxBuffer: 64 << 20 },
  );
  expect(r.status, r.stderr?.toString()).toBe(0);
  ts = r.stdout;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A writable that keeps what it gets. */
function sink(): { out: Writable; data: () => Buffer } {
  const parts: Buffer[] = [];
  const out = new Writable({
    write(c: Buffer, _e, cb) {
      parts.push(c);
      cb();
    },
  });
  return { out, data: () => Buffer.concat(parts) };
}

/** Push `buf` in chunks of varying sizes (never aligned to packets). */
function pushAll(f: TsFanout, buf: Buffer): void {
  const sizes = [1000, 7, 4096, 333, 188 * 3 + 1];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length]!;
    f.push(buf.subarray(at, at + n));
    at += n;
  }
}

const pid = (p: Buffer): number => ((p[1]! & 0x1f) << 8) | p[2]!;
const randomAccess = (p: Buffer): boolean => ((p[3]! >> 4) & 2) !== 0 && p[4]! > 0 && (p[5]! & 0x40) !== 0;

function decodeErrors(buf: Buffer, name: string): { streams: string; errors: string; frames: number } {
  const file = join(dir, name);
  writeFileSync(file, buf);
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', file],
    {
      encoding: 'utf8',
    },
  );
  const dec = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  // ffprobe lists each stream twice (in its program and alone)
  const lines = [
    ...new Set(
      probe.stdout
        .trim()
        .split('\n')
        .filter((l) => l.trim()),
    ),
  ];
  const video = lines.find((l) => l.startsWith('h264'));
  return {
    streams: [...new Set(lines.map((l) => l.split(',')[0]))].sort().join(','),
    errors: dec.stderr.trim(),
    frames: Number(video?.split(',')[1] ?? 0),
  };
}

describe('TsFanout', () => {
  it('starts every reader at a keyframe after PAT/PMT; a late reader gets the cached pictures', () => {
    const f = new TsFanout();
    const early = sink();
    const late = sink();
    f.attach(early.out, { onDrop: (r) => expect.fail(r) });
    const cut = Math.floor((ts.length * 0.6) / 1000) * 1000 + 77;
    pushAll(f, ts.subarray(0, cut));
    expect(f.hasKeyframe).toBe(true);
    f.attach(late.out, { onDrop: (r) => expect.fail(r) });
    pushAll(f, ts.subarray(cut));
    expect(f.keyframes).toBe(4); // 4 s at one keyframe a second

    for (const [name, got] of [
      ['early', early.data()],
      ['late', late.data()],
    ] as const) {
      expect(got.length % TS_PACKET, name).toBe(0);
      const first = got.subarray(0, TS_PACKET);
      expect(pid(first), `${name}: PAT first`).toBe(0);
      // after PAT and PMT the first packet of the picture is a keyframe's start
      const third = got.subarray(2 * TS_PACKET, 3 * TS_PACKET);
      expect(randomAccess(third), `${name}: starts on a keyframe`).toBe(true);
      const d = decodeErrors(got, `${name}.ts`);
      expect(d.streams, name).toBe('aac,h264');
      expect(d.errors, name).toBe('');
    }
    // the late reader has at least the whole group of pictures it joined in (25 frames) and the rest
    const lateFrames = decodeErrors(late.data(), 'late2.ts').frames;
    const earlyFrames = decodeErrors(early.data(), 'early2.ts').frames;
    expect(lateFrames).toBeGreaterThanOrEqual(25);
    expect(lateFrames).toBeLessThan(earlyFrames);
    expect(earlyFrames).toBe(100);
  });

  it('a reader before the first keyframe gets nothing until it comes; one that stops reading is cut off once', () => {
    const f = new TsFanout();
    const waiting = sink();
    f.attach(waiting.out, { onDrop: (r) => expect.fail(r) });
    // the first packets of the stream are PAT/PMT: nothing for the reader yet
    f.push(ts.subarray(0, 2 * TS_PACKET));
    expect(waiting.data().length).toBe(0);

    const drops: string[] = [];
    // a writable whose writes never complete (a stuck ffmpeg)
    const stuck = new Writable({ highWaterMark: 1, write: () => undefined });
    f.attach(stuck, { onDrop: (r) => drops.push(r) });
    for (let i = 0; i * ts.length < MAX_BACKLOG_BYTES * 1.5; i++) f.push(ts);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatch(/behind/);
    expect(f.readers).toBe(1);
    expect(waiting.data().length).toBeGreaterThan(0);

    // a reader whose pipe breaks is dropped, the others go on
    const broken = sink();
    const brokenDrops: string[] = [];
    f.attach(broken.out, { onDrop: (r) => brokenDrops.push(r) });
    broken.out.destroy(new Error('EPIPE'));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        f.push(ts.subarray(0, 10 * TS_PACKET));
        expect(brokenDrops).toHaveLength(1);
        expect(f.readers).toBe(1);
        resolve();
      }),
    );
  });
});
