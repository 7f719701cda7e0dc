// The multi-picture compositor of one conference, on the mediasoup side.
//
//   source producer ─▶ consumer (paused while off screen) ─▶ PlainTransport ─▶ udpsrc ┐
//                                                                                     ├ GstProcess: decode,
//   output producer ◀─ PlainTransport ◀─ Node socket (feedback) ◀─ udpsink ◀──────────┘ compose, label, encode
//
// mediasoup stays the switch: inputs are plain-RTP consumers (only sources on some screen get
// packets, so only they are decoded) and every canvas comes back as a producer that rooms consume
// through the VideoView like any other source. One canvas per (group of viewers, output class): the
// rooms of one class that see the same picture share one encoder.
//
// This class keeps the picture state (canvases, sources, scenes) and drives the parts: SourceFeeds
// (inputs and their keyframe requests), CanvasOutputs (the producers, the socket, encoder keyframes),
// ProcessKeeper (the process and its spare). If the process dies, a new one gets every canvas, source
// and scene again; the output producers and their SSRCs survive, so rooms keep their consumers.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { routerVideoCodec } from '../mediaCodecs.js';
import type { VideoCodecKey } from '../types.js';
import { checkGstreamer, type GstProcess } from './GstProcess.js';
import { cjkFontFamily } from './cjkFont.js';
import { paneRects, type FixedLayout } from './layouts.js';
import { CanvasOutputs, type OutputCanvas } from './CanvasOutputs.js';
import { SourceFeeds, type FeedSource } from './SourceFeeds.js';
import { ProcessKeeper } from './ProcessKeeper.js';

export { KEYFRAME_MIN_INTERVAL_MS } from './CanvasOutputs.js';

/** What an encoder produces: rooms that agree on all of it share one. */
export interface OutputClass {
  key: VideoCodecKey;
  width: number;
  height: number;
  fps: number;
  kbps: number;
}

export interface PaneSpec {
  /** The source shown in the pane; null (or a source that sends nothing): its label on a dark background. */
  sourceId: string | null;
  label: string;
  /** Whose pane it is (for `conf show`), even when it shows a placeholder. */
  site?: string | null;
}

export interface CanvasSpec {
  cls: OutputClass;
  layout: FixedLayout;
  panes: PaneSpec[];
  banner: string | null;
}

/** What the process encodes and decodes now (`conf show`): no process round trip. */
export interface CompositorUsage {
  canvases: { id: string; cls: OutputClass; layout: FixedLayout }[];
  /** Sources whose feed runs (on some screen): decoded. */
  decoding: { id: string; live: boolean }[];
  /** Sources known but not fed (on no screen, their consumer paused or never made). */
  idle: string[];
}

export interface CompositorStats {
  sources: Record<string, { frames: number; live: boolean }>;
  canvases: Record<string, { packets: number; forcedKeyframes: number }>;
}

type CompositorEvents = {
  /** A source's decoder started (live) or stopped producing pictures. */
  sourceLive: [{ id: string; live: boolean }];
  /** The process died and everything was restored on a new one, in `ms`. */
  restarted: [{ ms: number; pid: number | undefined }];
};

export class Compositor extends TypedEmitter<CompositorEvents> {
  readonly #log: Logger;
  readonly #font: string;
  #router: ms.Router;
  readonly #outputs: CanvasOutputs;
  readonly #feeds: SourceFeeds;
  readonly #keeper: ProcessKeeper;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;
  #diedAt: number | undefined;

  /** Checks GStreamer and the CJK font first: a clear MEDIA_FAILED when either is missing. */
  static async create(o: { router: ms.Router; log: Logger }): Promise<Compositor> {
    checkGstreamer();
    const font = cjkFontFamily();
    const log = o.log.child({ component: 'media.compositor' });
    let c: Compositor | undefined;
    const outputs = await CanvasOutputs.create({
      router: o.router,
      log,
      sendKeyframe: (id) => {
        if (c) c.#sendKeyframe(id);
      },
    });
    try {
      c = new Compositor(o.router, log, font, outputs);
      await c.#keeper.replace();
      return c;
    } catch (e) {
      c?.close();
      outputs.close();
      throw e instanceof VcError
        ? e
        : new VcError('MEDIA_FAILED', say('media.comp.cannotStartWhy', { why: (e as Error).message }), undefined, {
            cause: e,
          });
    }
  }

  private constructor(router: ms.Router, log: Logger, font: string, outputs: CanvasOutputs) {
    super();
    this.#router = router;
    this.#log = log;
    this.#font = font;
    this.#outputs = outputs;
    this.#feeds = new SourceFeeds({ router, log, rtcpPort: () => outputs.port });
    this.#keeper = new ProcessKeeper({ log, wire: (p) => this.#wire(p) });
  }

  get pid(): number | undefined {
    return this.#keeper.current?.pid;
  }

  /** The output producer of a canvas (undefined until setCanvases() made it). */
  output(canvasId: string): ms.Producer | undefined {
    return this.#outputs.get(canvasId)?.producer;
  }

