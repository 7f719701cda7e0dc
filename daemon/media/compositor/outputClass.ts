// The output class of a room: what its encoder must produce so the room decodes it (codec key and a
// picture size its H.264 level allows). Rooms of one class share one encoder per picture.
import type { NegotiatedStream, VideoCodecKey } from '../types.js';
import { levelOf } from '../h264Level.js';
import type { OutputClass } from './Compositor.js';

/** The canvas a room gets when its codec allows it (16:9, the size room displays show). */
export const DEFAULT_CANVAS = { width: 1280, height: 720, fps: 25, kbps: 1500 } as const;

/**
 * H.264 level (last byte of profile-level-id) → the largest picture the room decodes: level 3.1+
 * 720p, 3.0 SD, 2.x and below CIF (352×288; the smallest room systems still show CIF).
 */
function sizeForLevel(level: number): Pick<OutputClass, 'width' | 'height' | 'fps' | 'kbps'> {
  if (level >= 31) return { ...DEFAULT_CANVAS };
  if (level >= 30) return { width: 720, height: 576, fps: 25, kbps: 1000 };
  if (level >= 20) return { width: 352, height: 288, fps: 25, kbps: 512 };
  return { width: 352, height: 288, fps: 15, kbps: 384 };
}

export function outputClassOf(key: VideoCodecKey, stream?: Pick<NegotiatedStream, 'fmtp'>): OutputClass {
  if (key === 'VP8') return { key, ...DEFAULT_CANVAS };
  return { key, ...sizeForLevel(levelOf(stream?.fmtp)) };
}

export function classId(c: OutputClass): string {
  return `${c.key}@${c.width}x${c.height}p${c.fps}`;
}
