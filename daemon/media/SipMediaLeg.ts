// The media of one SIP leg: an RtpRelay per m-line (room-facing ports from media.relayPorts) and, per
// m-line, one PlainTransport on 127.0.0.1 connected to the relay (rtcpMux on that internal hop; the
// room side keeps separate RTCP unless it negotiated rtcp-mux). The room's media becomes a Producer
// with an SSRC we chose; what the room receives comes from a Consumer on the same transport (video:
// the VideoView's per-leg view producer) or from frames the mixer sends through the relay (audio).
//
// The relay ports live as long as the leg, not as long as the router: after a worker death moveTo()
// rebuilds the mediasoup side on another router and the room's SDP stays valid.
//
// With a media plane (the daemon's case) the audio relay runs in its worker (plane/PlaneRelay.ts):
// the mixer there reads and answers the room directly; video stays in this thread.
//
// SRTP (SDES): the relay terminates it with the keys in NegotiatedStream.srtp, because it rewrites
// SSRC, PT, seq and timestamps, which SRTP authenticates; mediasoup only ever sees plain RTP.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError, toVcError } from '../errors.js';
import type { PortPair, RelayPortPool } from './RelayPortPool.js';
import { RtpRelay, type RelayCounters, type RelayedRtp, type RelayEvents, type RelayRemote } from './RtpRelay.js';
import { DtmfSender, type DtmfOptions } from './DtmfSender.js';
import type { MediaPlane } from './plane/MediaPlane.js';
import { PlaneRelay } from './plane/PlaneRelay.js';
import { plainConsumeCaps, producerParams, routerCodecFor } from './mediaCodecs.js';
import {
  AUDIO_CODECS,
  normaliseCodecName,
  videoKeyOf,
  type AudioCodecName,
  type LocalMedia,
  type MediaKind,
  type NegotiatedMedia,
  type NegotiatedStream,
  type VideoCodecKey,
} from './types.js';

export interface SipMediaLegOptions {
  /** Leg id for logs (e.g. the endpoint id). */
  id: string;
  router: ms.Router;
  ports: RelayPortPool;
  log: Logger;
  clock?: Clock;
  /** Address written into our SDP (config media.announcedAddress). */
  announcedAddress: string;
  /** m-lines to prepare ports for (default both). */
  kinds?: MediaKind[];
  /** No RTP for this long → 'rtpTimeout' (default 10 s). */
  rtpTimeoutMs?: number;
  /** Carry the audio m-line on the media plane worker (the mixer must then be a PlaneMixer). */
  plane?: MediaPlane;
}

export interface AudioFormat {
  codec: AudioCodecName;
  pt: number;
  clockRate: number;
  channels: number;
}

export interface KindStats {
  kind: MediaKind;
  codec: string;
  clockRate: number;
  relay: RelayCounters;
  producer: ms.ProducerStat[];
  consumer: ms.ConsumerStat[];
}

type LegEvents = {
  firstRtp: [{ kind: MediaKind }];
  rtpTimeout: [{ kind: MediaKind; silentMs: number }];
  rtpResumed: [{ kind: MediaKind }];
  /** Someone needs a keyframe from this room; if !rtcpFeedback, send SIP INFO picture_fast_update. */
  keyframeRequest: [{ rtcpFeedback: boolean }];
  dtmf: [{ digit: string }];
  /** A (new) producer carries this room's media: wire it to the view, browsers, ... */
  producer: [{ kind: MediaKind; producer: ms.Producer }];
  /** The router under this leg closed (worker died); call moveTo() with a new one. */
  routerClosed: [];
};

/** What a track needs of its relay: an RtpRelay here, or a PlaneRelay for one in the worker. */
interface LegRelay extends TypedEmitter<RelayEvents> {
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

interface Track {
  kind: MediaKind;
  /** The pair the pool holds for the track (with its sockets when this thread bound them). */
  sockets: PortPair;
  relay: LegRelay;
  stream?: NegotiatedStream;
  codec?: ms.RtpCodecCapability;
  transport?: ms.PlainTransport;
  producer?: ms.Producer;
  consumer?: ms.Consumer;
}

const LOOPBACK = { protocol: 'udp' as const, ip: '127.0.0.1' };

export class SipMediaLeg extends TypedEmitter<LegEvents> {
  readonly id: string;
  readonly #tracks = new Map<MediaKind, Track>();
  readonly #ports: RelayPortPool;
  readonly #log: Logger;
  readonly #announced: string;
  #router: ms.Router;
  #remote: NegotiatedMedia | undefined;
  #dtmf: Pick<DtmfSender, 'send' | 'close'> | undefined;
  #closed = false;

