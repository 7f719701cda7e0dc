// A conference's N-1 mixer run by the media plane worker, behind the interface AudioMixer has
// (ConferenceMixer). The worker mixes; this side says who is in and who is muted, connects browser
// producers to the worker's tap socket through mediasoup, and hears the active speaker, the full mix
// (program feed) and once a second the mixer's figures. What it was told is kept for a restarted worker.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { plainConsumeCaps, producerCodec } from '../mediaCodecs.js';
import type { MixerMemberStats, MixEvents, TickTrace } from '../MixCore.js';
import type { ConferenceMixer } from '../AudioMixer.js';
import type { SipMediaLeg } from '../SipMediaLeg.js';
import type { MediaPlane, MixerClient } from './MediaPlane.js';
import type { MixerReport } from './protocol.js';

type Member = { kind: 'leg'; rid: number; codec: string } | { kind: 'tap'; codec: string; ssrc: number };

export class PlaneMixer extends TypedEmitter<MixEvents> implements ConferenceMixer, MixerClient {
  readonly #plane: MediaPlane;
  readonly #log: Logger;
  readonly #mid: number;
  readonly #members = new Map<string, Member>();
  readonly #muted = new Map<string, boolean>();
  readonly #consumers = new Map<string, ms.Consumer>();
  readonly #fullMix = new Set<(sum: Int32Array) => void>();
  #router: ms.Router | undefined;
  #tapPort = 0;
  #tapTransport: ms.PlainTransport | undefined;
  #tapPending: Promise<ms.PlainTransport> | undefined;
  #report: MixerReport | undefined;
  /** Figures of workers that died (a new one counts from zero). */
  #base = { lateTicks: 0, busyMs: 0 };
  #speaker: string | undefined;
  #closed = false;

  constructor(o: { plane: MediaPlane; log: Logger; router?: ms.Router }) {
    super();
    this.#plane = o.plane;
    this.#log = o.log.child({ component: 'media.mixer' });
    this.#router = o.router;
    this.#mid = o.plane.addMixer(this);
    this.#plane.command({ op: 'mix.open', mid: this.#mid });
  }

