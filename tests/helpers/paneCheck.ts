// Checking a decoded multi-picture against the panes the bridge reports: the colour in the middle
// of each pane (sampled clear of the site label) must be the colour that pane's site sends.
import { paneRects, type FixedLayout } from '../../daemon/media/compositor/layouts.js';
import { colourName, type Picture } from './picture.js';

/** A pane's place on the picture, as fractions of its width and height. */
export interface PaneArea {
  fx: number;
  fy: number;
  fw: number;
  fh: number;
}

/**
 * What is wrong with `pic` (1280×720) against `want` ([] = nothing): each pane whose colour is not
 * `expected(site)` (site null: an empty pane), plus whatever `more` finds in a pane.
 */
export function paneProblems(
  pic: Picture,
  want: { layout: string; panes: (string | null)[] },
  expected: (site: string | null) => string | undefined,
  more?: (pane: number, site: string | null, area: PaneArea) => string | undefined,
): string[] {
  const problems: string[] = [];
  paneRects(want.layout as FixedLayout, 1280, 720).forEach((r, i) => {
    const site = want.panes[i] ?? null;
    const area = { fx: r.x / 1280, fy: r.y / 720, fw: r.w / 1280, fh: r.h / 720 };
    const seen = colourName(pic.mean(area.fx + area.fw * 0.4, area.fy + area.fh * 0.3, area.fw * 0.2, area.fh * 0.15));
    const colour = expected(site);
    if (seen !== colour)
      problems.push(`pane ${i + 1} (${site ?? 'empty'}) is ${seen ?? 'unclear'}, expected ${colour}`);
    const extra = more?.(i, site, area);
    if (extra) problems.push(extra);
  });
  return problems;
}
