// Site names are drawn in Chinese: the compositor refuses to start without a font that has the
// glyphs (otherwise every label would be boxes, silently).
import { spawnSync } from 'node:child_process';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';

/** Families preferred in this order when several are installed. */
const PREFERRED = ['Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Zen Hei', 'WenQuanYi Micro Hei', 'AR PL UMing CN'];

let found: string | undefined;

/** Parse `fc-list :lang=zh family` output: one font per line, its names comma-separated. */
export function pickCjkFamily(fcList: string): string | undefined {
  const families = fcList
    .split('\n')
    .map((l) =>
      l
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    )
    .filter((f) => f.length > 0);
  for (const want of PREFERRED) if (families.some((f) => f.includes(want))) return want;
  return families[0]?.[0];
}

/** The CJK font family labels are drawn with; throws a MEDIA_FAILED saying what to install. */
export function cjkFontFamily(): string {
  if (found) return found;
  const r = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', timeout: 10_000 });
  const family = r.status === 0 ? pickCjkFamily(r.stdout) : undefined;
  if (!family) {
    throw new VcError('MEDIA_FAILED', say('media.comp.noCjkFont', { packages: 'fonts-noto-cjk or fonts-wqy-zenhei' }));
  }
  found = family;
  return family;
}