  get members(): string[] {
    return [...this.#members.keys()];
  }
  get activeSpeaker(): string | undefined {
    return this.#speaker;
  }
  /** Ticks more than one frame late, as of the worker's last report (once a second). */
  get lateTicks(): number {
    return this.#report?.lateTicks ?? 0;
  }
  get busyMs(): number {
    return this.#report?.busyMs ?? 0;
  }

  addSipLeg(id: string, leg: SipMediaLeg): void {
    this.#assertNew(id);
    const fmt = leg.audioFormat;
    const relay = leg.audioPlaneRelay;
    if (!fmt) throw new VcError('MEDIA_FAILED', say('media.legNoMixAudio', { leg: leg.id }));
    if (!relay) throw new VcError('MEDIA_FAILED', say('media.plane.legNotOnPlane', { leg: leg.id }));
    const m: Member = { kind: 'leg', rid: relay.rid, codec: fmt.codec };
    this.#members.set(id, m);
    this.#sendMember(id, m);
  }

  async addProducer(id: string, producer: ms.Producer): Promise<void> {
    this.#assertNew(id);
    const router = this.#router;
    if (!router) throw new VcError('MEDIA_FAILED', say('media.mixerNoRouter'));
    const codec = producerCodec(router.rtpCapabilities, producer);
    const transport = await this.#tap(router);
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: plainConsumeCaps(codec) });
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
    if (this.#closed || ssrc === undefined) {
      consumer.close();
      if (ssrc === undefined) throw new VcError('MEDIA_FAILED', say('media.plane.noSsrc', { id }));
      return;
    }
    const m: Member = { kind: 'tap', codec: codec.mimeType.split('/')[1] ?? '', ssrc };
    this.#members.set(id, m);
    this.#consumers.set(id, consumer);
    this.#sendMember(id, m);
    consumer.on('producerclose', () => this.remove(id));
    consumer.on('transportclose', () => this.remove(id));
  }

  onFullMix(listener: (sum: Int32Array) => void): () => void {
    this.#fullMix.add(listener);
    if (this.#fullMix.size === 1) this.#plane.command({ op: 'mix.fullMix', mid: this.#mid, on: true });
    return () => {
      if (this.#fullMix.delete(listener) && this.#fullMix.size === 0 && !this.#closed)
        this.#plane.command({ op: 'mix.fullMix', mid: this.#mid, on: false });
    };
  }

  remove(id: string): void {
    if (!this.#members.delete(id)) return;
    this.#muted.delete(id);
    if (this.#speaker === id) this.#speaker = undefined;
    const c = this.#consumers.get(id);
    this.#consumers.delete(id);
    if (c && !c.closed) c.close();
    if (!this.#closed) this.#plane.command({ op: 'mix.remove', mid: this.#mid, id });
  }

  setMuted(id: string, muted: boolean): void {
    if (!this.#members.has(id)) throw new VcError('PARTICIPANT_UNKNOWN', say('media.mixerNoSource', { id }));
    this.#muted.set(id, muted);
    this.#plane.command({ op: 'mix.mute', mid: this.#mid, id, muted });
  }

  isMuted(id: string): boolean {
    return this.#muted.get(id) ?? false;
  }

  /** The sources' figures as of the worker's last report (once a second). */
  stats(): MixerMemberStats[] {
    return (this.#report?.stats ?? []).filter((s) => this.#members.has(s.id));
  }

  /** Benches: trace the ticks as member `id` sees them (undefined stops); what was traced so far. */
  async trace(id: string | undefined): Promise<TickTrace[]> {
    return (await this.#plane.request({ op: 'mix.trace', mid: this.#mid, id })) as TickTrace[];
  }

  /** After a mediasoup worker death: browser sources are dropped (re-add them); SIP legs keep mixing. */
  setRouter(router: ms.Router): void {
    for (const id of [...this.#consumers.keys()]) this.remove(id);
    if (this.#tapTransport && !this.#tapTransport.closed) this.#tapTransport.close();
    this.#tapTransport = undefined;
    this.#router = router;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#consumers.values()) if (!c.closed) c.close();
    this.#consumers.clear();
    if (this.#tapTransport && !this.#tapTransport.closed) this.#tapTransport.close();
    this.#plane.command({ op: 'mix.close', mid: this.#mid });
    this.#plane.removeMixer(this.#mid);
    this.#fullMix.clear();
    this.removeAllListeners();
  }

  // ---- MixerClient: what the worker reports

  onSpeaker(id: string, dBov: number): void {
    if (!this.#members.has(id)) return;
    this.#speaker = id;
    this.emit('activeSpeaker', { id, dBov });
  }

  onSum(sum: Int32Array): void {
    for (const l of this.#fullMix) {
      try {
        l(sum);
      } catch (e) {
        this.#log.warn({ err: e }, 'full-mix listener failed');
      }
    }
  }

  onReport(r: MixerReport): void {
    this.#report = { ...r, lateTicks: r.lateTicks + this.#base.lateTicks, busyMs: r.busyMs + this.#base.busyMs };
  }

  async replay(): Promise<void> {
    if (this.#closed) return;
    // the new worker counts from zero: keep the figures monotonic
    if (this.#report) this.#base = { lateTicks: this.#report.lateTicks, busyMs: this.#report.busyMs };
    this.#plane.command({ op: 'mix.open', mid: this.#mid });
    if (this.#tapPort !== 0) await this.#plane.request({ op: 'mix.tap', mid: this.#mid, port: this.#tapPort });
    for (const [id, m] of this.#members) this.#sendMember(id, m);
    if (this.#fullMix.size > 0) this.#plane.command({ op: 'mix.fullMix', mid: this.#mid, on: true });
  }

  #sendMember(id: string, m: Member): void {
    if (m.kind === 'leg') this.#plane.command({ op: 'mix.addLeg', mid: this.#mid, id, rid: m.rid, codec: m.codec });
    else this.#plane.command({ op: 'mix.addTapSource', mid: this.#mid, id, codec: m.codec, ssrc: m.ssrc });
    const muted = this.#muted.get(id);
    if (muted !== undefined) this.#plane.command({ op: 'mix.mute', mid: this.#mid, id, muted });
  }

  #assertNew(id: string): void {
    if (this.#closed) throw new VcError('MEDIA_FAILED', say('media.mixerClosed'));
    if (this.#members.has(id)) throw new VcError('MEDIA_FAILED', say('media.mixerHasSource', { id }));
  }

  /** The PlainTransport whose consumers send browser audio to the worker's tap socket. */
  async #tap(router: ms.Router): Promise<ms.PlainTransport> {
    if (this.#tapTransport) return this.#tapTransport;
    this.#tapPending ??= (async () => {
      const r = (await this.#plane.request({ op: 'mix.tap', mid: this.#mid, port: this.#tapPort })) as {
        port: number;
      };
      this.#tapPort = r.port;
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port: r.port });
      this.#tapTransport = transport;
      return transport;
    })().finally(() => {
      this.#tapPending = undefined;
    });
    return this.#tapPending;
  }
}
