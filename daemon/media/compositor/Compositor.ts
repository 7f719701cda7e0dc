// The multi-picture compositor of one conference, on the mediasoup side.
//
//   source producer ─▶ consumer (paused while off screen) ─▶ PlainTransport ─▶ udpsrc ┐
//                                                                                     ├ GstProcess: decode,
//   output producer ◀─ PlainTransport ◀─ Node socket (feedback) ◀─ udpsink ◀──────────┘ compose, label, encode
//
// mediasoup stays the switch: inputs are plain-RTP consumers (only sources on some screen get
// packets, so only they are decoded) and every canvas comes back as a producer that rooms consume
// through the VideoView like any other source. One canvas per (group of viewers, output class): the
// rooms of one class that see the same picture share one encoder. The Node socket in the middle sees
// the rooms' PLI/FIR for the outputs and turns them into (rate-limited) encoder keyframes.
//
// If the process dies it is started again and every canvas, source and scene is restored; the output
// producers and their SSRCs survive, so rooms keep their consumers (NOTES: restore within 2 s).
import dgram from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { VcError } from '../../errors.js';
import { plainConsumeCaps, producerParams, routerVideoCodec, videoKeyOfCodec } from '../mediaCodecs.js';
import { isRtcp, parseRtp, randomSsrc, setSeq, setSsrc, setTs } from '../rtp/packet.js';
import { StreamRebaser } from '../rtp/StreamRebaser.js';
import { hasKeyframeRequest, keyframeRequestSsrcs } from '../rtp/rtcp.js';
import type { VideoCodecKey } from '../types.js';
import { GstProcess, checkGstreamer } from './GstProcess.js';
import { cjkFontFamily } from './cjkFont.js';
import { paneRects, type FixedLayout } from './layouts.js';

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

type CompositorEvents = {
  /** A source's decoder started (live) or stopped producing pictures. */
  sourceLive: [{ id: string; live: boolean }];
  /** The process died and everything was restored on a new one, in `ms`. */
  restarted: [{ ms: number; pid: number | undefined }];
};

/** Between two encoder keyframes of one canvas (rooms' PLI/FIR/SIP INFO, layout changes). */
export const KEYFRAME_MIN_INTERVAL_MS = 500;
/** A source on screen that shows no picture is asked for a keyframe this often. */
const SOURCE_KEYFRAME_RETRY_MS = 1000;
/** Respawn delays after the process died (ms); the last one repeats. */
const RESPAWN_DELAYS = [0, 200, 500, 1000, 2000, 5000];

interface Source {
  id: string;
  producer: ms.Producer;
  key: VideoCodecKey;
  /** Set while the process knows the source (it has a udpsrc for it). */
  transport?: ms.PlainTransport;
  consumer?: ms.Consumer;
  live: boolean;
  lastAsked: number;
}

interface Canvas {
  id: string;
  spec: CanvasSpec;
  /** The output producer's SSRC: constant for the canvas's life. */
  ssrc: number;
  /** What the current process sends with (new after a restart); renamed to `ssrc` here, with seq and
   *  timestamps rebased, so rooms see one unbroken stream across a compositor restart. */
  wireSsrc: number;
  rebase: StreamRebaser;
  producer: ms.Producer;
  lastKeyframe: number;
  keyframeTimer?: NodeJS.Timeout;
}

export class Compositor extends TypedEmitter<CompositorEvents> {
  readonly #log: Logger;
  readonly #font: string;
  readonly #socket: dgram.Socket;
  #router: ms.Router;
  #out: ms.PlainTransport;
  #proc: GstProcess | undefined;
  /** A started, idle process that takes over at once when #proc dies (saves its ~0.7 s start). */
  #spare: Promise<GstProcess> | undefined;
  readonly #sources = new Map<string, Source>();
  readonly #canvases = new Map<string, Canvas>();
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout;
  #closed = false;
  #respawns = 0;
  #diedAt: number | undefined;