  static async create(o: SipMediaLegOptions): Promise<SipMediaLeg> {
    const clock = o.clock ?? systemClock;
    const log = o.log.child({ component: 'media', leg: o.id });
    const tracks: Track[] = [];
    try {
      for (const kind of o.kinds ?? ['audio', 'video']) {
        const rtpTimeoutMs = o.rtpTimeoutMs ?? 10_000;
        if (kind === 'audio' && o.plane) {
          // bound by the worker itself, from the pool's candidates
          const relay = await PlaneRelay.open(o.plane, { legId: o.id, ports: o.ports, rtpTimeoutMs });
          tracks.push({ kind, sockets: relay.ports, relay });
          continue;
        }
        const sockets = await o.ports.allocate();
        const relay = new RtpRelay({ kind, sockets, log, clock, rtpTimeoutMs, legId: o.id });
        tracks.push({ kind, sockets, relay });
        await relay.start();
      }
    } catch (e) {
      for (const t of tracks) {
        t.relay.close();
        o.ports.release(t.sockets);
      }
      throw toVcError(e, 'MEDIA_FAILED');
    }
    return new SipMediaLeg(o, log, clock, tracks);
  }

  private constructor(o: SipMediaLegOptions, log: Logger, clock: Clock, tracks: Track[]) {
    super();
    this.id = o.id;
    this.#router = o.router;
    this.#ports = o.ports;
    this.#log = log;
    this.#announced = o.announcedAddress;
    for (const t of tracks) {
      this.#tracks.set(t.kind, t);
      const kind = t.kind;
      t.relay.on('firstRtp', () => this.emit('firstRtp', { kind }));
      t.relay.on('rtpTimeout', (e) => this.emit('rtpTimeout', { kind, silentMs: e.silentMs }));
      t.relay.on('rtpResumed', () => this.emit('rtpResumed', { kind }));
      t.relay.on('dtmf', (e) => this.emit('dtmf', e));
      if (kind === 'video') t.relay.on('keyframeRequest', (e) => this.emit('keyframeRequest', e));
      if (kind === 'audio') {
        const relay = t.relay;
        if (relay instanceof PlaneRelay) this.#dtmf = { send: (d, opts) => relay.sendDtmf(d, opts), close: () => {} };
        else if (relay instanceof RtpRelay) this.#dtmf = new DtmfSender({ relay, clock });
      }
    }
  }