  get canvasIds(): string[] {
    return this.#outputs.ids();
  }

  isLive(sourceId: string): boolean {
    return this.#feeds.get(sourceId)?.live ?? false;
  }

  usage(): CompositorUsage {
    const canvases = [...this.#outputs.values()].map((c) => ({ id: c.id, cls: c.spec.cls, layout: c.spec.layout }));
    const decoding: CompositorUsage['decoding'] = [];
    const idle: string[] = [];
    for (const s of this.#feeds.values()) {
      const fed = s.consumer && !s.consumer.closed && !s.consumer.paused;
      if (fed) decoding.push({ id: s.id, live: s.live });
      else idle.push(s.id);
    }
    return { canvases, decoding, idle };
  }

  /** A video producer that may be put on screen (nothing is decoded until a pane shows it). */
  addSource(id: string, producer: ms.Producer): Promise<void> {
    return this.#serial(async () => {
      const old = this.#feeds.get(id);
      if (old?.producer === producer) return;
      if (old) await this.#dropSource(old);
      const src = this.#feeds.add(id, producer);
      producer.observer.once('close', () => {
        if (this.#feeds.get(id) === src)
          this.removeSource(id).catch((e: unknown) => this.#log.debug({ err: e }, 'remove source failed'));
      });
      if (this.#onScreen(id)) {
        await this.#feeds.feed(src, this.#keeper.running());
        for (const c of this.#outputs.values()) await this.#scene(c, false);
      }
    });
  }

  removeSource(id: string): Promise<void> {
    return this.#serial(async () => {
      const src = this.#feeds.get(id);
      if (src) await this.#dropSource(src);
    });
  }

