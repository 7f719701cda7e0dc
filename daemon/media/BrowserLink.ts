// The media of one browser connection: a WebRtcTransport the page sends on and one it receives on,
// its producers (handed to ConferenceMedia: audio into the SIP rooms' mix, video as a view source),
// and one consumer per stream of every other participant (SFU: browsers get each stream, no mix).
// A consumer of someone muted in the mix is paused too, so a browser hears what a room hears.
// A page that reconnects gets a new link; this one is closed and frees everything it made.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { routerVideoCodec } from './mediaCodecs.js';
import type { MediaKind } from './types.js';
import type { ConferenceMedia } from './ConferenceMedia.js';

export interface BrowserListen {
  /** media.listenAddress */
  ip: string;
  /** media.announcedAddress when it differs (NAT, or listening on 0.0.0.0). */
  announcedAddress?: string;
}

export interface LinkTransport {
  id: string;
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  dtlsParameters: ms.DtlsParameters;
}

export interface LinkConsumer {
  consumerId: string;
  producerId: string;
  sourceId: string;
  kind: MediaKind;
  rtpParameters: ms.RtpParameters;
}

/** Why a link ended, as its owner reports it to the page. */
export type LinkEnd = 'left' | 'lost' | 'replaced' | 'removed' | 'ended' | 'media';

type LinkEvents = {
  /** DTLS is up on a transport: media can flow. */
  connected: [];
  /** A stream the page should set up (paused until it asks to resume). */
  consumer: [LinkConsumer];
  consumerClosed: [{ consumerId: string }];
  /** The page's producers changed. */
  produced: [];
  closed: [{ end: LinkEnd; reason: string }];
};

interface Held {
  consumer: ms.Consumer;
  sourceId: string;
  /** The page has it set up. */
  ready: boolean;
}

const MAX_INCOMING_BITRATE = 3_000_000;

export class BrowserLink extends TypedEmitter<LinkEvents> {
  readonly participantId: string;
  readonly #media: ConferenceMedia;
  readonly #router: ms.Router;
  readonly #log: Logger;
  readonly #send: ms.WebRtcTransport;
  readonly #recv: ms.WebRtcTransport;
  readonly #producers = new Map<MediaKind, ms.Producer>();
  /** Kinds whose producer is being made (claimed before the await). */
  readonly #producing = new Set<MediaKind>();
  /** producerId → what we consume of it. */
  readonly #held = new Map<string, Held>();
  readonly #offSources: () => void;
  readonly #offMuted: () => void;
  #caps: ms.RtpCapabilities | undefined;
  #sync: Promise<void> = Promise.resolve();
  #selfMuted = false;
  #connected = false;
  #closed = false;

  static async create(o: {
    participantId: string;
    media: ConferenceMedia;
    listen: BrowserListen;
    log: Logger;
  }): Promise<BrowserLink> {
    const router = o.media.router;
    const opts: ms.WebRtcTransportOptions = {
      listenInfos: [
        {
          protocol: 'udp',
          ip: o.listen.ip,
          ...(o.listen.announcedAddress ? { announcedAddress: o.listen.announcedAddress } : {}),
        },
        {
          protocol: 'tcp',
          ip: o.listen.ip,
          ...(o.listen.announcedAddress ? { announcedAddress: o.listen.announcedAddress } : {}),
        },
      ],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { browser: o.participantId },
    };
    let send: ms.WebRtcTransport | undefined;
    try {
      send = await router.createWebRtcTransport(opts);
      const recv = await router.createWebRtcTransport(opts);
      await send.setMaxIncomingBitrate(MAX_INCOMING_BITRATE);
      return new BrowserLink(o, router, send, recv);
    } catch (e) {
      send?.close();
      throw new VcError('MEDIA_FAILED', say('media.browserSetup', { why: (e as Error).message }), undefined, {
        cause: e,
      });
    }
  }