  /** Our side for the SDP: where the room must send RTP and RTCP. */
  localDescription(): LocalMedia {
    const out: LocalMedia = { address: this.#announced };
    for (const t of this.#tracks.values()) out[t.kind] = { port: t.relay.localPort, rtcpPort: t.relay.localRtcpPort };
    return out;
  }

  get router(): ms.Router {
    return this.#router;
  }
  get remote(): NegotiatedMedia | undefined {
    return this.#remote;
  }
  get audioProducer(): ms.Producer | undefined {
    return this.#tracks.get('audio')?.producer;
  }
  get videoProducer(): ms.Producer | undefined {
    return this.#tracks.get('video')?.producer;
  }

  /** The audio codec the room negotiated (what the mixer decodes and encodes for it). */
  get audioFormat(): AudioFormat | undefined {
    const s = this.#tracks.get('audio')?.stream;
    if (!s) return undefined;
    const codec = normaliseCodecName(s.codec) as AudioCodecName;
    return { codec, pt: s.pt, clockRate: s.clockRate, channels: s.channels ?? 1 };
  }

  /** The SRTP suite of each m-line that is encrypted (empty for a plain leg). */
  get srtpSuites(): Partial<Record<MediaKind, string>> {
    const out: Partial<Record<MediaKind, string>> = {};
    for (const t of this.#tracks.values()) {
      const suite = t.stream ? t.relay.srtpSuite : undefined;
      if (suite) out[t.kind] = suite;
    }
    return out;
  }

  /** The video the room can decode, or undefined without a video m-line it receives on. */
  get videoCodec(): VideoCodecKey | undefined {
    const s = this.#tracks.get('video')?.stream;
    return s && receives(s) ? videoKeyOf(s) : undefined;
  }

  /** Apply the negotiated SDP (first answer or any re-INVITE). */
  async setRemote(remote: NegotiatedMedia): Promise<void> {
    this.#assertOpen();
    for (const kind of ['audio', 'video'] as const) {
      const s = remote[kind];
      if (s && s.port !== 0 && !this.#tracks.has(kind)) {
        throw new VcError('SDP_INVALID', `leg ${this.id} has no ${kind} ports but the SDP has a ${kind} m-line`);
      }
      if (
        s &&
        s.port !== 0 &&
        kind === 'audio' &&
        !(AUDIO_CODECS as readonly string[]).includes(normaliseCodecName(s.codec))
      ) {
        throw new VcError(
          'SDP_NO_COMMON_CODEC',
          `audio codec ${s.codec} is not one the bridge mixes (${AUDIO_CODECS.join(', ')})`,
        );
      }
    }
    this.#remote = remote;
    for (const t of this.#tracks.values()) await this.#applyTrack(t);
  }

  /** Rebuild the mediasoup side on another router (after a worker death); relay ports stay. */
  async moveTo(router: ms.Router): Promise<void> {
    this.#assertOpen();
    for (const t of this.#tracks.values()) this.#dropTransport(t);
    this.#router = router;
    for (const t of this.#tracks.values()) await this.#applyTrack(t);
  }

  /** What the room sees on video: a producer in this leg's router (the VideoView's view), or nothing. */
  async setVideoEgress(producer: ms.Producer | null): Promise<void> {
    await this.#setEgress('video', producer);
  }

  /** Send another producer's audio to the room as is (two-party calls without the mixer). */
  async setAudioEgress(producer: ms.Producer | null): Promise<void> {
    await this.#setEgress('audio', producer);
  }

  /** The audio relay in the media plane worker, when the leg was created with a plane. */
  get audioPlaneRelay(): PlaneRelay | undefined {
    const relay = this.#tracks.get('audio')?.relay;
    return relay instanceof PlaneRelay ? relay : undefined;
  }

  /** Listen to the room's audio after rewriting (the mixer's input); returns an unsubscribe function. */
  tapAudio(listener: (p: RelayedRtp) => void): () => void {
    const relay = this.#tracks.get('audio')?.relay;
    if (!relay) throw new VcError('MEDIA_FAILED', `leg ${this.id} has no audio`);
    if (relay instanceof PlaneRelay)
      throw new VcError('MEDIA_FAILED', `leg ${this.id} carries its audio on the media plane: mix it there`);
    relay.on('rtp', listener);
    return () => relay.off('rtp', listener);
  }

  /** One encoded audio frame to the room in its codec; `samples` is the RTP clock advance. */
  sendAudioFrame(payload: Uint8Array, samples: number): void {
    this.#tracks.get('audio')?.relay.sendFrame(payload, samples);
  }

  /** Ask the room for a keyframe (RTCP PLI/FIR; also emits 'keyframeRequest'). */
  requestKeyFrame(): void {
    this.#tracks.get('video')?.relay.requestKeyFrame();
  }

  /** RFC 4733 DTMF on the audio stream (e.g. the upstream MCU's PIN). */
  sendDtmf(digits: string, opts?: DtmfOptions): Promise<void> {
    if (!this.#dtmf) throw new VcError('MEDIA_FAILED', `leg ${this.id} has no audio`);
    return this.#dtmf.send(digits, opts);
  }

  /** Raw figures for LegStats. */
  async collectStats(): Promise<KindStats[]> {
    const out: KindStats[] = [];
    for (const t of this.#tracks.values()) {
      if (!t.stream) continue;
      const [producer, consumer] = await Promise.all([
        t.producer && !t.producer.closed ? t.producer.getStats() : [],
        t.consumer && !t.consumer.closed ? t.consumer.getStats() : [],
      ]);
      out.push({
        kind: t.kind,
        codec: normaliseCodecName(t.stream.codec),
        clockRate: t.stream.clockRate,
        relay: await t.relay.counters(),
        producer,
        consumer: consumer.filter((s) => s.type === 'outbound-rtp'),
      });
    }
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dtmf?.close();
    for (const t of this.#tracks.values()) {
      this.#dropTransport(t);
      t.relay.close();
      this.#ports.release(t.sockets);
    }
    this.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closed) throw new VcError('MEDIA_FAILED', `leg ${this.id} is closed`);
  }

  async #applyTrack(t: Track): Promise<void> {
    const s = this.#remote?.[t.kind];
    if (!s || s.port === 0) {
      t.stream = undefined;
      t.relay.setRemote(undefined);
      this.#dropTransport(t);
      return;
    }
    const codec = routerCodecFor(this.#router.rtpCapabilities, t.kind, s);
    const codecChanged = t.codec?.preferredPayloadType !== codec.preferredPayloadType;
    t.stream = s;
    t.codec = codec;
    t.relay.setRemote(
      {
        address: s.address ?? this.#remote!.address,
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
      t.kind === 'audio' ? normaliseCodecName(s.codec) : undefined,
    );
    if (!t.transport) {
      try {
        t.transport = await this.#router.createPlainTransport({ listenInfo: LOOPBACK, rtcpMux: true, comedia: false });
        await t.transport.connect({ ip: '127.0.0.1', port: t.relay.internalPort });
      } catch (e) {
        throw new VcError(
          'MEDIA_FAILED',
          `cannot create the ${t.kind} transport of leg ${this.id}: ${(e as Error).message}`,
          undefined,
          { cause: e },
        );
      }
      const transport = t.transport;
      transport.on('routerclose', () => this.#onRouterClosed(t, transport));
      t.relay.setTransport(transport.tuple.localPort);
    }
    if (t.producer && (codecChanged || !sends(s))) {
      t.producer.close();
      t.producer = undefined;
    }
    if (!t.producer && sends(s)) {
      t.producer = await t.transport.produce({
        kind: t.kind,
        rtpParameters: producerParams(codec, t.relay.ingressSsrc, { nack: s.rtcpFb?.nack }),
        appData: { legId: this.id },
      });
      this.#log.debug({ kind: t.kind, producerId: t.producer.id, codec: codec.mimeType }, 'room producer ready');
      this.emit('producer', { kind: t.kind, producer: t.producer });
    }
    if (t.consumer && (codecChanged || !receives(s))) {
      const producerId = t.consumer.producerId;
      t.consumer.close();
      t.consumer = undefined;
      if (receives(s)) await this.#setEgress(t.kind, { id: producerId });
    }
  }

  async #setEgress(kind: MediaKind, producer: Pick<ms.Producer, 'id'> | null): Promise<void> {
    this.#assertOpen();
    const t = this.#tracks.get(kind);
    if (!t) throw new VcError('MEDIA_FAILED', `leg ${this.id} has no ${kind}`);
    t.consumer?.close();
    t.consumer = undefined;
    if (!producer || !t.stream || !receives(t.stream)) return;
    if (!t.transport || !t.codec)
      throw new VcError('MEDIA_FAILED', `leg ${this.id}: setRemote() before choosing what it receives`);
    try {
      const consumer = await t.transport.consume({
        producerId: producer.id,
        rtpCapabilities: plainConsumeCaps(t.codec),
      });
      consumer.on('producerclose', () => {
        if (t.consumer === consumer) t.consumer = undefined;
      });
      t.consumer = consumer;
    } catch (e) {
      throw new VcError(
        'MEDIA_FAILED',
        `leg ${this.id} cannot receive producer ${producer.id} in ${t.codec.mimeType}: ${(e as Error).message}`,
        undefined,
        { cause: e },
      );
    }
    if (kind === 'video') await t.consumer.requestKeyFrame();
  }

  #dropTransport(t: Track): void {
    t.relay.setTransport(undefined);
    t.consumer = undefined;
    t.producer = undefined;
    const tr = t.transport;
    t.transport = undefined;
    if (tr && !tr.closed) tr.close();
  }

  #onRouterClosed(t: Track, transport: ms.PlainTransport): void {
    if (t.transport !== transport) return;
    this.#log.warn({ kind: t.kind }, 'router closed under the leg');
    this.#dropTransport(t);
    if ([...this.#tracks.values()].every((x) => !x.transport)) this.emit('routerClosed');
  }
}

function sends(s: NegotiatedStream): boolean {
  return (s.direction ?? 'sendrecv') === 'sendrecv' || s.direction === 'sendonly';
}

function receives(s: NegotiatedStream): boolean {
  return (s.direction ?? 'sendrecv') === 'sendrecv' || s.direction === 'recvonly';
}
