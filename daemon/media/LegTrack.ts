// One m-line of a SIP leg: its room-facing relay and the mediasoup side behind it, one PlainTransport
// on 127.0.0.1 connected to the relay (rtcpMux on that internal hop), the room's media as a Producer
// with the SSRC the relay rewrites to, and a Consumer for what the room receives. SipMediaLeg owns
// the tracks (and the relay ports); this is the wiring of one of them to the negotiated stream.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import type { TypedEmitter } from '../util/TypedEmitter.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { PortPair } from './RelayPortPool.js';
import type { RelayCounters, RelayEvents, RelayRemote } from './RtpRelay.js';
import { plainConsumeCaps, producerParams, routerCodecFor } from './mediaCodecs.js';
import { normaliseCodecName, type MediaKind, type NegotiatedStream } from './types.js';

/** What a track needs of its relay: an RtpRelay here, or a PlaneRelay for one in the worker. */
export interface LegRelay extends TypedEmitter<RelayEvents> {
  readonly ingressSsrc: number;
  readonly localPort: number;
  readonly localRtcpPort: number;
  readonly internalPort: number;
  readonly srtpSuite: string | undefined;
  setRemote(remote: RelayRemote | undefined, codec?: string): void;
  setTransport(port: number | undefined): void;
  sendFrame(payload: Uint8Array, samples: number): void;
  requestKeyFrame(): void;
  counters(): RelayCounters | Promise<RelayCounters>;
  close(): void;
}

export interface KindStats {
  kind: MediaKind;
  codec: string;
  clockRate: number;
  relay: RelayCounters;
  producer: ms.ProducerStat[];
  consumer: ms.ConsumerStat[];
}

export interface LegTrackOptions {
  kind: MediaKind;
  /** The pair the pool holds for the track (with its sockets when this thread bound them). */
  sockets: PortPair;
  relay: LegRelay;
  /** The leg's id, for errors and the producer's appData. */
  legId: string;
  log: Logger;
  /** Throws when the leg was closed meanwhile (an await may span a close). */
  assertOpen: () => void;
  /** A (new) producer carries the room's media on this m-line. */
  onProducer: (producer: ms.Producer) => void;
  /** The transport's router closed (worker died); the track has dropped its mediasoup side. */
  onRouterClosed: () => void;
}

const LOOPBACK = { protocol: 'udp' as const, ip: '127.0.0.1' };

export function sends(s: NegotiatedStream): boolean {
  return (s.direction ?? 'sendrecv') === 'sendrecv' || s.direction === 'sendonly';
}

export function receives(s: NegotiatedStream): boolean {
  return (s.direction ?? 'sendrecv') === 'sendrecv' || s.direction === 'recvonly';
}

export class LegTrack {
  readonly kind: MediaKind;
  readonly sockets: PortPair;
  readonly relay: LegRelay;
  readonly #o: LegTrackOptions;
  #stream: NegotiatedStream | undefined;
  #codec: ms.RtpCodecCapability | undefined;
  #transport: ms.PlainTransport | undefined;
  #producer: ms.Producer | undefined;
  #consumer: ms.Consumer | undefined;

  constructor(o: LegTrackOptions) {
    this.kind = o.kind;
    this.sockets = o.sockets;
    this.relay = o.relay;
    this.#o = o;
  }

  /** The negotiated stream of this m-line (undefined while it has none or it is disabled). */
  get stream(): NegotiatedStream | undefined {
    return this.#stream;
  }
  get producer(): ms.Producer | undefined {
    return this.#producer;
  }
  get hasTransport(): boolean {
    return this.#transport !== undefined;
  }

