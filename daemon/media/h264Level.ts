// H.264 levels as the switched view needs them: the largest picture a room's decoder must take
// (ITU-T H.264 Table A-1, MaxFS in macroblocks of 16×16), and whether a source's picture fits it.
import { fmtpParams, type NegotiatedStream } from './types.js';

/** level_idc → MaxFS (Table A-1). 9 is level 1b (also 11 with constraint_set3 in Baseline/Main/Extended). */
const MAX_FS: readonly (readonly [number, number])[] = [
  [9, 99],
  [10, 99],
  [11, 396],
  [20, 396],
  [21, 792],
  [22, 1620],
  [30, 1620],
  [31, 3600],
  [32, 5120],
  [40, 8192],
  [42, 8704],
  [50, 22080],
  [51, 36864],
  [60, 139264],
];

/** The level a room that says nothing is taken to decode (outputClass does the same: 720p). */
export const DEFAULT_LEVEL = 31;

/** The level_idc of an fmtp's profile-level-id (level 1b as 9); DEFAULT_LEVEL without a valid one. */
export function levelOf(fmtp: NegotiatedStream['fmtp']): number {
  const pli = fmtpParams(fmtp)['profile-level-id'];
  if (!pli || !/^[0-9a-f]{6}$/i.test(pli)) return DEFAULT_LEVEL;
  const profile = parseInt(pli.slice(0, 2), 16);
  const constraints = parseInt(pli.slice(2, 4), 16);
  const level = parseInt(pli.slice(4), 16);
  if (level === 11 && [66, 77, 88].includes(profile) && constraints & 0x10) return 9;
  return level;
}

/** MaxFS of a level: the largest frame, in macroblocks, its decoder must decode. */
export function maxFrameMbs(level: number): number {
  let fs = MAX_FS[0]![1];
  for (const [l, v] of MAX_FS) if (level >= l) fs = v;
  return fs;
}

/**
 * Whether a picture of `widthMbs`×`heightMbs` macroblocks fits a level: at most MaxFS macroblocks,
 * and neither side longer than √(8·MaxFS) (A.3.1 h/i: no 1×396 "CIF").
 */
export function fitsLevel(pic: { widthMbs: number; heightMbs: number }, level: number): boolean {
  const fs = maxFrameMbs(level);
  const side = Math.sqrt(8 * fs);
  return pic.widthMbs * pic.heightMbs <= fs && pic.widthMbs <= side && pic.heightMbs <= side;
}
