// N-1 audio mixer for SIP legs. Design:
//
//   SIP room ─▶ RtpRelay ─┬─▶ PlainTransport ─▶ Producer ─▶ (browsers consume it through mediasoup)
//                         └─▶ tap (in-process) ─▶ JitterBuffer ─┐
//   browser ─▶ WebRtcTransport ─▶ Producer ─▶ Consumer on the   │   every 20 ms: pop each source,
//              mixer's PlainTransport ─▶ mixer socket ─▶ JB ────┤   sum the unmuted ones, per SIP
//                                                               │   listener subtract its own frame,
//   SIP room ◀─ RtpRelay ◀── encoded mix (room's codec) ◀───────┘   soft-clip, encode, send
//
// Every SIP leg still produces its audio into the router, so browsers hear rooms through the SFU;
// the mixer takes SIP audio straight from the relay (one decode, no extra mediasoup hop each way) and
// browser audio (Opus) through one PlainTransport consuming their producers. Only SIP legs are
// listeners: browsers get per-source consumers from mediasoup. The mixing is MixCore's; this class
// runs it in the calling thread. The daemon runs it on the media plane worker instead
// (plane/PlaneMixer.ts, same interface), so a busy event loop cannot delay its ticks.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { SpeakerDetectorOptions } from './SpeakerDetector.js';
import { plainConsumeCaps, producerCodec } from './mediaCodecs.js';
import { MixCore, type MixerMemberStats, type MixEvents, type TickTrace } from './MixCore.js';
import { MixTap } from './MixTap.js';
import type { SipMediaLeg } from './SipMediaLeg.js';

export type { MixerMemberStats } from './MixCore.js';

export interface AudioMixerOptions {
  log: Logger;
  /** Needed only for browser (producer) sources. */
  router?: ms.Router;
  speaker?: SpeakerDetectorOptions;
}

/** What a conference needs of its mixer, wherever it runs (AudioMixer, plane/PlaneMixer). */
export interface ConferenceMixer extends TypedEmitter<MixEvents> {
  readonly members: string[];
  readonly activeSpeaker: string | undefined;
  readonly lateTicks: number;
  readonly busyMs: number;
  addSipLeg(id: string, leg: SipMediaLeg): void;
  addProducer(id: string, producer: ms.Producer): Promise<void>;
  onFullMix(listener: (sum: Int32Array) => void): () => void;
  remove(id: string): void;
  setMuted(id: string, muted: boolean): void;
  isMuted(id: string): boolean;
  stats(): MixerMemberStats[];
  /** Benches: trace the ticks as member `id` sees them (undefined stops); what was traced so far. */
  trace(id: string | undefined): Promise<TickTrace[]>;
  setRouter(router: ms.Router): void;
  close(): void;
}

/** The mixer's tap: a socket and the PlainTransport whose consumers send to it. */
interface Tap {
  tap: MixTap;
  transport: ms.PlainTransport;
}

export class AudioMixer extends TypedEmitter<MixEvents> implements ConferenceMixer {
  readonly #log: Logger;
  readonly #core: MixCore;
  readonly #untap = new Map<string, () => void>();
  readonly #consumers = new Map<string, ms.Consumer>();
  #router: ms.Router | undefined;
  #tap: Tap | undefined;
  #tapPending: Promise<Tap> | undefined;
  #closed = false;

  constructor(o: AudioMixerOptions) {
    super();
    this.#log = o.log.child({ component: 'media.mixer' });
    this.#router = o.router;
    this.#core = new MixCore({ log: this.#log, ...(o.speaker ? { speaker: o.speaker } : {}) });
    this.#core.on('activeSpeaker', (e) => this.emit('activeSpeaker', e));
  }

  get members(): string[] {
    return this.#core.members;
  }
  get activeSpeaker(): string | undefined {
    return this.#core.activeSpeaker;
  }
  /** Mixer ticks that ran more than one frame late (event loop stalls). */
  get lateTicks(): number {
    return this.#core.lateTicks;
  }
  /** Milliseconds spent receiving, decoding, mixing and encoding so far (metrics: mixer CPU). */
  get busyMs(): number {
    return this.#core.busyMs;
  }

  /** A SIP leg: its room's audio goes into the mix and it hears everyone else. Call after setRemote(). */
  addSipLeg(id: string, leg: SipMediaLeg): void {
    this.#assertOpen();
    const fmt = leg.audioFormat;
    if (!fmt) throw new VcError('MEDIA_FAILED', say('media.legNoMixAudio', { leg: leg.id }));
    const push = this.#core.add(id, fmt.codec, {
      send: (payload, frameTs) => leg.sendAudioFrame(payload, frameTs),
      codecNow: () => leg.audioFormat?.codec,
    });
    this.#untap.set(
      id,
      leg.tapAudio((p) => push(p.ts, p.payload)),
    );
  }

  /** A browser's (or any router) audio producer as a source; it hears nothing from the mixer. */
  async addProducer(id: string, producer: ms.Producer): Promise<void> {
    this.#assertOpen();
    if (this.#core.has(id)) throw new VcError('MEDIA_FAILED', say('media.mixerHasSource', { id }));
    const router = this.#router;
    if (!router) throw new VcError('MEDIA_FAILED', say('media.mixerNoRouter'));
    const codec = producerCodec(router.rtpCapabilities, producer);
    const tap = await this.#tapTransport(router);
    const consumer = await tap.transport.consume({ producerId: producer.id, rtpCapabilities: plainConsumeCaps(codec) });
    const push = this.#core.add(id, codec.mimeType.split('/')[1] ?? '', {});
    this.#consumers.set(id, consumer);
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
    if (ssrc !== undefined) tap.tap.route(ssrc, id, push);
    consumer.on('producerclose', () => this.remove(id));
    consumer.on('transportclose', () => this.remove(id));
  }

  onFullMix(listener: (sum: Int32Array) => void): () => void {
    return this.#core.onFullMix(listener);
  }

  remove(id: string): void {
    if (!this.#core.has(id)) return;
    this.#untap.get(id)?.();
    this.#untap.delete(id);
    this.#tap?.tap.unroute(id);
    const c = this.#consumers.get(id);
    this.#consumers.delete(id);
    if (c && !c.closed) c.close();
    this.#core.remove(id);
  }

  setMuted(id: string, muted: boolean): void {
    this.#core.setMuted(id, muted);
  }

  isMuted(id: string): boolean {
    return this.#core.isMuted(id);
  }

  stats(): MixerMemberStats[] {
    return this.#core.stats();
  }

  async trace(id: string | undefined): Promise<TickTrace[]> {
    return this.#core.trace(id);
  }

  /** After a worker death: browser sources are dropped (re-add them); SIP legs keep mixing. */
  setRouter(router: ms.Router): void {
    for (const id of [...this.#consumers.keys()]) this.remove(id);
    this.#closeTap();
    this.#router = router;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of this.#core.members) this.remove(id);
    this.#core.close();
    this.#closeTap();
    this.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closed) throw new VcError('MEDIA_FAILED', say('media.mixerClosed'));
  }

  async #tapTransport(router: ms.Router): Promise<Tap> {
    if (this.#tap) return this.#tap;
    this.#tapPending ??= (async () => {
      const tap = await MixTap.open(this.#core, this.#log);
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port: tap.port });
      this.#tap = { tap, transport };
      return this.#tap;
    })().finally(() => {
      this.#tapPending = undefined;
    });
    return this.#tapPending;
  }

  #closeTap(): void {
    const t = this.#tap;
    this.#tap = undefined;
    if (!t) return;
    if (!t.transport.closed) t.transport.close();
    t.tap.close();
  }
}