  /**
   * The canvases wanted now, by id (the caller's choice: one per group of viewers and class).
   * Canvases not listed are removed; new ones are created; the others get their new scene (a live
   * change of pad positions and labels, then a keyframe). Resolves with every canvas's producer.
   */
  setCanvases(specs: Map<string, CanvasSpec>): Promise<Map<string, ms.Producer>> {
    return this.#serial(async () => {
      for (const c of [...this.#outputs.values()]) if (!specs.has(c.id)) await this.#dropCanvas(c);
      const changed = new Set<string>();
      for (const [id, spec] of specs) {
        const c = this.#outputs.get(id);
        // unchanged only if the process has its scene (a scene that timed out is sent again)
        if (c && c.shown === JSON.stringify(spec)) continue;
        changed.add(id);
        if (!c) await this.#addCanvas(id, spec);
        else if (JSON.stringify(c.spec.cls) !== JSON.stringify(spec.cls)) {
          await this.#dropCanvas(c);
          await this.#addCanvas(id, spec);
        } else c.spec = spec;
      }
      // feed what is on screen, starve what is not
      for (const src of this.#feeds.values()) {
        if (this.#onScreen(src.id)) await this.#feeds.feed(src, this.#keeper.running());
        else await this.#feeds.starve(src);
      }
      for (const id of changed) await this.#scene(this.#outputs.get(id)!, true);
      return this.#outputs.producers();
    });
  }

  /** A room asked for a picture refresh of a canvas (PLI/FIR come by RTCP by themselves; this is for SIP INFO). */
  keyframe(canvasId: string): void {
    const c = this.#outputs.get(canvasId);
    if (c) this.#outputs.keyframe(c);
  }

  /**
   * The process's counters: pictures decoded per source, and per canvas the packets sent and the
   * keyframes made on request (PLI/FIR/SIP INFO, scenes). Asked at once, not queued behind other work.
   */
  async stats(): Promise<CompositorStats> {
    const proc = this.#keeper.current;
    if (!proc?.alive) throw new VcError('MEDIA_FAILED', say('media.comp.restarting'));
    const r = await proc.request('stats');
    const sources = (r['sources'] ?? {}) as Record<string, { frames: number; live: boolean }>;
    const canvases = (r['canvases'] ?? {}) as Record<string, { frames: number; forced_keyframes: number }>;
    return {
      sources,
      canvases: Object.fromEntries(
        Object.entries(canvases).map(([id, c]) => [id, { packets: c.frames, forcedKeyframes: c.forced_keyframes }]),
      ),
    };
  }

  /** After a worker death: everything mediasoup-side again on `router`; the process stays. */
  rebuild(router: ms.Router): Promise<Map<string, ms.Producer>> {
    return this.#serial(async () => {
      this.#router = router;
      this.#feeds.router = router;
      // the sources' producers are rebuilt by their legs; they come back through addSource()
      for (const s of this.#feeds.values()) {
        s.transport = undefined;
        s.consumer = undefined;
      }
      // the process keeps its canvases (same ports, SSRCs): only the producers are new
      await this.#outputs.rebuild(router);
      return this.#outputs.producers();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#feeds.close();
    this.#outputs.close();
    this.#keeper.close();
    this.removeAllListeners();
  }

  // internals ------------------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(async () => {
      if (this.#closed) throw new VcError('MEDIA_FAILED', say('media.comp.closed'));
      await this.#ensureProcess();
      return fn();
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  #onScreen(sourceId: string): boolean {
    for (const c of this.#outputs.values()) if (c.spec.panes.some((p) => p.sourceId === sourceId)) return true;
    return false;
  }

  /** The owner's listeners on a new process (the spare's too: they act only once it is current). */
  #wire(proc: GstProcess): void {
    proc.on('source', (e) => {
      if (this.#feeds.setLive(e.id, e.live)) this.emit('sourceLive', e);
    });
    proc.on('needKey', (e) => this.#feeds.askKeyframe(e.id));
    proc.on('exit', (e) => {
      if (this.#closed || this.#keeper.current !== proc) return;
      this.#log.error({ code: e.code, signal: e.signal, stderr: e.stderr.slice(-4000) }, 'compositor process died');
      this.#diedAt ??= performance.now();
      this.#respawn();
    });
  }

  /** After a death: restore on a new process (after a delay that grows while attempts fail). */
  #respawn(): void {
    setTimeout(() => {
      if (this.#closed) return;
      this.#serial(() => this.#ensureProcess()).catch((err: unknown) => {
        this.#log.error({ err }, 'compositor restart failed; trying again');
        if (!this.#closed && !this.#keeper.alive) this.#respawn();
      });
    }, this.#keeper.nextDelay()).unref();
  }

  /**
   * Inside a serial task: a live process with every canvas, source and scene. A task that finds the
   * process dead restores it itself, so commands arriving during a restart wait for it instead of failing.
   */
  async #ensureProcess(): Promise<void> {
    if (this.#keeper.alive) return;
    const proc = await this.#keeper.replace();
    // every source transport pointed at the dead process's ports
    for (const s of this.#feeds.values()) {
      this.#feeds.unfeed(s);
      s.live = false;
    }
    // all at once: the restore is on the rooms' screens (goal: back within 2 s)
    const canvases = [...this.#outputs.values()];
    await Promise.all(canvases.map((c) => this.#createInProcess(c)));
    const shown = [...this.#feeds.values()].filter((s) => this.#onScreen(s.id));
    await Promise.all(shown.map((s) => this.#feeds.feed(s, proc)));
    await Promise.all(canvases.map((c) => this.#scene(c, true)));
    this.#keeper.restored();
    const took = Math.round(performance.now() - (this.#diedAt ?? performance.now()));
    this.#diedAt = undefined;
    this.#log.warn({ ms: took, pid: proc.pid }, 'compositor restarted, pictures restored');
    this.emit('restarted', { ms: took, pid: proc.pid });
  }

  async #addCanvas(id: string, spec: CanvasSpec): Promise<void> {
    const c = await this.#outputs.add(id, spec);
    try {
      await this.#createInProcess(c);
    } catch (e) {
      this.#outputs.drop(c);
      throw e;
    }
  }

  async #createInProcess(c: OutputCanvas): Promise<void> {
    const { key, width, height, fps, kbps } = c.spec.cls;
    const pt = routerVideoCodec(this.#router.rtpCapabilities, key).preferredPayloadType ?? 0;
    await this.#keeper.running().request('add_canvas', {
      canvas: c.id,
      codec: key,
      width,
      height,
      fps,
      kbps,
      pt,
      ssrc: this.#outputs.rewire(c),
      port: this.#outputs.port,
      font: this.#font,
    });
  }

  async #dropCanvas(c: OutputCanvas): Promise<void> {
    this.#outputs.drop(c);
    if (this.#keeper.alive) await this.#keeper.running().request('remove_canvas', { canvas: c.id });
  }

  async #dropSource(src: FeedSource): Promise<void> {
    this.#feeds.delete(src);
    this.#feeds.unfeed(src);
    if (this.#keeper.alive) await this.#keeper.running().request('remove_source', { source: src.id });
    for (const c of this.#outputs.values())
      if (c.spec.panes.some((p) => p.sourceId === src.id)) await this.#scene(c, false);
  }

  async #scene(c: OutputCanvas, keyframe: boolean): Promise<void> {
    const { width, height } = c.spec.cls;
    const panes = paneRects(c.spec.layout, width, height).map((r, i) => {
      const p = c.spec.panes[i];
      const known = p?.sourceId && this.#feeds.get(p.sourceId)?.transport ? p.sourceId : null;
      return { ...r, source: known, label: p?.label ?? '' };
    });
    const shown = JSON.stringify(c.spec);
    c.shown = undefined;
    await this.#keeper.running().request('scene', { canvas: c.id, panes, banner: c.spec.banner, keyframe: false });
    c.shown = shown;
    if (keyframe) this.#outputs.keyframe(c);
  }

  #sendKeyframe(canvasId: string): void {
    const proc = this.#keeper.current;
    if (!proc?.alive) return;
    proc
      .request('keyframe', { canvas: canvasId })
      .catch((e: unknown) => this.#log.debug({ err: e }, 'keyframe failed'));
  }
}
