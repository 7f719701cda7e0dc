// Per-leg "view" video for SIP rooms, which can show one stream only.
//
// Every source producer (a room's or a browser's video) is consumed once, paused while nobody looks
// at it, through one PlainTransport to a Node socket. Each target (a SIP leg) has its own view
// producer with a constant SSRC, on a PlainTransport of its own (a broadcast sends each source packet
// to every target at once: one socket for all overflowed); the leg's egress consumer consumes it. The
// node forwards the showing source's packets into the target's view with seq and timestamps rebased
// to continue the view's own and to keep pace with the arrival clock (ViewTimeline), so the room (or
// the recorder) sees one unbroken stream (NOTES.md: close+consume gave a
// ~250 ms gap and froze with sources that ignore PLI). A switch waits for the first packet of a
// keyframe of the new source (the old one keeps playing meanwhile); the new source is asked for one
// on select and every second until it comes. PLI/FIR from a room reach the view producer and are
// passed on to whatever that room is watching.
//
// mediasoup does not transcode: a target can only view sources in its own codec key (canView()).
// Nor does it scale: the view reads each H.264 source's SPS as it passes (sourcePicture()), and a
// target whose decoder cannot take that picture (admit(), the room's H.264 level) is not switched to
// it, nor fed it once it grows: it keeps its last picture until the conference gives it a transcoded
// one ('picture' tells it to plan again).
import type dgram from 'node:dgram';
import { mediaSocket, PICTURE_RECV_BUFFER } from './udp.js';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { plainConsumeCaps, producerParams, routerVideoCodec, videoKeyOfCodec } from './mediaCodecs.js';
import { isRtcp, parseRtp, randomSsrc, setSeq, setSsrc, setTs } from './rtp/packet.js';
import { ViewTimeline } from './rtp/ViewTimeline.js';
import { hasKeyframeRequest, keyframeRequestSsrcs } from './rtp/rtcp.js';
import { isKeyframeStart } from './rtp/keyframe.js';
import { parseSps, spsOfPayload, type SpsPicture } from './rtp/h264Sps.js';
import type { VideoCodecKey } from './types.js';

/** What a view target must offer (SipMediaLeg does). */
export interface ViewTarget {
  readonly videoCodec: VideoCodecKey | undefined;
  setVideoEgress(producer: ms.Producer | null): Promise<void>;
}

export interface VideoViewOptions {
  router: ms.Router;
  log: Logger;
  /** How often a pending switch re-asks the new source for a keyframe (default 1000 ms). */
  keyframeRetryMs?: number;
}

type ViewEvents = {
  /** The target now shows `sourceId` (null: nothing); `waitedMs` from select() to its keyframe. */
  switched: [{ targetId: string; sourceId: string | null; waitedMs: number }];
  /** An H.264 source's SPS says another picture size than before (or the first time). */
  picture: [{ sourceId: string; picture: SpsPicture; sps: Uint8Array }];
};

interface Source {
  id: string;
  key: VideoCodecKey;
  consumer: ms.Consumer;
  ssrc: number;
  /** H.264: the last SPS seen and what it says. */
  sps?: Uint8Array;
  picture?: SpsPicture;
}

interface Target {
  id: string;
  key: VideoCodecKey | undefined;
  leg: ViewTarget;
  /** The target's own transport into mediasoup (its view producer); see addTarget(). */
  transport?: ms.PlainTransport;
  port?: number;
  producer?: ms.Producer;
  ssrc: number;
  showing: string | null;
  pending: string | null;
  /** Its source's picture grew beyond what it decodes: nothing is forwarded until it switches. */
  held: boolean;
  pendingSince: number;
  lastAsked: number;
  /** The view's own seq/timestamps across source switches. */
  timeline: ViewTimeline;
}

/** The worker's side of the view's transports: the views' packets (a canvas's keyframe bursts) come in here. */
const LOOPBACK = { protocol: 'udp' as const, ip: '127.0.0.1', recvBufferSize: PICTURE_RECV_BUFFER };

