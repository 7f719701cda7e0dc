// Reading a decoded picture (a PNG a peer saved) by regions: the colour at a place, whether light
// text is drawn in a strip. Tests look at panes with it.
import { spawnSync } from 'node:child_process';

/**
 * An image file through an ffmpeg filter (`filter`, e.g. a crop and a scale) as raw RGB, 3 bytes a
 * pixel, row by row; undefined when ffmpeg fails or gives fewer than `pixels` pixels.
 */
export function decodeRgb(file: string, filter: string, pixels: number): Buffer | undefined {
  const r = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-i', file, '-vf', filter, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 64 << 20 },
  );
  return r.status === 0 && r.stdout.length >= pixels * 3 ? r.stdout : undefined;
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export class Picture {
  private constructor(
    readonly w: number,
    readonly h: number,
    readonly px: Buffer,
  ) {}

  /** Decode a PNG scaled to w×h (ffmpeg), or undefined when it cannot be read. */
  static load(png: string, w = 256, h = 144): Picture | undefined {
    const px = decodeRgb(png, `scale=${w}:${h}:flags=area`, w * h);
    return px && new Picture(w, h, px);
  }

  at(x: number, y: number): Rgb {
    const i = 3 * (Math.min(this.h - 1, Math.max(0, y)) * this.w + Math.min(this.w - 1, Math.max(0, x)));
    return { r: this.px[i]!, g: this.px[i + 1]!, b: this.px[i + 2]! };
  }

  /** Average colour of a rectangle given in fractions of the picture. */
  mean(fx: number, fy: number, fw: number, fh: number): Rgb {
    const x0 = Math.floor(fx * this.w);
    const y0 = Math.floor(fy * this.h);
    const x1 = Math.max(x0 + 1, Math.floor((fx + fw) * this.w));
    const y1 = Math.max(y0 + 1, Math.floor((fy + fh) * this.h));
    let r = 0;
    let g = 0;
    let b = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const c = this.at(x, y);
        r += c.r;
        g += c.g;
        b += c.b;
        n++;
      }
    }
    return { r: Math.round(r / n), g: Math.round(g / n), b: Math.round(b / n) };
  }

  /** Pixels in the rectangle that are near white (label text), counted. */
  whitePixels(fx: number, fy: number, fw: number, fh: number): number {
    let n = 0;
    for (let y = Math.floor(fy * this.h); y < Math.floor((fy + fh) * this.h); y++) {
      for (let x = Math.floor(fx * this.w); x < Math.floor((fx + fw) * this.w); x++) {
        const c = this.at(x, y);
        if (c.r > 190 && c.g > 190 && c.b > 190) n++;
      }
    }
    return n;
  }

  /** A picture already decoded: w×h raw RGB, 3 bytes a pixel, row by row. */
  static fromRgb(w: number, h: number, px: Buffer): Picture {
    return new Picture(w, h, px);
  }
}

/** A colour's name among the solid colours test peers send, 'dark' for a placeholder, else undefined. */
export function colourName(c: Rgb): string | undefined {
  const hi = (v: number): boolean => v > 150;
  const lo = (v: number): boolean => v < 100;
  if (hi(c.r) && lo(c.g) && lo(c.b)) return 'red';
  if (lo(c.r) && hi(c.g) && lo(c.b)) return 'lime';
  if (lo(c.r) && lo(c.g) && hi(c.b)) return 'blue';
  if (hi(c.r) && hi(c.g) && lo(c.b)) return 'yellow';
  if (hi(c.r) && lo(c.g) && hi(c.b)) return 'magenta';
  if (lo(c.r) && hi(c.g) && hi(c.b)) return 'cyan';
  if (c.r < 70 && c.g < 70 && c.b < 70) return 'dark';
  return undefined;
}
