// ffmpeg argument lists the tests and the bench share: a synthetic picture source and the H.264
// encoder the light rooms, the test sources and the bench's probe use. One place, so that every
// caller sends what a room system sends: constrained baseline, no B-frames, and an IDR with SPS/PPS
// in band every `gop` frames.

/** Only errors on stderr, no banner. */
export const FFMPEG_QUIET = ['-hide_banner', '-loglevel', 'error'];

export interface PictureSize {
  width: number;
  height: number;
  fps: number;
}

/** A lavfi input: one solid colour (an ffmpeg colour name: red, teal, ...) or, for 'testsrc', ffmpeg's
 *  moving test pattern; `seconds` long. */
export function lavfiInput(source: string, p: PictureSize, seconds: number): string[] {
  const size = `s=${p.width}x${p.height}:r=${p.fps}`;
  const graph = source === 'testsrc' ? `testsrc=${size}` : `color=c=${source}:${size}`;
  return ['-f', 'lavfi', '-i', graph, '-t', String(seconds)];
}

export interface X264Options {
  /** Frames between IDRs (each with SPS and PPS). */
  gop: number;
  /** The level the SPS says (e.g. '3.0'); x264 picks one when absent. */
  level?: string;
  /** One slice a picture: zerolatency's sliced threads would cut each picture in several. */
  oneSlice?: boolean;
}

/** Output options for libx264 as a room system encodes: yuv420p, constrained baseline, no B-frames,
 *  no look-ahead (zerolatency), SPS/PPS repeated before every IDR. */
export function x264Args(o: X264Options): string[] {
  return [
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    ...(o.level ? ['-level', o.level] : []),
    '-g',
    String(o.gop),
    '-bf',
    '0',
    ...(o.oneSlice ? ['-threads', '1'] : []),
    '-x264-params',
    'repeat-headers=1',
  ];
}
