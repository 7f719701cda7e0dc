// Composed pictures of one conference, between its VideoView and its Compositor: every video source
// is offered to the compositor (nothing is decoded until a pane shows it), every canvas comes back
// as a view source ("canvas:<id>") and the targets that get a composed picture select it. The
// compositor process exists only while some target gets a composed picture.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import type { VideoView } from '../VideoView.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { Compositor, type CanvasSpec, type CompositorUsage } from './Compositor.js';
import { checkGstreamer } from './GstProcess.js';
import { cjkFontFamily } from './cjkFont.js';

export interface Picture {
  canvasId: string;
  spec: CanvasSpec;
}

export interface PicturesUsage extends CompositorUsage {
  canvases: (CompositorUsage['canvases'][number] & { targets: string[] })[];
}

/** A canvas as a view source: `canvas:<canvas id>`. */
export const CANVAS = 'canvas:';

export class Pictures {
  readonly #log: Logger;
  #router: ms.Router;
  #view: VideoView;
  #compositor: Compositor | undefined;
  #starting: Promise<Compositor> | undefined;
  readonly #sources = new Map<string, ms.Producer>();
  /** canvas id → producer given to the view. */
  readonly #outputs = new Map<string, ms.Producer>();
  /** target → canvas it shows. */
  #targets = new Map<string, string>();
  #closed = false;

  constructor(o: { router: ms.Router; view: VideoView; log: Logger }) {
    this.#router = o.router;
    this.#view = o.view;
    this.#log = o.log;
  }

  /** Throws a MEDIA_FAILED naming what is missing (GStreamer, the CJK font) when no compositor can start. */
  static check(): void {
    checkGstreamer();
    cjkFontFamily();
  }

  /** Pictures.check() as the operator's error: COMPOSITOR_UNAVAILABLE saying what is missing. */
  static checkOrRefuse(): void {
    try {
      Pictures.check();
    } catch (e) {
      throw new VcError(
        'COMPOSITOR_UNAVAILABLE',
        say('media.comp.cannotStart', { why: (e as Error).message }),
        undefined,
        {
          cause: e,
        },
      );
    }
  }

  /** Whether a compositor could start (for transcoding decisions; never throws). */
  static get available(): boolean {
    try {
      Pictures.check();
      return true;
    } catch {
      return false;
    }
  }

  get compositor(): Compositor | undefined {
    return this.#compositor;
  }

  /** The canvas a target shows, if any. */
  canvasOf(targetId: string): string | undefined {
    return this.#targets.get(targetId);
  }

  /** What the compositor encodes (each canvas with the targets shown it) and decodes now; undefined while none runs. */
  usage(): PicturesUsage | undefined {
    const u = this.#compositor?.usage();
    if (!u) return undefined;
    const viewers = new Map<string, string[]>();
    for (const [t, canvas] of this.#targets) viewers.set(canvas, [...(viewers.get(canvas) ?? []), t]);
    return { ...u, canvases: u.canvases.map((c) => ({ ...c, targets: viewers.get(c.id) ?? [] })) };
  }

  addSource(id: string, producer: ms.Producer): void {
    this.#sources.set(id, producer);
    this.#compositor
      ?.addSource(id, producer)
      .catch((err: unknown) => this.#log.warn({ err, id }, 'compositor cannot take the source'));
  }

  removeSource(id: string): void {
    if (!this.#sources.delete(id)) return;
    this.#compositor
      ?.removeSource(id)
      .catch((err: unknown) => this.#log.debug({ err, id }, 'compositor source removal failed'));
  }

  /** Show every planned target its canvas; targets not in the plan are left to the caller. */
  async apply(plan: Map<string, Picture>): Promise<void> {
    if (this.#closed) return;
    if (plan.size === 0 && !this.#compositor && !this.#starting) return;
    const c = await this.#ensure();
    const specs = new Map<string, CanvasSpec>();
    for (const p of plan.values()) specs.set(p.canvasId, p.spec);
    const producers = await c.setCanvases(specs);
    for (const [id, producer] of producers) {
      if (this.#outputs.get(id) === producer) continue;
      this.#outputs.set(id, producer);
      await this.#view.addSource(CANVAS + id, producer);
    }
    for (const id of [...this.#outputs.keys()]) {
      if (producers.has(id)) continue;
      this.#outputs.delete(id);
      this.#view.removeSource(CANVAS + id);
    }
    this.#targets = new Map([...plan].map(([t, p]) => [t, p.canvasId]));
    for (const [t, canvasId] of this.#targets) {
      const v = this.#view.viewOf(t);
      const src = CANVAS + canvasId;
      // a target not in the view yet (a leg still moving after a worker death) is shown it when it comes
      if (!v || (v.showing === src && v.pending === null) || v.pending === src) continue;
      await this.#view.select(t, src);
    }
    if (plan.size === 0) this.#stop();
  }

  /** Start the compositor now (a layout was chosen); throws COMPOSITOR_UNAVAILABLE saying why it cannot. */
  async start(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#ensure();
    } catch (e) {
      throw new VcError(
        'COMPOSITOR_UNAVAILABLE',
        say('media.comp.cannotStart', { why: (e as Error).message }),
        undefined,
        {
          cause: e,
        },
      );
    }
  }

  /** A room asked for a picture refresh (SIP INFO): true when it watches a canvas. */
  keyframe(targetId: string): boolean {
    const canvas = this.#targets.get(targetId);
    if (!canvas || !this.#compositor) return false;
    this.#compositor.keyframe(canvas);
    return true;
  }

  /** After a worker death: a new view on `router`; canvases come back as new producers. */
  async rebuild(router: ms.Router, view: VideoView): Promise<void> {
    this.#router = router;
    this.#view = view;
    this.#outputs.clear();
    const c = this.#compositor;
    if (!c) return;
    const producers = await c.rebuild(router);
    for (const [id, producer] of producers) {
      this.#outputs.set(id, producer);
      await view.addSource(CANVAS + id, producer);
    }
    // the rooms' targets come back as their legs move (the conference applies its plan again then)
    for (const [t, canvasId] of this.#targets) if (view.viewOf(t)) await view.select(t, CANVAS + canvasId);
  }

  close(): void {
    this.#closed = true;
    this.#stop();
  }

  #stop(): void {
    const c = this.#compositor;
    this.#compositor = undefined;
    this.#starting = undefined;
    for (const id of this.#outputs.keys()) this.#view.removeSource(CANVAS + id);
    this.#outputs.clear();
    this.#targets.clear();
    c?.close();
  }

  async #ensure(): Promise<Compositor> {
    if (this.#compositor) return this.#compositor;
    this.#starting ??= (async () => {
      const c = await Compositor.create({ router: this.#router, log: this.#log });
      for (const [id, p] of this.#sources) if (!p.closed) await c.addSource(id, p);
      return c;
    })();
    const starting = this.#starting;
    try {
      const c = await starting;
      if (this.#starting !== starting || this.#closed) {
        c.close();
        throw new VcError('MEDIA_FAILED', say('media.comp.stoppedStarting'));
      }
      this.#compositor = c;
      return c;
    } catch (e) {
      if (this.#starting === starting) this.#starting = undefined;
      throw e;
    }
  }
}
