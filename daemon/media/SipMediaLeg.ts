// The media of one SIP leg: an RtpRelay per m-line (room-facing ports from media.relayPorts; the room
// side keeps separate RTCP unless it negotiated rtcp-mux), each wired to mediasoup by a LegTrack. The
// room's media becomes a Producer with an SSRC we chose; what the room receives comes from a Consumer
// (video: the VideoView's per-leg view producer) or from frames the mixer sends through the relay
// (audio). This file makes the relays, checks the negotiated SDP and speaks for the leg.
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
import { say } from '../../protocol/index.js';
import { VcError, toVcError } from '../errors.js';
import type { RelayPortPool } from './RelayPortPool.js';
import { RtpRelay, type RelayedRtp } from './RtpRelay.js';
import { DtmfSender, type DtmfOptions } from './DtmfSender.js';
import type { MediaPlane } from './plane/MediaPlane.js';
import { PlaneRelay } from './plane/PlaneRelay.js';
import { LegTrack, receives, type KindStats } from './LegTrack.js';
import {
  AUDIO_CODECS,
  normaliseCodecName,
  videoKeyOf,
  type AudioCodecName,
  type LocalMedia,
  type MediaKind,
  type NegotiatedMedia,
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

export type { KindStats } from './LegTrack.js';

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

type NewTrack = Pick<LegTrack, 'kind' | 'sockets' | 'relay'>;

export class SipMediaLeg extends TypedEmitter<LegEvents> {
  readonly id: string;
  readonly #tracks = new Map<MediaKind, LegTrack>();
  readonly #ports: RelayPortPool;
  readonly #announced: string;
  #router: ms.Router;
  #remote: NegotiatedMedia | undefined;
  #dtmf: Pick<DtmfSender, 'send' | 'close'> | undefined;
  #closed = false;

  static async create(o: SipMediaLegOptions): Promise<SipMediaLeg> {
    const clock = o.clock ?? systemClock;
    const log = o.log.child({ component: 'media', leg: o.id });
    const tracks: NewTrack[] = [];
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

  private constructor(o: SipMediaLegOptions, log: Logger, clock: Clock, tracks: NewTrack[]) {
    super();
    this.id = o.id;
    this.#router = o.router;
    this.#ports = o.ports;
    this.#announced = o.announcedAddress;
    for (const { kind, sockets, relay } of tracks) {
      const t = new LegTrack({
        kind,
        sockets,
        relay,
        legId: o.id,
        log,
        assertOpen: () => this.#assertOpen(),
        onProducer: (producer) => this.emit('producer', { kind, producer }),
        onRouterClosed: () => this.#onRouterClosed(),
      });
      this.#tracks.set(kind, t);
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
        throw new VcError('SDP_INVALID', say('media.legNoPorts', { leg: this.id, kind }));
      }
      if (
        s &&
        s.port !== 0 &&
        kind === 'audio' &&
        !(AUDIO_CODECS as readonly string[]).includes(normaliseCodecName(s.codec))
      ) {
        throw new VcError(
          'SDP_NO_COMMON_CODEC',
          say('media.codecNotMixed', { codec: s.codec, known: AUDIO_CODECS.join(', ') }),
        );
      }
    }
    this.#remote = remote;
    await this.#applyTracks();
  }

  /** Rebuild the mediasoup side on another router (after a worker death); relay ports stay. */
  async moveTo(router: ms.Router): Promise<void> {
    this.#assertOpen();
    for (const t of this.#tracks.values()) t.dropTransport();
    this.#router = router;
    await this.#applyTracks();
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
    if (!relay) throw new VcError('MEDIA_FAILED', say('media.legNoKind', { leg: this.id, kind: 'audio' }));
    if (relay instanceof PlaneRelay) throw new VcError('MEDIA_FAILED', say('media.legAudioOnPlane', { leg: this.id }));
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
    if (!this.#dtmf) throw new VcError('MEDIA_FAILED', say('media.legNoKind', { leg: this.id, kind: 'audio' }));
    return this.#dtmf.send(digits, opts);
  }

  /** Raw figures for LegStats. */
  async collectStats(): Promise<KindStats[]> {
    const out: KindStats[] = [];
    for (const t of this.#tracks.values()) {
      const stats = await t.stats();
      if (stats) out.push(stats);
    }
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dtmf?.close();
    for (const t of this.#tracks.values()) {
      t.dropTransport();
      t.relay.close();
      this.#ports.release(t.sockets);
    }
    this.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closed) throw new VcError('MEDIA_FAILED', say('media.legClosed', { leg: this.id }));
  }

  async #applyTracks(): Promise<void> {
    for (const t of this.#tracks.values())
      await t.apply(this.#router, this.#remote?.[t.kind], this.#remote?.address ?? '');
  }

  async #setEgress(kind: MediaKind, producer: Pick<ms.Producer, 'id'> | null): Promise<void> {
    this.#assertOpen();
    const t = this.#tracks.get(kind);
    if (!t) throw new VcError('MEDIA_FAILED', say('media.legNoKind', { leg: this.id, kind }));
    await t.setEgress(producer);
  }

  #onRouterClosed(): void {
    if ([...this.#tracks.values()].every((x) => !x.hasTransport)) this.emit('routerClosed');
  }
}
