// The compositor's inputs on the mediasoup side. Each source a pane shows gets a plain-RTP consumer
// into the process's udpsrc for it (created the first time, paused while no pane shows it: nothing is
// decoded off screen), and the keyframe requests its decoder needs: when the consumer resumes, when the
// process reports lost packets, and every second while the source shows no picture (a source that
// sends good video always comes back; one that sends junk keeps being asked, at that rate).
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { plainConsumeCaps, routerVideoCodec, videoKeyOfCodec } from '../mediaCodecs.js';
import type { VideoCodecKey } from '../types.js';
import type { GstProcess } from './GstProcess.js';

/** VCBRIDGE_COMPOSITOR_DIAG=1: mediasoup's counters of every fed source logged (debug) this often. */
const DIAG_MS = 2000;

/** A source on screen that shows no picture is asked for a keyframe this often (and no more often). */
export const SOURCE_KEYFRAME_RETRY_MS = 1000;

export interface FeedSource {
  id: string;
  producer: ms.Producer;
  key: VideoCodecKey;
  /** Set while the process knows the source (it has a udpsrc for it). */
  transport?: ms.PlainTransport;
  consumer?: ms.Consumer;
  live: boolean;
  lastAsked: number;
}

export class SourceFeeds {
  readonly #log: Logger;
  readonly #sources = new Map<string, FeedSource>();
  /** Where the transports' RTCP goes (the outputs' socket, which ignores sender reports). */
  readonly #rtcpPort: () => number;
  router: ms.Router;
  readonly #timer: NodeJS.Timeout;

  constructor(o: { router: ms.Router; log: Logger; rtcpPort: () => number }) {
    this.router = o.router;
    this.#log = o.log;
    this.#rtcpPort = o.rtcpPort;
    this.#timer = setInterval(() => this.#retryKeyframes(), 250);
    this.#timer.unref();
    if (process.env['VCBRIDGE_COMPOSITOR_DIAG'] === '1') {
      this.#diagTimer = setInterval(() => {
        this.#logStats().catch((e: unknown) => this.#log.debug({ err: e }, 'source stats failed'));
      }, DIAG_MS);
      this.#diagTimer.unref();
    }
  }

  readonly #diagTimer: NodeJS.Timeout | undefined;

  /** What mediasoup saw of each fed source: packets in from the room, keyframe requests sent to it, packets out to the process. */
  async #logStats(): Promise<void> {
    for (const s of this.#sources.values()) {
      const c = s.consumer;
      if (!c || c.closed) continue;
      const [p] = await s.producer.getStats();
      const [out] = (await c.getStats()).filter((x) => x.type === 'outbound-rtp');
      this.#log.debug(
        {
          id: s.id,
          live: s.live,
          paused: c.paused,
          producerPaused: c.producerPaused,
          in: p && { packets: p.packetCount, pli: p.pliCount, fir: p.firCount, score: p.score },
          out: out && { packets: out.packetCount },
        },
        'compositor source stats',
      );
    }
  }

  get(id: string): FeedSource | undefined {
    return this.#sources.get(id);
  }

  values(): IterableIterator<FeedSource> {
    return this.#sources.values();
  }

  /** A new source record for a video producer (not fed yet); throws unless VP8/H.264. */
  add(id: string, producer: ms.Producer): FeedSource {
    const pc = producer.rtpParameters.codecs[0];
    const key = pc ? videoKeyOfCodec(pc) : undefined;
    if (!key) throw new VcError('MEDIA_FAILED', say('media.notVideo', { producer: producer.id }));
    const src: FeedSource = { id, producer, key, live: false, lastAsked: 0 };
    this.#sources.set(id, src);
    return src;
  }

  delete(src: FeedSource): void {
    if (this.#sources.get(src.id) === src) this.#sources.delete(src.id);
  }

  /** Make sure `proc` decodes the source and its consumer runs (asking for a keyframe). */
  async feed(src: FeedSource, proc: GstProcess): Promise<void> {
    if (!src.transport) {
      const pt = routerVideoCodec(this.router.rtpCapabilities, src.key).preferredPayloadType ?? 0;
      const r = await proc.request('add_source', { source: src.id, codec: src.key, pt });
      const t = await this.router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: false,
      });
      await t.connect({ ip: '127.0.0.1', port: Number(r['port']), rtcpPort: this.#rtcpPort() });
      src.transport = t;
      src.consumer = await t.consume({
        producerId: src.producer.id,
        rtpCapabilities: plainConsumeCaps(routerVideoCodec(this.router.rtpCapabilities, src.key)),
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

  /** Off every screen: its consumer pauses (no packets, nothing decoded). */
  async starve(src: FeedSource): Promise<void> {
    if (src.consumer && !src.consumer.paused) await src.consumer.pause();
  }

  /** Its transport closed: fed again (on a new process, a new worker) by the next feed(). */
  unfeed(src: FeedSource): void {
    if (src.transport && !src.transport.closed) src.transport.close();
    src.transport = undefined;
    src.consumer = undefined;
  }

  /** The process says whether the source shows pictures; true when that changed. */
  setLive(id: string, live: boolean): boolean {
    const src = this.#sources.get(id);
    if (!src || src.live === live) return false;
    src.live = live;
    return true;
  }

  /** Ask for a keyframe unless one was asked for within SOURCE_KEYFRAME_RETRY_MS. */
  askKeyframe(id: string, now = performance.now()): void {
    const s = this.#sources.get(id);
    const c = s?.consumer;
    // a paused consumer is off screen: nothing to decode
    if (!s || !c || c.closed || c.paused || now - s.lastAsked < SOURCE_KEYFRAME_RETRY_MS) return;
    s.lastAsked = now;
    this.#log.debug({ id: s.id, live: s.live }, 'asking a source for a keyframe');
    c.requestKeyFrame().catch((e: unknown) => this.#log.debug({ err: e }, 'source keyframe request failed'));
  }

  close(): void {
    clearInterval(this.#timer);
    clearInterval(this.#diagTimer);
    for (const s of this.#sources.values()) this.unfeed(s);
    this.#sources.clear();
  }

  /** Every source on screen that shows no picture keeps being asked until it does. */
  #retryKeyframes(): void {
    const now = performance.now();
    for (const s of this.#sources.values()) if (!s.live) this.askKeyframe(s.id, now);
  }
}
