// Multi-picture layouts (多画面): names operators type, and where each pane sits on a canvas.
// A layout is a plain value (templates and schedules will name one). Pane 0 is the large pane of the
// `1+N` layouts (the floor, the speaker or the broadcast source goes there) and the first cell of a grid.
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';

export const LAYOUTS = ['1', '2x2', '3x3', '4x4', '5x5', '1+5', '1+7', '1+12', 'auto'] as const;
export type LayoutName = (typeof LAYOUTS)[number];
export type FixedLayout = Exclude<LayoutName, 'auto'>;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Cells of a unit grid: [column, row, width, height] in units of canvas/size. */
type Cells = { size: number; cells: [number, number, number, number][] };

function grid(n: number): Cells {
  const cells: Cells['cells'] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) cells.push([c, r, 1, 1]);
  return { size: n, cells };
}

/** A big pane of `big`×`big` units at (bx, by) in a `size` grid; every other cell is a small pane. */
function onePlus(size: number, big: number, bx: number, by: number): Cells {
  const cells: Cells['cells'] = [[bx, by, big, big]];
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const inBig = c >= bx && c < bx + big && r >= by && r < by + big;
      if (!inBig) cells.push([c, r, 1, 1]);
    }
  }
  return { size, cells };
}

const CELLS: Record<FixedLayout, Cells> = {
  '1': grid(1),
  '2x2': grid(2),
  '3x3': grid(3),
  '4x4': grid(4),
  '5x5': grid(5),
  '1+5': onePlus(3, 2, 0, 0),
  '1+7': onePlus(4, 3, 0, 0),
  '1+12': onePlus(4, 2, 1, 1),
};

export function isLayout(s: string): s is LayoutName {
  return (LAYOUTS as readonly string[]).includes(s);
}

/** The layout an operator typed, or a BAD_REQUEST naming it and the valid ones. */
export function parseLayout(s: string): LayoutName {
  if (!isLayout(s))
    throw new VcError('BAD_REQUEST', say('err.layoutUnknown', { layout: s, known: LAYOUTS.join(', ') }));
  return s;
}

export function paneCount(l: FixedLayout): number {
  return CELLS[l].cells.length;
}

/** The most panes any layout has (5x5). */
export const MAX_PANES = 25;

/** `auto`: the smallest grid that holds `n` sites (1 → full screen, up to 25 → 5x5). */
export function autoLayout(n: number): FixedLayout {
  if (n <= 1) return '1';
  if (n <= 4) return '2x2';
  if (n <= 9) return '3x3';
  if (n <= 16) return '4x4';
  return '5x5';
}

export function resolveLayout(l: LayoutName, connected: number): FixedLayout {
  return l === 'auto' ? autoLayout(connected) : l;
}

/** Pixel rectangles of a layout's panes on a w×h canvas; edges on even pixels (I420 chroma). */
export function paneRects(l: FixedLayout, w: number, h: number): Rect[] {
  const { size, cells } = CELLS[l];
  const even = (v: number): number => 2 * Math.round(v / 2);
  const xAt = (u: number): number => even((u * w) / size);
  const yAt = (u: number): number => even((u * h) / size);
  return cells.map(([c, r, cw, ch]) => {
    const x = xAt(c);
    const y = yAt(r);
    return { x, y, w: xAt(c + cw) - x, h: yAt(r + ch) - y };
  });
}
