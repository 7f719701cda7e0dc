// Multi-picture policy of one conference (多画面): the conference layout, personal layouts per site,
// pinned panes and the banner, and the plan that turns them into canvases for the compositor. Pure:
// the Conference validates ids and applies the plan through ConferenceMedia.
//
// Sharing: everyone who follows the conference layout sees the same picture (themselves included),
// so rooms of one output class share one encoder; a personal layout is a canvas of its own.
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { MAX_PANES, paneCount, parseLayout, resolveLayout, type LayoutName } from '../media/compositor/layouts.js';
import { classId } from '../media/compositor/outputClass.js';
import type { CanvasSpec, OutputClass, PaneSpec } from '../media/compositor/Compositor.js';

/** 'off': the switched view (one source full screen, no composition), today's behaviour. */
export type LayoutChoice = LayoutName | 'off';
/** The longest banner line (字幕), in characters. */
export const BANNER_MAX_CHARS = 60;

export interface Seat {
  id: string;
  label: string;
  /** Sends video the compositor can decode now. */
  video: boolean;
  connected: boolean;
}

export interface PlanTarget {
  id: string;
  cls: OutputClass;
  /**
   * The switched view's choice for this target and whether it can be forwarded as it is: the room's
   * codec and, for H.264, a picture its level decodes (ConferenceMedia.forwards).
   */
  view: string | null;
  canDecodeView: boolean;
}

export interface PlannedPicture {
  canvasId: string;
  spec: CanvasSpec;
}

export interface MultiviewView {
  layout: LayoutChoice;
  banner: string | null;
  personal: Record<string, LayoutChoice>;
  pins: Record<string, Record<string, string>>;
}

const CONF = '';

export class Multiview {
  #layout: LayoutChoice = 'off';
  readonly #personal = new Map<string, LayoutChoice>();
  /** owner ('' = the conference layout, else a site's personal one) → pane index (0-based) → site. */
  readonly #pins = new Map<string, Map<number, string>>();
  #banner: string | null = null;

  get layout(): LayoutChoice {
    return this.#layout;
  }
  get banner(): string | null {
    return this.#banner;
  }

  /** Parse a layout choice typed by an operator ('default' only with a site: back to the conference's). */
  static parseChoice(s: string, personal: boolean): LayoutChoice | 'default' {
    if (s === 'off') return 'off';
    if (s === 'default' && personal) return 'default';
    try {
      return parseLayout(s);
    } catch {
      throw new VcError(
        'BAD_REQUEST',
        say('err.layoutUnknown', {
          layout: s,
          known: `1, 2x2, 3x3, 4x4, 5x5, 1+5, 1+7, 1+12, auto, off${personal ? ', default' : ''}`,
        }),
      );
    }
  }

  setLayout(choice: LayoutChoice | 'default', forSite?: string): void {
    if (forSite === undefined) {
      if (choice === 'default') throw new VcError('BAD_REQUEST', say('err.layoutDefaultFor'));
      this.#layout = choice;
    } else if (choice === 'default') {
      this.#personal.delete(forSite);
      this.#pins.delete(forSite);
    } else this.#personal.set(forSite, choice);
  }

  layoutOf(siteId: string): LayoutChoice {
    return this.#personal.get(siteId) ?? this.#layout;
  }

  /** Pin `site` (null: auto) to pane `n` (1-based) of the conference's or a site's layout. */
  setPane(n: number, site: string | null, forSite?: string): void {
    const owner = this.#checkPane(n, forSite);
    const pins = this.#pins.get(owner) ?? new Map<number, string>();
    this.#pins.set(owner, pins);
    if (site === null) pins.delete(n - 1);
    else {
      for (const [i, s] of pins) if (s === site) pins.delete(i); // a site sits in one pane
      pins.set(n - 1, site);
    }
  }

  /** Give pane `n` back to automatic filling, whatever the layout has now (a pin beyond its panes is dropped too). */
  unpin(n: number, forSite?: string): void {
    this.#pins.get(this.#owner(forSite))?.delete(n - 1);
  }

  /** Throws (naming the problem) unless pane `n` exists in the layout `forSite` (or the conference) has. */
  checkPane(n: number, forSite?: string): void {
    this.#checkPane(n, forSite);
  }

  /** Does `forSite` have a layout of its own (not the conference's)? */
  hasPersonal(forSite: string): boolean {
    return this.#personal.has(forSite);
  }

  /** The site pinned to pane `n` (1-based) of the layout `forSite` (or the conference) follows. */
  pinAt(n: number, forSite?: string): string | undefined {
    return this.#pins.get(this.#owner(forSite))?.get(n - 1);
  }

