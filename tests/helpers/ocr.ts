// Reading the text drawn on a decoded picture with tesseract (Debian tesseract-ocr + tesseract-ocr-chi-sim,
// installed by scripts/setup.sh): how a test tells that a site's name is legible, not just that
// something white was drawn. The area is cut out and enlarged 3× (a room display enlarges a CIF picture
// too), and only the white of the labels is kept (two ways, see Keep), inverted: white text becomes
// black, the labels' dark backing and a saturated picture — the test rooms send solid colours — white.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { decodeRgb } from './picture.js';

const SCALE = 3;

/** Width and height of an image file (ffprobe), undefined when it cannot be read. */
export function imageSize(file: string): { w: number; h: number } | undefined {
  const r = spawnSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    file,
  ]);
  const m = /^(\d+),(\d+)/.exec(r.stdout?.toString() ?? '');
  return m ? { w: Number(m[1]), h: Number(m[2]) } : undefined;
}

/** A rectangle of the picture, in pixels. */
export interface Area {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * How the labels' white is kept: 'white' — each pixel's smallest colour channel (any saturated picture
 * drops out, but the strokes' edges, which take the picture's colour in a 4:2:0 video, thin out);
 * 'bright' — brightness less half the saturation (keeps those edges; a bright yellow stays grey).
 */
export type Keep = 'white' | 'bright';

/** `area` of `png`, enlarged, its labels' white kept, as a PGM file at `file`; false when unreadable. */
function cutOut(png: string, area: Area, file: string, keep: Keep): boolean {
  const w = area.w * SCALE;
  const h = area.h * SCALE;
  const raw = decodeRgb(png, `crop=${area.w}:${area.h}:${area.x}:${area.y},scale=${w}:${h}:flags=lanczos`, w * h);
  if (!raw) return false;
  const grey = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) {
    const r = raw[3 * i]!;
    const g = raw[3 * i + 1]!;
    const b = raw[3 * i + 2]!;
    const min = Math.min(r, g, b);
    const v = keep === 'white' ? min : 0.299 * r + 0.587 * g + 0.114 * b - 0.5 * (Math.max(r, g, b) - min);
    grey[i] = 255 - Math.max(0, Math.min(255, Math.round(v)));
  }
  writeFileSync(file, Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), grey]));
  return true;
}

/**
 * The text tesseract reads in each rectangle of `png`, whitespace removed ('' when nothing), in one
 * tesseract run (loading the language model is most of its time). `langs`: tesseract's, e.g.
 * 'chi_sim' or 'eng'. `work` is a file path prefix for the intermediate images.
 */
export function readTexts(
  png: string,
  areas: readonly Area[],
  work: string,
  langs = 'chi_sim',
  keep: Keep = 'white',
): string[] {
  const files = areas.map((a, i) => (cutOut(png, a, `${work}-${i}.pgm`, keep) ? `${work}-${i}.pgm` : ''));
  if (!files.some(Boolean)) return files.map(() => '');
  const list = `${work}-list.txt`;
  writeFileSync(list, files.filter(Boolean).join('\n') + '\n');
  // --psm 6: one block of text (a label, or a label and the pane's edge); pages end in a form feed
  // one thread: with both cores busy, tesseract's OpenMP threads wait on each other (a 16-pane run took
  // 2.1-2.6 s against 1.3-1.6 s single-threaded)
  const r = spawnSync('tesseract', [list, '-', '-l', langs, '--psm', '6'], {
    maxBuffer: 4 << 20,
    env: { ...process.env, OMP_THREAD_LIMIT: '1' },
  });
  if (r.status !== 0) throw new Error(`tesseract failed (${r.status}): ${r.stderr?.toString() ?? ''}`);
  const pages = r.stdout.toString().split('\f');
  let next = 0;
  return files.map((f) => (f ? (pages[next++] ?? '').replace(/\s+/g, '') : ''));
}

/** The text tesseract reads in one rectangle of `png` (see readTexts). */
export function readText(png: string, area: Area, work: string, langs = 'chi_sim', keep: Keep = 'white'): string {
  return readTexts(png, [area], work, langs, keep)[0]!;
}