  private constructor(
    o: { participantId: string; media: ConferenceMedia; log: Logger },
    router: ms.Router,
    send: ms.WebRtcTransport,
    recv: ms.WebRtcTransport,
  ) {
    super();
    this.participantId = o.participantId;
    this.#media = o.media;
    this.#router = router;
    this.#log = o.log.child({ component: 'conference.browser', participant: o.participantId });
    this.#send = send;
    this.#recv = recv;
    for (const t of [send, recv]) {
      t.on('dtlsstatechange', (s) => {
        if (s === 'connected' && !this.#connected) {
          this.#connected = true;
          this.emit('connected');
        } else if (s === 'failed' || s === 'closed') this.close('media', `the browser's media connection ${s}`);
      });
      t.on('routerclose', () => this.close('media', 'the media server restarted'));
    }
    const onSources = (): void => this.#resync();
    const onMuted = (e: { id: string; muted: boolean }): void => this.#applyMute(e.id);
    o.media.on('sources', onSources);
    o.media.on('muted', onMuted);
    this.#offSources = () => o.media.off('sources', onSources);
    this.#offMuted = () => o.media.off('muted', onMuted);
  }

  get connected(): boolean {
    return this.#connected;
  }
  get closed(): boolean {
    return this.#closed;
  }
  get routerRtpCapabilities(): ms.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  transports(): { send: LinkTransport; recv: LinkTransport } {
    const info = (t: ms.WebRtcTransport): LinkTransport => ({
      id: t.id,
      iceParameters: t.iceParameters,
      iceCandidates: t.iceCandidates,
      dtlsParameters: t.dtlsParameters,
    });
    return { send: info(this.#send), recv: info(this.#recv) };
  }

  /** The codec the page should send video in: what most rooms receive, so they can view it as is. */
  videoCodec(): { mimeType: string; parameters?: Record<string, unknown> } | null {
    const key = this.#media.roomVideoCodecs()[0];
    if (!key) return null;
    const c = routerVideoCodec(this.#router.rtpCapabilities, key);
    return { mimeType: c.mimeType, ...(c.parameters ? { parameters: { ...c.parameters } } : {}) };
  }

  async connectTransport(transportId: string, dtlsParameters: ms.DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters });
  }

  /** The page sends audio or video (one of each at most); returns the producer id. */
  async produce(transportId: string, kind: MediaKind, rtpParameters: ms.RtpParameters): Promise<string> {
    if (this.#transport(transportId) !== this.#send) throw new VcError('BAD_REQUEST', say('media.produceOnReceive'));
    // the kind is claimed before the first await: parallel requests must not each make a producer
    if (this.#producers.has(kind) || this.#producing.has(kind))
      throw new VcError('BAD_REQUEST', say('media.browserSends', { kind }));
    this.#producing.add(kind);
    let producer: ms.Producer;
    try {
      producer = await this.#send.produce({ kind, rtpParameters, appData: { browser: this.participantId } });
    } catch (e) {
      throw new VcError('MEDIA_FAILED', say('media.browserTake', { kind, why: (e as Error).message }), undefined, {
        cause: e,
      });
    } finally {
      this.#producing.delete(kind);
    }
    if (this.#closed) {
      producer.close();
      throw new VcError('MEDIA_FAILED', say('media.browserGone'));
    }
    this.#producers.set(kind, producer);
    if (kind === 'audio' && this.#selfMuted) await producer.pause();
    const c = producer.rtpParameters.codecs[0];
    this.#log.info({ kind, codec: c?.mimeType, fmtp: c?.parameters }, 'browser producing');
    await this.#media.addBrowserProducer(this.participantId, producer);
    this.emit('produced');
    return producer.id;
  }

  /** The page's device can receive these codecs: send it every other participant's streams. */
  start(rtpCapabilities: ms.RtpCapabilities): Promise<void> {
    this.#caps = rtpCapabilities;
    this.#resync();
    return this.#sync;
  }

  async resume(consumerId: string): Promise<void> {
    const h = [...this.#held.values()].find((x) => x.consumer.id === consumerId);
    if (!h) return; // closed meanwhile: the page hears of it by consumerClosed
    h.ready = true;
    await this.#applyPause(h);
    if (h.consumer.kind === 'video') await h.consumer.requestKeyFrame();
  }

  /** The page's own mute button (the mix also stops hearing it; other browsers get nothing). */
  async setSelfMuted(muted: boolean): Promise<void> {
    this.#selfMuted = muted;
    const p = this.#producers.get('audio');
    if (!p || p.closed) return;
    if (muted) await p.pause();
    else await p.resume();
  }

  async stats(): Promise<{ send: ms.WebRtcTransportStat[]; recv: ms.WebRtcTransportStat[] }> {
    return { send: await this.#send.getStats(), recv: await this.#recv.getStats() };
  }

  close(end: LinkEnd, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#offSources();
    this.#offMuted();
    // first out of the mix and the views, so a late 'producerclose' cannot remove a newer link's entry
    this.#media.removeBrowser(this.participantId);
    if (!this.#send.closed) this.#send.close();
    if (!this.#recv.closed) this.#recv.close();
    this.#held.clear();
    this.#log.info({ end, reason }, 'browser link closed');
    this.emit('closed', { end, reason });
    this.removeAllListeners();
  }

  #transport(id: string): ms.WebRtcTransport {
    if (id === this.#send.id) return this.#send;
    if (id === this.#recv.id) return this.#recv;
    throw new VcError('BAD_REQUEST', say('media.noTransport', { id }));
  }

  /** Consume what is new, in order (a burst of 'sources' events must not consume a producer twice). */
  #resync(): void {
    if (!this.#caps || this.#closed) return;
    this.#sync = this.#sync
      .then(() => this.#consumeNew())
      .catch((err: unknown) => this.#log.warn({ err }, 'cannot send a stream to the browser'));
  }

  async #consumeNew(): Promise<void> {
    const caps = this.#caps;
    if (!caps || this.#closed) return;
    for (const s of this.#media.sources()) {
      if (s.id === this.participantId || this.#held.has(s.producer.id) || this.#closed) continue;
      if (!this.#router.canConsume({ producerId: s.producer.id, rtpCapabilities: caps })) {
        this.#log.warn(
          { source: s.id, kind: s.kind, codec: s.producer.rtpParameters.codecs[0]?.mimeType },
          'the browser cannot decode this stream; not sent',
        );
        continue;
      }
      const consumer = await this.#recv.consume({
        producerId: s.producer.id,
        rtpCapabilities: caps,
        paused: true,
        appData: { source: s.id },
      });
      if (this.#closed) return;
      const h: Held = { consumer, sourceId: s.id, ready: false };
      this.#held.set(s.producer.id, h);
      const gone = (): void => {
        if (this.#held.get(s.producer.id) !== h) return;
        this.#held.delete(s.producer.id);
        if (!consumer.closed) consumer.close();
        this.emit('consumerClosed', { consumerId: consumer.id });
      };
      consumer.on('producerclose', gone);
      consumer.on('transportclose', gone);
      this.emit('consumer', {
        consumerId: consumer.id,
        producerId: s.producer.id,
        sourceId: s.id,
        kind: s.kind,
        rtpParameters: consumer.rtpParameters,
      });
    }
  }

  #applyMute(sourceId: string): void {
    for (const h of this.#held.values()) {
      if (h.sourceId === sourceId && h.consumer.kind === 'audio') {
        this.#applyPause(h).catch((err: unknown) => this.#log.debug({ err }, 'pause/resume of a consumer failed'));
      }
    }
  }

  async #applyPause(h: Held): Promise<void> {
    if (h.consumer.closed) return;
    const paused = !h.ready || (h.consumer.kind === 'audio' && this.#media.isMuted(h.sourceId));
    if (paused && !h.consumer.paused) await h.consumer.pause();
    else if (!paused && h.consumer.paused) await h.consumer.resume();
  }
}