export class VideoView extends TypedEmitter<ViewEvents> {
  readonly #router: ms.Router;
  readonly #log: Logger;
  readonly #socket: dgram.Socket;
  readonly #transport: ms.PlainTransport;
  readonly #sources = new Map<string, Source>();
  readonly #bySsrc = new Map<number, Source>();
  readonly #targets = new Map<string, Target>();
  readonly #retryMs: number;
  readonly #timer: NodeJS.Timeout;
  #admit: (targetId: string, sourceId: string) => boolean = () => true;
  #closed = false;

  static async create(o: VideoViewOptions): Promise<VideoView> {
    const socket = mediaSocket({ pictureBursts: true });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const transport = await o.router.createPlainTransport({
        listenInfo: LOOPBACK,
        rtcpMux: true,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
      return new VideoView(o, socket, transport);
    } catch (e) {
      socket.close();
      throw new VcError('MEDIA_FAILED', say('media.viewFailed', { why: (e as Error).message }), undefined, {
        cause: e,
      });
    }
  }

  private constructor(o: VideoViewOptions, socket: dgram.Socket, transport: ms.PlainTransport) {
    super();
    this.#router = o.router;
    this.#log = o.log.child({ component: 'media.view' });
    this.#socket = socket;
    this.#transport = transport;
    this.#retryMs = o.keyframeRetryMs ?? 1000;
    socket.on('error', (e) => this.#log.warn({ err: e }, 'view socket error'));
    socket.on('message', (m) => this.#onPacket(m));
    this.#timer = setInterval(() => this.#retryKeyframes(), Math.min(250, this.#retryMs));
    this.#timer.unref();
  }

  /** A video producer that targets may view (a room's or a browser's). */
  async addSource(id: string, producer: ms.Producer): Promise<void> {
    if (this.#sources.has(id)) this.removeSource(id);
    const pc = producer.rtpParameters.codecs[0];
    const key = pc ? videoKeyOfCodec(pc) : undefined;
    if (producer.kind !== 'video' || !key)
      throw new VcError('MEDIA_FAILED', say('media.notVideo', { producer: producer.id }));
    const consumer = await this.#transport.consume({
      producerId: producer.id,
      rtpCapabilities: plainConsumeCaps(routerVideoCodec(this.#router.rtpCapabilities, key)),
      paused: true,
    });
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0;
    const src: Source = { id, key, consumer, ssrc };
    this.#sources.set(id, src);
    this.#bySsrc.set(ssrc, src);
    consumer.on('producerclose', () => this.removeSource(id));
    for (const t of this.#targets.values()) if (t.pending === id) await this.#refresh(src);
  }

  removeSource(id: string): void {
    const src = this.#sources.get(id);
    if (!src) return;
    this.#sources.delete(id);
    this.#bySsrc.delete(src.ssrc);
    if (!src.consumer.closed) src.consumer.close();
    for (const t of this.#targets.values()) {
      if (t.pending === id) t.pending = null;
      if (t.showing === id) {
        t.showing = null;
        this.emit('switched', { targetId: t.id, sourceId: null, waitedMs: 0 });
      }
    }
  }

  /** A SIP leg that receives a view. It shows nothing until select(). */
  async addTarget(id: string, leg: ViewTarget): Promise<void> {
    if (this.#targets.has(id)) this.removeTarget(id);
    const key = leg.videoCodec;
    const t: Target = {
      id,
      key,
      leg,
      ssrc: randomSsrc(),
      showing: null,
      pending: null,
      held: false,
      pendingSince: 0,
      lastAsked: 0,
      timeline: new ViewTimeline(Math.floor(Math.random() * 0xffff), randomSsrc(), performance.now()),
    };
    this.#targets.set(id, t);
    if (!key) return; // no video towards this room: it can view nothing
    // its own transport: 75 targets' packets at once into one mediasoup socket overflowed its buffer
    const transport = await this.#router.createPlainTransport({ listenInfo: LOOPBACK, rtcpMux: true, comedia: false });
    try {
      await transport.connect({ ip: '127.0.0.1', port: this.#socket.address().port });
      t.producer = await transport.produce({
        kind: 'video',
        rtpParameters: producerParams(routerVideoCodec(this.#router.rtpCapabilities, key), t.ssrc),
        appData: { viewOf: id },
      });
    } catch (e) {
      transport.close();
      throw e;
    }
    if (this.#targets.get(id) !== t || this.#closed) {
      transport.close(); // removed (or the view closed) while its transport was being made
      return;
    }
    t.transport = transport;
    t.port = transport.tuple.localPort;
    await leg.setVideoEgress(t.producer);
  }

  removeTarget(id: string): void {
    const t = this.#targets.get(id);
    if (!t) return;
    this.#targets.delete(id);
    if (t.producer && !t.producer.closed) t.producer.close();
    if (t.transport && !t.transport.closed) t.transport.close();
    for (const sid of [t.showing, t.pending]) {
      const src = sid ? this.#sources.get(sid) : undefined;
      if (src) this.#refresh(src).catch((e: unknown) => this.#log.debug({ err: e }, 'pause failed'));
    }
  }

  /** Whether the view has the source's producer yet (until then it cannot be shown to anyone). */
  hasSource(id: string): boolean {
    return this.#sources.has(id);
  }

  /** The source's codec key, once the view has it. */
  sourceKey(id: string): VideoCodecKey | undefined {
    return this.#sources.get(id)?.key;
  }

  /** What the source's last SPS said (H.264 sources the view has forwarded since it came). */
  sourcePicture(id: string): SpsPicture | undefined {
    return this.#sources.get(id)?.picture;
  }

  /**
   * Whether a target's decoder takes a source's picture (asked when a switch's keyframe comes and
   * when a shown source's picture changes); by default every target takes every picture.
   */
  setAdmit(admit: (targetId: string, sourceId: string) => boolean): void {
    this.#admit = admit;
  }

  /** Whether the target's codec can carry the source (no transcoding). */
  canView(targetId: string, sourceId: string): boolean {
    const t = this.#targets.get(targetId);
    const s = this.#sources.get(sourceId);
    return Boolean(t?.key && s && t.key === s.key);
  }

  viewOf(targetId: string): { showing: string | null; pending: string | null } | undefined {
    const t = this.#targets.get(targetId);
    return t && { showing: t.showing, pending: t.pending };
  }

  /**
   * Show `sourceId` to the target from the new source's next keyframe (null: show nothing now).
   * Returns false, changing nothing, when the target cannot view that source.
   */
  async select(targetId: string, sourceId: string | null): Promise<boolean> {
    const t = this.#targets.get(targetId);
    if (!t) throw new VcError('PARTICIPANT_UNKNOWN', say('media.noViewTarget', { id: targetId }));
    const before = [t.showing, t.pending];
    if (sourceId === null) {
      t.pending = null;
      t.showing = null;
      t.held = false;
    } else {
      if (!this.canView(targetId, sourceId)) return false;
      if (t.showing === sourceId) t.pending = null;
      else if (t.pending !== sourceId) {
        t.pending = sourceId;
        t.pendingSince = performance.now();
        t.lastAsked = t.pendingSince;
      }
    }
    for (const sid of new Set([...before, t.pending])) {
      const src = sid ? this.#sources.get(sid) : undefined;
      if (src) await this.#refresh(src);
    }
    if (sourceId === null && before[0] !== null) this.emit('switched', { targetId, sourceId: null, waitedMs: 0 });
    return true;
  }

  /** Broadcast: every target that can view the source shows it, except those listed; returns the ones that cannot. */
  async selectAll(sourceId: string, opts: { except?: string[] } = {}): Promise<string[]> {
    const skipped: string[] = [];
    for (const id of this.#targets.keys()) {
      if (opts.except?.includes(id)) continue;
      if (!(await this.select(id, sourceId))) skipped.push(id);
    }
    return skipped;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (!this.#transport.closed) this.#transport.close();
    for (const t of this.#targets.values()) if (t.transport && !t.transport.closed) t.transport.close();
    this.#socket.close();
    this.#sources.clear();
    this.#targets.clear();
    this.removeAllListeners();
  }

  /** Resume a source consumer someone waits for or watches (resume asks for a keyframe), else pause. */
  async #refresh(src: Source): Promise<void> {
    const used = [...this.#targets.values()].some((t) => t.showing === src.id || t.pending === src.id);
    if (src.consumer.closed) return;
    if (used && src.consumer.paused) await src.consumer.resume();
    else if (!used && !src.consumer.paused) await src.consumer.pause();
    if (used && [...this.#targets.values()].some((t) => t.pending === src.id)) await src.consumer.requestKeyFrame();
  }

  #retryKeyframes(): void {
    const now = performance.now();
    for (const t of this.#targets.values()) {
      if (!t.pending || now - t.lastAsked < this.#retryMs) continue;
      t.lastAsked = now;
      const src = this.#sources.get(t.pending);
      if (src && !src.consumer.closed) {
        src.consumer.requestKeyFrame().catch((e: unknown) => this.#log.debug({ err: e }, 'keyframe request failed'));
      }
    }
  }

  #onPacket(msg: Buffer): void {
    if (this.#closed) return;
    if (isRtcp(msg)) {
      if (hasKeyframeRequest(msg)) this.#keyframeWanted(keyframeRequestSsrcs(msg));
      return;
    }
    const v = parseRtp(msg);
    const src = v && this.#bySsrc.get(v.ssrc);
    if (!v || !src) return; // includes mediasoup's probation packets (SSRC 1234, PT 127)
    const now = performance.now();
    const payload = msg.subarray(v.payloadOffset, v.payloadEnd);
    const resized = src.key !== 'VP8' && this.#notePicture(src, payload);
    let rest: Buffer | undefined;
    let keyframe: boolean | undefined;
    for (const t of this.#targets.values()) {
      if (resized && t.showing === src.id) t.held = !this.#admit(t.id, src.id);
      if (t.pending === src.id) {
        keyframe ??= isKeyframeStart(src.key, payload);
        // a picture this target cannot decode: it keeps what it shows until it is given another source
        if (keyframe && this.#admit(t.id, src.id)) this.#switch(t, src, v.seq, v.ts, now);
      }
      if (t.showing !== src.id || t.port === undefined || t.held) continue;
      // Only the fixed header differs between targets: each gets its own 12 bytes and shares the
      // rest of the packet (a broadcast sends every packet of the chair to every room).
      const head = Buffer.allocUnsafe(12);
      msg.copy(head, 0, 0, 12);
      const { seq, ts } = t.timeline.map(v.seq, v.ts, now);
      setSsrc(head, t.ssrc);
      setSeq(head, seq);
      setTs(head, ts);
      this.#socket.send([head, (rest ??= msg.subarray(12))], t.port, '127.0.0.1');
    }
    if (resized) this.emit('picture', { sourceId: src.id, picture: src.picture!, sps: src.sps! });
  }

  /** Read an SPS in the packet; true when it says another picture size than the source's last one. */
  #notePicture(src: Source, payload: Buffer): boolean {
    const type = payload[0]! & 0x1f;
    if (type !== 7 && type !== 24 && type !== 28) return false; // the common case: a slice
    const sps = spsOfPayload(payload);
    if (!sps || (src.sps && Buffer.compare(src.sps, sps) === 0)) return false;
    src.sps = Uint8Array.from(sps);
    const pic = parseSps(sps);
    if (!pic) return false;
    const was = src.picture;
    src.picture = pic;
    return was?.widthMbs !== pic.widthMbs || was.heightMbs !== pic.heightMbs;
  }

  #switch(t: Target, src: Source, seq: number, ts: number, now: number): void {
    const old = t.showing ? this.#sources.get(t.showing) : undefined;
    t.timeline.switchTo(seq, ts, now);
    t.showing = src.id;
    t.pending = null;
    t.held = false;
    this.emit('switched', { targetId: t.id, sourceId: src.id, waitedMs: Math.round(now - t.pendingSince) });
    if (old) this.#refresh(old).catch((e: unknown) => this.#log.debug({ err: e }, 'pause failed'));
  }

  /** A room asked its view for a keyframe: ask what it is watching (and what it is about to). */
  #keyframeWanted(ssrcs: number[]): void {
    for (const t of this.#targets.values()) {
      if (!ssrcs.includes(t.ssrc)) continue;
      for (const sid of [t.showing, t.pending]) {
        const src = sid ? this.#sources.get(sid) : undefined;
        if (src && !src.consumer.closed) {
          src.consumer.requestKeyFrame().catch((e: unknown) => this.#log.debug({ err: e }, 'keyframe request failed'));
        }
      }
    }
  }
}
