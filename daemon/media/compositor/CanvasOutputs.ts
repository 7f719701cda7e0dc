// The composed pictures' way back into mediasoup. One Node socket receives what the compositor process
// encodes (its udpsinks) and the rooms' RTCP for the outputs (mediasoup sends it there); one
// PlainTransport produces every canvas as a mediasoup producer that rooms consume like any source.
// A canvas keeps its producer and SSRC for life: what a new process sends after a restart is renamed
// and its seq/timestamps rebased, so rooms see one unbroken stream. The rooms' PLI/FIR (and layout
// changes, SIP INFO) become encoder keyframes, at most one per canvas every KEYFRAME_MIN_INTERVAL_MS.
import dgram from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { producerParams, routerVideoCodec } from '../mediaCodecs.js';
import { isRtcp, parseRtp, randomSsrc, setSeq, setSsrc, setTs } from '../rtp/packet.js';
import { StreamRebaser } from '../rtp/StreamRebaser.js';
import { mediaSocket, PICTURE_RECV_BUFFER } from '../udp.js';
import { hasKeyframeRequest, keyframeRequestSsrcs } from '../rtp/rtcp.js';
import type { CanvasSpec } from './Compositor.js';

/** Between two encoder keyframes of one canvas (rooms' PLI/FIR/SIP INFO, layout changes). */
export const KEYFRAME_MIN_INTERVAL_MS = 500;

export interface OutputCanvas {
  id: string;
  spec: CanvasSpec;
  /** The spec (JSON) whose scene the process last took: a scene that failed is sent again next time. */
  shown?: string;
  /** The output producer's SSRC: constant for the canvas's life. */
  ssrc: number;
  /** What the current process sends with (new after a restart); renamed to `ssrc` on the way. */
  wireSsrc: number;
  rebase: StreamRebaser;
  producer: ms.Producer;
  lastKeyframe: number;
  keyframeTimer?: NodeJS.Timeout;
}

async function outputTransport(router: ms.Router, socket: dgram.Socket): Promise<ms.PlainTransport> {
  const t = await router.createPlainTransport({
    // every canvas comes in here at once (keyframe bursts): the worker's socket too gets a roomy buffer
    listenInfo: { protocol: 'udp', ip: '127.0.0.1', recvBufferSize: PICTURE_RECV_BUFFER },
    rtcpMux: true,
    comedia: false,
  });
  await t.connect({ ip: '127.0.0.1', port: socket.address().port });
  return t;
}

export class CanvasOutputs {
  readonly #log: Logger;
  readonly #socket: dgram.Socket;
  readonly #sendKeyframe: (canvasId: string) => void;
  #router: ms.Router;
  #out: ms.PlainTransport;
  readonly #canvases = new Map<string, OutputCanvas>();
  #closed = false;

  /** `sendKeyframe` asks the process's encoder of a canvas for a keyframe (already rate-limited). */
  static async create(o: {
    router: ms.Router;
    log: Logger;
    sendKeyframe: (canvasId: string) => void;
  }): Promise<CanvasOutputs> {
    const socket = mediaSocket({ pictureBursts: true });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      return new CanvasOutputs(o, socket, await outputTransport(o.router, socket));
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  private constructor(
    o: { router: ms.Router; log: Logger; sendKeyframe: (canvasId: string) => void },
    socket: dgram.Socket,
    out: ms.PlainTransport,
  ) {
    this.#log = o.log;
    this.#router = o.router;
    this.#sendKeyframe = o.sendKeyframe;
    this.#socket = socket;
    this.#out = out;
    socket.on('error', (e) => this.#log.warn({ err: e }, 'compositor socket error'));
    socket.on('message', (m, rinfo) => this.#onPacket(m, rinfo.port));
  }

  /** Where the process sends encoded canvases (and mediasoup the sources' sender reports). */
  get port(): number {
    return this.#socket.address().port;
  }

  get(id: string): OutputCanvas | undefined {
    return this.#canvases.get(id);
  }

  values(): IterableIterator<OutputCanvas> {
    return this.#canvases.values();
  }

  ids(): string[] {
    return [...this.#canvases.keys()];
  }

  /** The canvases and their producers (what rooms consume). */
  producers(): Map<string, ms.Producer> {
    return new Map([...this.#canvases].map(([id, c]) => [id, c.producer]));
  }

  /** A new canvas with its producer (the process is told separately). */
  async add(id: string, spec: CanvasSpec): Promise<OutputCanvas> {
    const ssrc = randomSsrc();
    const producer = await this.#produce(spec, ssrc, id);
    const c: OutputCanvas = { id, spec, ssrc, wireSsrc: 0, rebase: new StreamRebaser(0), producer, lastKeyframe: 0 };
    this.#canvases.set(id, c);
    return c;
  }

  /** A fresh SSRC for what a (new) process will send for `c`. */
  rewire(c: OutputCanvas): number {
    c.wireSsrc = randomSsrc();
    return c.wireSsrc;
  }

  /** Forget a canvas: its producer closes, and the rooms' consumers of it with it. */
  drop(c: OutputCanvas): void {
    this.#canvases.delete(c.id);
    clearTimeout(c.keyframeTimer);
    if (!c.producer.closed) c.producer.close();
  }

  /** A keyframe of `c` now, or as soon as the rate limit allows (one pending at most). */
  keyframe(c: OutputCanvas): void {
    if (c.keyframeTimer) return;
    const wait = c.lastKeyframe + KEYFRAME_MIN_INTERVAL_MS - performance.now();
    const fire = (): void => {
      c.keyframeTimer = undefined;
      c.lastKeyframe = performance.now();
      if (this.#canvases.get(c.id) === c) this.#sendKeyframe(c.id);
    };
    if (wait <= 0) fire();
    else c.keyframeTimer = setTimeout(fire, wait);
  }

  /** After a worker death: a new transport and producers (same SSRCs) on `router`. */
  async rebuild(router: ms.Router): Promise<void> {
    this.#router = router;
    this.#out = await outputTransport(router, this.#socket);
    for (const c of this.#canvases.values()) c.producer = await this.#produce(c.spec, c.ssrc, c.id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#canvases.values()) clearTimeout(c.keyframeTimer);
    this.#canvases.clear();
    if (!this.#out.closed) this.#out.close();
    this.#socket.close();
  }

  #produce(spec: CanvasSpec, ssrc: number, canvasId: string): Promise<ms.Producer> {
    return this.#out.produce({
      kind: 'video',
      rtpParameters: producerParams(routerVideoCodec(this.#router.rtpCapabilities, spec.cls.key), ssrc),
      appData: { canvas: canvasId },
    });
  }

  #onPacket(msg: Buffer, fromPort: number): void {
    if (this.#closed) return;
    if (isRtcp(msg)) {
      // from mediasoup: the rooms' picture-loss reports for our outputs (and sender reports, ignored)
      if (!hasKeyframeRequest(msg)) return;
      const ssrcs = keyframeRequestSsrcs(msg);
      for (const c of this.#canvases.values()) if (ssrcs.includes(c.ssrc)) this.keyframe(c);
      return;
    }
    const v = fromPort === this.#out.tuple.localPort ? undefined : parseRtp(msg);
    if (!v) return;
    // an encoded canvas from the process: into mediasoup, as the canvas's own continuous stream
    let c: OutputCanvas | undefined;
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