  /** Wire the track to `s` (port 0 or none: disabled) on `router`; `sessionAddress` is the SDP's c=. */
  async apply(router: ms.Router, s: NegotiatedStream | undefined, sessionAddress: string): Promise<void> {
    if (!s || s.port === 0) {
      this.#stream = undefined;
      this.relay.setRemote(undefined);
      this.dropTransport();
      return;
    }
    const codec = routerCodecFor(router.rtpCapabilities, this.kind, s);
    const codecChanged = this.#codec?.preferredPayloadType !== codec.preferredPayloadType;
    this.#stream = s;
    this.#codec = codec;
    this.relay.setRemote(
      {
        address: s.address ?? sessionAddress,
        port: s.port,
        rtcpPort: s.rtcpPort ?? s.port + 1,
        rtcpMux: s.rtcpMux ?? false,
        pt: s.pt,
        clockRate: s.clockRate,
        telephoneEventPt: s.telephoneEventPt,
        routerPt: codec.preferredPayloadType ?? 0,
        rtcpFb: s.rtcpFb,
        expectRtp: sends(s),
        sendRtp: receives(s),
        ...(s.srtp ? { srtp: s.srtp } : {}),
      },
      this.kind === 'audio' ? normaliseCodecName(s.codec) : undefined,
    );
    if (!this.#transport) {
      try {
        this.#transport = await router.createPlainTransport({ listenInfo: LOOPBACK, rtcpMux: true, comedia: false });
        await this.#transport.connect({ ip: '127.0.0.1', port: this.relay.internalPort });
      } catch (e) {
        throw new VcError(
          'MEDIA_FAILED',
          say('media.legTransport', { kind: this.kind, leg: this.#o.legId, why: (e as Error).message }),
          undefined,
          { cause: e },
        );
      }
      const transport = this.#transport;
      transport.on('routerclose', () => this.#routerClosed(transport));
      this.relay.setTransport(transport.tuple.localPort);
    }
    if (this.#producer && (codecChanged || !sends(s))) {
      this.#producer.close();
      this.#producer = undefined;
    }
    if (!this.#producer && sends(s)) {
      this.#producer = await this.#transport.produce({
        kind: this.kind,
        rtpParameters: producerParams(codec, this.relay.ingressSsrc, { nack: s.rtcpFb?.nack }),
        appData: { legId: this.#o.legId },
      });
      this.#o.log.debug(
        { kind: this.kind, producerId: this.#producer.id, codec: codec.mimeType },
        'room producer ready',
      );
      this.#o.onProducer(this.#producer);
    }
    if (this.#consumer && (codecChanged || !receives(s))) {
      const producerId = this.#consumer.producerId;
      this.#consumer.close();
      this.#consumer = undefined;
      if (receives(s)) {
        this.#o.assertOpen();
        await this.setEgress({ id: producerId });
      }
    }
  }

  /** What the room receives on this m-line: a producer in the track's router, or nothing. */
  async setEgress(producer: Pick<ms.Producer, 'id'> | null): Promise<void> {
    this.#consumer?.close();
    this.#consumer = undefined;
    if (!producer || !this.#stream || !receives(this.#stream)) return;
    if (!this.#transport || !this.#codec)
      throw new VcError('MEDIA_FAILED', say('media.legUnchosen', { leg: this.#o.legId }));
    const codec = this.#codec;
    let consumer: ms.Consumer;
    try {
      consumer = await this.#transport.consume({
        producerId: producer.id,
        rtpCapabilities: plainConsumeCaps(codec),
      });
      consumer.on('producerclose', () => {
        if (this.#consumer === consumer) this.#consumer = undefined;
      });
      this.#consumer = consumer;
    } catch (e) {
      throw new VcError(
        'MEDIA_FAILED',
        say('media.legCannotReceive', {
          leg: this.#o.legId,
          producer: producer.id,
          codec: codec.mimeType,
          why: (e as Error).message,
        }),
        undefined,
        { cause: e },
      );
    }
    if (this.kind === 'video') await consumer.requestKeyFrame();
  }

  /** Raw figures of the relay, producer and consumer; undefined while the m-line is disabled. */
  async stats(): Promise<KindStats | undefined> {
    const s = this.#stream;
    if (!s) return undefined;
    const [producer, consumer] = await Promise.all([
      this.#producer && !this.#producer.closed ? this.#producer.getStats() : [],
      this.#consumer && !this.#consumer.closed ? this.#consumer.getStats() : [],
    ]);
    return {
      kind: this.kind,
      codec: normaliseCodecName(s.codec),
      clockRate: s.clockRate,
      relay: await this.relay.counters(),
      producer,
      consumer: consumer.filter((c) => c.type === 'outbound-rtp'),
    };
  }

  /** Forget the mediasoup side (closing the transport closes its producer and consumer). */
  dropTransport(): void {
    this.relay.setTransport(undefined);
    this.#consumer = undefined;
    this.#producer = undefined;
    const tr = this.#transport;
    this.#transport = undefined;
    if (tr && !tr.closed) tr.close();
  }

  #routerClosed(transport: ms.PlainTransport): void {
    if (this.#transport !== transport) return;
    this.#o.log.warn({ kind: this.kind }, 'router closed under the leg');
    this.dropTransport();
    this.#o.onRouterClosed();
  }
}