  /** Is `site` pinned to a pane other than `n` of the layout `forSite` (or the conference) follows? */
  pinnedElsewhere(n: number, site: string, forSite?: string): boolean {
    for (const [i, s] of this.#pins.get(this.#owner(forSite)) ?? []) if (s === site && i !== n - 1) return true;
    return false;
  }

  #owner(forSite?: string): string {
    return forSite !== undefined && this.#personal.has(forSite) ? forSite : CONF;
  }

  #checkPane(n: number, forSite?: string): string {
    const layout = forSite === undefined ? this.#layout : this.layoutOf(forSite);
    if (layout === 'off') {
      throw new VcError('BAD_REQUEST', forSite ? say('err.noLayoutFor', { site: forSite }) : say('err.noLayout'));
    }
    const max = layout === 'auto' ? MAX_PANES : paneCount(layout);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new VcError('BAD_REQUEST', say('err.paneRange', { n, layout, max }));
    return this.#owner(forSite);
  }

  setBanner(text: string | null): void {
    if (text !== null) {
      const t = text.replace(/[\r\n\t]+/g, ' ').trim();
      if (!t) throw new VcError('BAD_REQUEST', say('err.bannerEmpty'));
      if ([...t].length > BANNER_MAX_CHARS)
        throw new VcError('BAD_REQUEST', say('err.bannerLong', { n: [...t].length, max: BANNER_MAX_CHARS }));
      this.#banner = t;
    } else this.#banner = null;
  }

  /** A site left the conference for good: forget its pins and its personal layout. */
  forget(siteId: string): void {
    this.#personal.delete(siteId);
    this.#pins.delete(siteId);
    for (const pins of this.#pins.values()) for (const [i, s] of pins) if (s === siteId) pins.delete(i);
  }

  view(): MultiviewView {
    const pins: Record<string, Record<string, string>> = {};
    for (const [owner, m] of this.#pins) {
      if (m.size) pins[owner || 'conference'] = Object.fromEntries([...m].map(([i, s]) => [String(i + 1), s]));
    }
    return { layout: this.#layout, banner: this.#banner, personal: Object.fromEntries(this.#personal), pins };
  }

  /**
   * The picture of every target that gets a composed one: its layout's canvas, or a single-pane
   * canvas of its view when it cannot decode that source as it is sent (transcoding: another codec or a
   * picture larger than its H.264 level takes). `big` goes to pane 1 of
   * `1+N` layouts (the floor, the speaker, the broadcast source).
   */
  plan(targets: PlanTarget[], seats: Seat[], big: string | null): Map<string, PlannedPicture> {
    const out = new Map<string, PlannedPicture>();
    const connected = seats.filter((s) => s.connected).length;
    const byId = new Map(seats.map((s) => [s.id, s]));
    for (const t of targets) {
      const choice = this.layoutOf(t.id);
      if (choice === 'off') {
        const src = t.view ? byId.get(t.view) : undefined;
        if (!src?.video || t.canDecodeView) continue;
        out.set(t.id, {
          canvasId: `tx:${src.id}|${classId(t.cls)}`,
          spec: {
            cls: t.cls,
            layout: '1',
            panes: [{ sourceId: src.id, label: src.label, site: src.id }],
            banner: null,
          },
        });
        continue;
      }
      const owner = this.#personal.has(t.id) ? t.id : CONF;
      const layout = resolveLayout(choice, connected);
      const panes = fill(paneCount(layout), seats, big, this.#pins.get(owner));
      out.set(t.id, {
        canvasId: `${owner ? `site:${owner}` : 'conf'}|${classId(t.cls)}`,
        spec: { cls: t.cls, layout, panes, banner: this.#banner },
      });
    }
    return out;
  }
}

/** Pinned panes first, then `big` in pane 1, then connected sites in conference order, then the others. */
export function fill(n: number, seats: Seat[], big: string | null, pins?: Map<number, string>): PaneSpec[] {
  const byId = new Map(seats.map((s) => [s.id, s]));
  const slots: (string | null | undefined)[] = Array.from({ length: n }, () => undefined);
  const placed = new Set<string>();
  for (const [i, site] of pins ?? []) {
    if (i < n && byId.has(site)) {
      slots[i] = site;
      placed.add(site);
    }
  }
  const order = [
    ...(big && byId.has(big) ? [big] : []),
    ...seats.filter((s) => s.connected).map((s) => s.id),
    ...seats.filter((s) => !s.connected).map((s) => s.id),
  ].filter((id, i, a) => !placed.has(id) && a.indexOf(id) === i);
  let next = 0;
  for (let i = 0; i < n; i++) if (slots[i] === undefined) slots[i] = order[next++] ?? null;
  return slots.map((id) => {
    const s = id ? byId.get(id) : undefined;
    return { sourceId: s?.video ? s.id : null, label: s?.label ?? '', site: s?.id ?? null };
  });
}