  /** Checks GStreamer and the CJK font first: a clear MEDIA_FAILED when either is missing. */
  static async create(o: { router: ms.Router; log: Logger }): Promise<Compositor> {
    checkGstreamer();
    const font = cjkFontFamily();
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const out = await Compositor.#outputTransport(o.router, socket);
      const c = new Compositor(o, font, socket, out);
      c.#proc = await c.#startProcess();
      c.#warmSpare();
      return c;
    } catch (e) {
      socket.close();
      throw e instanceof VcError
        ? e
        : new VcError('MEDIA_FAILED', `cannot start the compositor: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  static async #outputTransport(router: ms.Router, socket: dgram.Socket): Promise<ms.PlainTransport> {
    const t = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: false,
    });
    await t.connect({ ip: '127.0.0.1', port: socket.address().port });
    return t;
  }

  private constructor(
    o: { router: ms.Router; log: Logger },
    font: string,
    socket: dgram.Socket,
    out: ms.PlainTransport,
  ) {
    super();
    this.#router = o.router;
    this.#log = o.log.child({ component: 'media.compositor' });
    this.#font = font;
    this.#socket = socket;
    this.#out = out;
    socket.on('error', (e) => this.#log.warn({ err: e }, 'compositor socket error'));
    socket.on('message', (m, rinfo) => this.#onPacket(m, rinfo.port));
    this.#timer = setInterval(() => this.#retrySourceKeyframes(), 250);
    this.#timer.unref();
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** The output producer of a canvas (undefined until setCanvases() made it). */
  output(canvasId: string): ms.Producer | undefined {
    return this.#canvases.get(canvasId)?.producer;
  }

  get canvasIds(): string[] {
    return [...this.#canvases.keys()];
  }

  isLive(sourceId: string): boolean {
    return this.#sources.get(sourceId)?.live ?? false;
  }

  /** A video producer that may be put on screen (nothing is decoded until a pane shows it). */
  addSource(id: string, producer: ms.Producer): Promise<void> {
    return this.#serial(async () => {
      const pc = producer.rtpParameters.codecs[0];
      const key = pc ? videoKeyOfCodec(pc) : undefined;
      if (!key) throw new VcError('MEDIA_FAILED', `producer ${producer.id} is not VP8/H.264 video`);
      const old = this.#sources.get(id);
      if (old?.producer === producer) return;
      if (old) await this.#dropSource(old);
      const src: Source = { id, producer, key, live: false, lastAsked: 0 };
      this.#sources.set(id, src);
      producer.observer.once('close', () => {
        if (this.#sources.get(id) === src)
          this.removeSource(id).catch((e: unknown) => this.#log.debug({ err: e }, 'remove source failed'));
      });
      if (this.#onScreen(id)) {
        await this.#feed(src);
        for (const c of this.#canvases.values()) await this.#scene(c, false);
      }
    });
  }

  removeSource(id: string): Promise<void> {
    return this.#serial(async () => {
      const src = this.#sources.get(id);
      if (!src) return;
      this.#sources.delete(id);
      await this.#dropSource(src);
    });
  }

  /**
   * The canvases wanted now, by id (the caller's choice: one per group of viewers and class).
   * Canvases not listed are removed; new ones are created; the others get their new scene (a live
   * change of pad positions and labels, then a keyframe). Resolves with every canvas's producer.
   */
  setCanvases(specs: Map<string, CanvasSpec>): Promise<Map<string, ms.Producer>> {
    return this.#serial(async () => {
      for (const [id, c] of [...this.#canvases]) if (!specs.has(id)) await this.#dropCanvas(c);
      const changed = new Set<string>();
      for (const [id, spec] of specs) {
        const c = this.#canvases.get(id);
        if (c && JSON.stringify(c.spec) === JSON.stringify(spec)) continue;
        changed.add(id);
        if (!c) await this.#addCanvas(id, spec);
        else if (JSON.stringify(c.spec.cls) !== JSON.stringify(spec.cls)) {
          await this.#dropCanvas(c);
          await this.#addCanvas(id, spec);
        } else c.spec = spec;
      }
      // feed what is on screen, starve what is not
      for (const src of this.#sources.values()) {
        if (this.#onScreen(src.id)) await this.#feed(src);
        else if (src.consumer && !src.consumer.paused) await src.consumer.pause();
      }
      for (const id of changed) await this.#scene(this.#canvases.get(id)!, true);
      return new Map([...this.#canvases].map(([id, c]) => [id, c.producer]));
    });
  }

  /** A room asked for a picture refresh of a canvas (PLI/FIR come by RTCP by themselves; this is for SIP INFO). */
  keyframe(canvasId: string): void {
    const c = this.#canvases.get(canvasId);
    if (c) this.#keyframe(c);
  }

  /** After a worker death: everything mediasoup-side again on `router`; the process stays. */
  rebuild(router: ms.Router): Promise<Map<string, ms.Producer>> {
    return this.#serial(async () => {
      this.#router = router;
      for (const s of this.#sources.values()) {
        s.transport = undefined;
        s.consumer = undefined;
      }
      this.#out = await Compositor.#outputTransport(router, this.#socket);
      const specs = [...this.#canvases.values()];
      this.#canvases.clear();
      // the process keeps its canvases (same ports, SSRCs): only the producers are new
      for (const c of specs) {
        c.producer = await this.#produce(c.spec.cls.key, c.ssrc, c.id);
        this.#canvases.set(c.id, c);
      }
      // the sources' producers are rebuilt by their legs; they come back through addSource()
      return new Map([...this.#canvases].map(([id, c]) => [id, c.producer]));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const c of this.#canvases.values()) clearTimeout(c.keyframeTimer);
    for (const s of this.#sources.values()) if (s.transport && !s.transport.closed) s.transport.close();
    if (!this.#out.closed) this.#out.close();
    this.#proc?.close();
    this.#spare?.then((p) => p.close()).catch(() => undefined);
    this.#spare = undefined;
    this.#socket.close();
    this.#sources.clear();
    this.#canvases.clear();
    this.removeAllListeners();
  }

  // internals ------------------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(async () => {
      if (this.#closed) throw new VcError('MEDIA_FAILED', 'the compositor is closed');
      await this.#ensureProcess();
      return fn();
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  #onScreen(sourceId: string): boolean {
    for (const c of this.#canvases.values()) if (c.spec.panes.some((p) => p.sourceId === sourceId)) return true;
    return false;
  }

  #running(): GstProcess {
    if (!this.#proc?.alive) throw new VcError('MEDIA_FAILED', 'the compositor process is restarting');
    return this.#proc;
  }

  async #startProcess(): Promise<GstProcess> {
    const proc = await GstProcess.start({ log: this.#log });
    proc.on('source', (e) => this.#onSourceState(e.id, e.live));
    proc.on('needKey', (e) => {
      const s = this.#sources.get(e.id);
      if (s) this.#askKeyframe(s, performance.now());
    });
    proc.on('exit', (e) => {
      if (this.#closed || this.#proc !== proc) return;
      this.#log.error({ code: e.code, signal: e.signal, stderr: e.stderr.slice(-4000) }, 'compositor process died');
      this.#respawn(performance.now());
    });
    return proc;
  }

  /** Start the spare process in the background (one at a time; a spare that died is replaced when taken). */
  #warmSpare(): void {
    if (this.#closed || this.#spare) return;
    const p = this.#startProcess();
    p.then(
      (proc) => {
        if (this.#closed) proc.close();
      },
      (err: unknown) => this.#log.warn({ err }, 'the spare compositor process did not start'),
    );
    this.#spare = p;
  }

  /** The spare if it is up and running, else undefined (the caller starts a process itself). */
  async #takeSpare(): Promise<GstProcess | undefined> {
    const p = this.#spare;
    this.#spare = undefined;
    if (!p) return undefined;
    try {
      const proc = await p;
      return proc.alive ? proc : undefined;
    } catch {
      return undefined; // its failure was logged by #warmSpare
    }
  }

  /** After a death: start again (after a short, growing delay) and restore everything. */
  #respawn(t0: number): void {
    const delay = RESPAWN_DELAYS[Math.min(this.#respawns, RESPAWN_DELAYS.length - 1)]!;
    this.#respawns++;
    this.#diedAt ??= t0;
    setTimeout(() => {
      if (this.#closed) return;
      this.#serial(() => this.#ensureProcess()).catch((err: unknown) => {
        this.#log.error({ err }, 'compositor restart failed; trying again');
        if (!this.#closed && !this.#proc?.alive) this.#respawn(t0);
      });
    }, delay).unref();
  }

  /**
   * Inside a serial task: a live process with every canvas, source and scene. A task that finds the
   * process dead restores it itself, so commands arriving during a restart wait for it instead of failing.
   */
  async #ensureProcess(): Promise<void> {
    if (this.#proc?.alive) return;
    this.#proc = (await this.#takeSpare()) ?? (await this.#startProcess());
    this.#warmSpare();
    // every source transport pointed at the dead process's ports
    for (const s of this.#sources.values()) {
      if (s.transport && !s.transport.closed) s.transport.close();
      s.transport = undefined;
      s.consumer = undefined;
      s.live = false;
    }
    // all at once: the restore is on the rooms' screens (goal: back within 2 s)
    await Promise.all([...this.#canvases.values()].map((c) => this.#createInProcess(c)));
    await Promise.all([...this.#sources.values()].filter((s) => this.#onScreen(s.id)).map((s) => this.#feed(s)));
    await Promise.all([...this.#canvases.values()].map((c) => this.#scene(c, true)));
    this.#respawns = 0;
    const took = Math.round(performance.now() - (this.#diedAt ?? performance.now()));
    this.#diedAt = undefined;
    this.#log.warn({ ms: took, pid: this.#proc.pid }, 'compositor restarted, pictures restored');
    this.emit('restarted', { ms: took, pid: this.#proc.pid });
  }

  async #produce(key: VideoCodecKey, ssrc: number, canvasId: string): Promise<ms.Producer> {
    return this.#out.produce({
      kind: 'video',
      rtpParameters: producerParams(routerVideoCodec(this.#router.rtpCapabilities, key), ssrc),
      appData: { canvas: canvasId },
    });
  }

  async #addCanvas(id: string, spec: CanvasSpec): Promise<void> {
    const ssrc = randomSsrc();
    const producer = await this.#produce(spec.cls.key, ssrc, id);
    const c: Canvas = { id, spec, ssrc, wireSsrc: 0, rebase: new StreamRebaser(0), producer, lastKeyframe: 0 };
    this.#canvases.set(id, c);
    try {
      await this.#createInProcess(c);
    } catch (e) {
      this.#canvases.delete(id);
      producer.close();
      throw e;
    }
  }

  async #createInProcess(c: Canvas): Promise<void> {
    const { key, width, height, fps, kbps } = c.spec.cls;
    const pt = routerVideoCodec(this.#router.rtpCapabilities, key).preferredPayloadType ?? 0;
    c.wireSsrc = randomSsrc();
    await this.#running().request('add_canvas', {
      canvas: c.id,
      codec: key,
      width,
      height,
      fps,
      kbps,
      pt,
      ssrc: c.wireSsrc,
      port: this.#socket.address().port,
      font: this.#font,
    });
  }

  async #dropCanvas(c: Canvas): Promise<void> {
    this.#canvases.delete(c.id);
    clearTimeout(c.keyframeTimer);
    if (!c.producer.closed) c.producer.close();
    if (this.#proc?.alive) await this.#proc.request('remove_canvas', { canvas: c.id });
  }

  /** Make sure the process decodes the source and its consumer runs (asking for a keyframe). */
  async #feed(src: Source): Promise<void> {
    if (!src.transport) {
      const pt = routerVideoCodec(this.#router.rtpCapabilities, src.key).preferredPayloadType ?? 0;
      const r = await this.#running().request('add_source', { source: src.id, codec: src.key, pt });
      const port = Number(r['port']);
      const t = await this.#router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: false,
      });
      // sender reports go to our socket, which ignores them
      await t.connect({ ip: '127.0.0.1', port, rtcpPort: this.#socket.address().port });
      src.transport = t;
      src.consumer = await t.consume({
        producerId: src.producer.id,
        rtpCapabilities: plainConsumeCaps(routerVideoCodec(this.#router.rtpCapabilities, src.key)),
        paused: true,
      });
    }
    const consumer = src.consumer;
    if (consumer && consumer.paused) {
      await consumer.resume();
      src.lastAsked = performance.now();
      await consumer.requestKeyFrame();
    }
  }

  async #dropSource(src: Source): Promise<void> {
    if (src.transport && !src.transport.closed) src.transport.close();
    src.transport = undefined;
    src.consumer = undefined;
    if (this.#proc?.alive) await this.#proc.request('remove_source', { source: src.id });
    for (const c of this.#canvases.values())
      if (c.spec.panes.some((p) => p.sourceId === src.id)) await this.#scene(c, false);
  }

  async #scene(c: Canvas, keyframe: boolean): Promise<void> {
    const { width, height } = c.spec.cls;
    const rects = paneRects(c.spec.layout, width, height);
    const panes = rects.map((r, i) => {
      const p = c.spec.panes[i];
      const known = p?.sourceId && this.#sources.get(p.sourceId)?.transport ? p.sourceId : null;
      return { ...r, source: known, label: p?.label ?? '' };
    });
    await this.#running().request('scene', { canvas: c.id, panes, banner: c.spec.banner, keyframe: false });
    if (keyframe) this.#keyframe(c);
  }

  #keyframe(c: Canvas): void {
    if (c.keyframeTimer) return; // one is already due
    const wait = c.lastKeyframe + KEYFRAME_MIN_INTERVAL_MS - performance.now();
    const fire = (): void => {
      c.keyframeTimer = undefined;
      c.lastKeyframe = performance.now();
      if (!this.#proc?.alive || !this.#canvases.has(c.id)) return;
      this.#proc
        .request('keyframe', { canvas: c.id })
        .catch((e: unknown) => this.#log.debug({ err: e }, 'keyframe failed'));
    };
    if (wait <= 0) fire();
    else c.keyframeTimer = setTimeout(fire, wait);
  }

  #onSourceState(id: string, live: boolean): void {
    const src = this.#sources.get(id);
    if (!src || src.live === live) return;
    src.live = live;
    this.emit('sourceLive', { id, live });
  }

  /** Every source on screen that shows no picture keeps being asked (rate-limited) until it does. */
  #retrySourceKeyframes(): void {
    const now = performance.now();
    for (const s of this.#sources.values()) if (!s.live) this.#askKeyframe(s, now);
  }

  #askKeyframe(s: Source, now: number): void {
    const c = s.consumer;
    // a paused consumer is off screen: nothing to decode
    if (!c || c.closed || c.paused || now - s.lastAsked < SOURCE_KEYFRAME_RETRY_MS) return;
    s.lastAsked = now;
    this.#log.debug({ id: s.id, live: s.live }, 'asking a source for a keyframe');
    c.requestKeyFrame().catch((e: unknown) => this.#log.debug({ err: e }, 'source keyframe request failed'));
  }

  #onPacket(msg: Buffer, fromPort: number): void {
    if (this.#closed) return;
    if (isRtcp(msg)) {
      // from mediasoup: the rooms' picture-loss reports for our outputs (and sender reports, ignored)
      if (!hasKeyframeRequest(msg)) return;
      const ssrcs = keyframeRequestSsrcs(msg);
      for (const c of this.#canvases.values()) if (ssrcs.includes(c.ssrc)) this.#keyframe(c);
      return;
    }
    const v = fromPort === this.#out.tuple.localPort ? undefined : parseRtp(msg);
    if (!v) return;
    // an encoded canvas from the process: into mediasoup, as the canvas's own continuous stream
    let c: Canvas | undefined;
    for (const x of this.#canvases.values()) if (x.wireSsrc === v.ssrc) c = x;
    if (!c) return;
    const now = performance.now();
    if (c.rebase.accept(v.ssrc, v.seq, v.ts, now, 90_000) === 'drop') return;
    c.rebase.touch(now);
    const { seq, ts } = c.rebase.map(v.seq, v.ts);
    setSsrc(msg, c.ssrc);
    setSeq(msg, seq);
    setTs(msg, ts);
    this.#socket.send(msg, this.#out.tuple.localPort, '127.0.0.1');
  }
}
