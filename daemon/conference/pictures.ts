// What the conference hands the multi-picture plan (who can be shown, who is shown what) and what
// `conf show` reports back; kept out of Conference.ts, which holds the behaviour.
import type { MultiviewEncoder, MultiviewInfo } from '../../protocol/index.js';
import { CANVAS, type Picture, type PicturesUsage } from '../media/compositor/Pictures.js';
import type { ConferenceMedia } from '../media/ConferenceMedia.js';
import type { FloorDecision } from './FloorControl.js';
import type { Multiview, PlanTarget, Seat } from './multiview.js';
import { PROGRAM_TARGET, PROGRAM_VIDEO_KEY } from '../media/program/ProgramFeed.js';
import { classId, DEFAULT_CANVAS } from '../media/compositor/outputClass.js';
import type { OutputClass } from '../media/compositor/Compositor.js';
import type { Participant } from './Participant.js';
import type { BrowserParticipant } from './BrowserParticipant.js';

/** SIP rooms that receive video, with what the switched view chose for them. */
export function pictureTargets(media: ConferenceMedia, d: FloorDecision): PlanTarget[] {
  const out: PlanTarget[] = [];
  for (const id of media.legIds) {
    const cls = media.outputClass(id);
    if (!cls) continue;
    const view = d.views.get(id) ?? null;
    out.push({ id, cls, view, canDecodeView: view === null || media.forwards(id, view) });
  }
  return out;
}

/**
 * The program feed as one more picture target while it runs: it follows the conference layout in the
 * H.264 class most rooms on that layout get, so it shares their canvas (no second encode); with no
 * layout it shows `source` (a tx canvas only when that source is not H.264).
 */
export function programTarget(
  media: ConferenceMedia,
  source: string | null,
  targets: readonly PlanTarget[],
  mv: Multiview,
): PlanTarget | undefined {
  if (!media.programOn) return undefined;
  const n = new Map<string, { cls: OutputClass; count: number }>();
  for (const t of targets) {
    if (t.cls.key !== PROGRAM_VIDEO_KEY || mv.layoutOf(t.id) !== mv.layout) continue;
    const e = n.get(classId(t.cls)) ?? { cls: t.cls, count: 0 };
    e.count++;
    n.set(classId(t.cls), e);
  }
  const best = [...n.values()].sort((a, b) => b.count - a.count)[0];
  const cls = best?.cls ?? { key: PROGRAM_VIDEO_KEY, ...DEFAULT_CANVAS };
  return {
    id: PROGRAM_TARGET,
    cls,
    view: source,
    canDecodeView: source === null || media.canView(PROGRAM_TARGET, source),
  };
}

/** Every site in conference order, then browsers; labels in Chinese unless the site says English. */
export function pictureSeats(
  media: ConferenceMedia,
  sites: ReadonlyMap<string, Participant>,
  browsers: ReadonlyMap<string, BrowserParticipant>,
): Seat[] {
  const attached = new Set(media.legIds);
  const seats: Seat[] = [];
  for (const p of sites.values()) {
    const label = p.endpoint.labelLang === 'en' ? p.endpoint.name.en : p.endpoint.name.zh;
    seats.push({ id: p.id, label, video: media.hasVideo(p.id), connected: attached.has(p.id) });
  }
  for (const b of browsers.values()) {
    seats.push({ id: b.id, label: b.name, video: media.hasVideo(b.id), connected: b.connected });
  }
  return seats;
}

/**
 * `conf show`'s multi-picture part: the settings, each room's planned picture and, while a compositor
 * runs, what it encodes and decodes now (`order`: participant ids in conference order).
 */
export function multiviewInfo(
  mv: Multiview,
  plan: ReadonlyMap<string, Picture>,
  usage?: PicturesUsage,
  order: readonly string[] = [],
): MultiviewInfo {
  const v = mv.view();
  const pictures: MultiviewInfo['pictures'] = {};
  for (const [target, p] of plan) {
    if (target === PROGRAM_TARGET) continue; // the recording's picture, not a room's
    pictures[target] = { canvas: p.canvasId, layout: p.spec.layout, panes: p.spec.panes.map((x) => x.site ?? null) };
  }
  const info: MultiviewInfo = { layout: v.layout, banner: v.banner, personal: v.personal, pins: v.pins, pictures };
  if (!usage) return info;
  const rank = (id: string): number => (order.includes(id) ? order.indexOf(id) : order.length);
  const byRank = (a: string, b: string): number => rank(a) - rank(b);
  info.encoders = usage.canvases.map((c) => {
    const rooms = c.targets.filter((t) => t !== PROGRAM_TARGET).sort(byRank);
    return {
      canvas: c.id,
      ...canvasKind(c.id),
      codec: c.cls.key,
      width: c.cls.width,
      height: c.cls.height,
      fps: c.cls.fps,
      kbps: c.cls.kbps,
      layout: c.layout,
      rooms,
      ...(c.targets.includes(PROGRAM_TARGET) ? { program: true } : {}),
    };
  });
  info.decoding = usage.decoding
    .map((d) => ({ source: d.id, live: d.live }))
    .sort((a, b) => byRank(a.source, b.source));
  info.offScreen = [...usage.idle].sort(byRank);
  return info;
}

/** Whose picture a canvas is, from its id (made by Multiview.plan()). */
function canvasKind(id: string): Pick<MultiviewEncoder, 'kind' | 'site'> {
  const owner = id.split('|')[0] ?? '';
  if (owner.startsWith('tx:')) return { kind: 'transcoded', site: owner.slice(3) };
  if (owner.startsWith('site:')) return { kind: 'personal', site: owner.slice(5) };
  return { kind: 'conference' };
}

/**
 * What a room is shown, as `conf show` names it: the source's id (a transcoded picture shows one
 * source: its id, not the canvas's), `layout:<name>` for a composed layout. A canvas id is internal
 * and never shown: while the plan has moved on and the room's view still shows the previous canvas
 * (a moment after each change), the name comes from that canvas's id.
 */
export function viewingOf(showing: string | null, picture: Picture | undefined): string | null {
  if (!showing?.startsWith(CANVAS)) return showing;
  if (picture && CANVAS + picture.canvasId === showing) {
    if (picture.canvasId.startsWith('tx:')) return picture.spec.panes[0]?.sourceId ?? null;
    return `layout:${picture.spec.layout}`;
  }
  // canvas ids: `tx:<source>|<class>` (transcoded), `conf|<class>` or `site:<owner>|<class>` (layouts)
  const id = showing.slice(CANVAS.length);
  if (id.startsWith('tx:')) return id.slice(3).split('|')[0] || null;
  return 'layout';
}
