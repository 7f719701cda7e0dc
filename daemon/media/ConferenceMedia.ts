// The media of one conference: its router, the N-1 audio mixer for SIP legs and the per-leg video
// views. Participants hand in their connected SipMediaLeg; the conference tells this class who is
// muted and who sees whom. After a worker death rebuild() moves everything to a new router: the
// legs keep their relay ports (the rooms' SDP stays valid) and the mixer keeps mixing throughout,
// because it takes the rooms' audio from the relays, not from mediasoup.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { AudioMixer, type ConferenceMixer, type MixerMemberStats } from './AudioMixer.js';
import type { TickTrace } from './MixCore.js';
import type { MediaPlane } from './plane/MediaPlane.js';
import { PlaneMixer } from './plane/PlaneMixer.js';
import { VideoView } from './VideoView.js';
import type { SipMediaLeg } from './SipMediaLeg.js';
import type { MediaKind, VideoCodecKey } from './types.js';
import { CANVAS, Pictures, type Picture } from './compositor/Pictures.js';
import { outputClassOf } from './compositor/outputClass.js';
import { fitsLevel, levelOf } from './h264Level.js';
import type { SpsPicture } from './rtp/h264Sps.js';
import type { OutputClass } from './compositor/Compositor.js';
import { PROGRAM_TARGET, ProgramFeed } from './program/ProgramFeed.js';

type MediaEvents = {
  activeSpeaker: [{ id: string; dBov: number }];
  switched: [{ targetId: string; sourceId: string | null; waitedMs: number }];
  /** The streams in the router changed (a leg or browser came, went or produced again): browsers re-sync. */
  sources: [];
  /** Someone was muted or unmuted in the mix: browsers pause or resume that one's audio too. */
  muted: [{ id: string; muted: boolean }];
  /** A participant's video is in the view now (hasVideo() true): the floor can show it. */
  video: [{ id: string }];
  /** A participant's H.264 picture has a new size (its SPS): who can decode it as it is may change. */
  picture: [{ id: string; width: number; height: number }];
};

interface LegEntry {
  leg: SipMediaLeg;
  onProducer: (e: { kind: MediaKind; producer: ms.Producer }) => void;
  /** The video producer given to the current view (a leg re-emits its producer on moveTo). */
  source?: ms.Producer;
}

export class ConferenceMedia extends TypedEmitter<MediaEvents> {
  readonly #log: Logger;
  readonly #mixer: ConferenceMixer;
  readonly #legs = new Map<string, LegEntry>();
  readonly #muted = new Map<string, boolean>();
  /** Browser participants' producers (BrowserLink hands them in). */
  readonly #browsers = new Map<string, { audio?: ms.Producer; video?: ms.Producer }>();
  #router: ms.Router;
  #view: VideoView;
  /** Multi-picture and transcoding: the compositor's canvases as view sources. */
  readonly #pictures: Pictures;
  /** The picture and full mix for recordings and live streams (on demand). */
  readonly program: ProgramFeed;
  #closed = false;

  /** With a plane the mixer runs on its worker (the legs' audio must be there too), else in this thread. */
  static async create(o: { router: ms.Router; log: Logger; plane?: MediaPlane }): Promise<ConferenceMedia> {
    const view = await VideoView.create({ router: o.router, log: o.log });
    return new ConferenceMedia(o.router, view, o.log, o.plane);
  }

  private constructor(router: ms.Router, view: VideoView, log: Logger, plane: MediaPlane | undefined) {
    super();
    this.#router = router;
    this.#log = log.child({ component: 'conference.media' });
    this.#mixer = plane ? new PlaneMixer({ plane, log, router }) : new AudioMixer({ log, router });
    this.#mixer.on('activeSpeaker', (e) => this.emit('activeSpeaker', e));
    this.#view = this.#wireView(view);
    this.#pictures = new Pictures({ router, view, log: this.#log });
    this.program = new ProgramFeed({ router, view, mixer: this.#mixer, log: this.#log });
  }

  get router(): ms.Router {
    return this.#router;
  }
  get legIds(): string[] {
    return [...this.#legs.keys()];
  }
  /** CPU time of this conference's audio mixer so far, ms. */
  get mixerBusyMs(): number {
    return this.#mixer.busyMs;
  }
  /** Mixer ticks that ran more than one frame late so far (the event loop was too busy). */
  get mixerLateTicks(): number {
    return this.#mixer.lateTicks;
  }

  /** A leg that just connected (after setRemote): its audio joins the mix, its video becomes a source and a target. */
  async addLeg(id: string, leg: SipMediaLeg): Promise<void> {
    this.removeLeg(id);
    const entry: LegEntry = {
      leg,
      onProducer: (e) => {
        this.emit('sources');
        if (e.kind !== 'video') return;
        this.#addSource(id, entry, e.producer).catch((err: unknown) =>
          this.#log.warn({ err, id }, 'cannot add video source'),
        );
      },
    };
    leg.on('producer', entry.onProducer);
    this.#legs.set(id, entry);
    if (leg.audioFormat) {
      this.#mixer.addSipLeg(id, leg);
      this.#mixer.setMuted(id, this.#muted.get(id) ?? false);
    }
    await this.#addToView(id, entry);
    this.emit('sources');
  }

  /** The leg renegotiated (re-INVITE): its codecs may have changed. */
  async refreshLeg(id: string): Promise<void> {
    const e = this.#legs.get(id);
    if (!e) return;
    if (e.leg.audioFormat && !this.#mixer.members.includes(id)) {
      this.#mixer.addSipLeg(id, e.leg);
      this.#mixer.setMuted(id, this.#muted.get(id) ?? false);
    }
    this.#view.removeTarget(id);
    this.#view.removeSource(id);
    e.source = undefined;
    await this.#addToView(id, e);
  }

  removeLeg(id: string): void {
    const e = this.#legs.get(id);
    if (!e) return;
    this.#legs.delete(id);
    e.leg.off('producer', e.onProducer);
    this.#mixer.remove(id);
    this.#view.removeTarget(id);
    this.#view.removeSource(id);
    this.#pictures.removeSource(id);
    this.emit('sources');
  }

  setMuted(id: string, muted: boolean): void {
    const was = this.#muted.get(id) ?? false;
    this.#muted.set(id, muted);
    if (this.#mixer.members.includes(id)) this.#mixer.setMuted(id, muted);
    if (was !== muted) this.emit('muted', { id, muted });
  }

  isMuted(id: string): boolean {
    return this.#muted.get(id) ?? false;
  }

  /** A browser's producer: its audio joins the mix, its video becomes a source SIP rooms can view. */
  async addBrowserProducer(id: string, producer: ms.Producer): Promise<void> {
    const b = this.#browsers.get(id) ?? {};
    this.#browsers.set(id, b);
    if (producer.kind === 'audio') {
      this.#mixer.remove(id);
      b.audio = producer;
      await this.#mixer.addProducer(id, producer);
      this.#mixer.setMuted(id, this.#muted.get(id) ?? false);
    } else {
      b.video = producer;
      await this.#view.addSource(id, producer);
      this.#pictures.addSource(id, producer);
      this.emit('video', { id });
    }
    this.emit('sources');
  }

  removeBrowser(id: string): void {
    if (!this.#browsers.delete(id)) return;
    this.#mixer.remove(id);
    this.#view.removeSource(id);
    this.#pictures.removeSource(id);
    this.emit('sources');
  }

  /** Every stream a browser may consume: each leg's and each browser's live producers. */
  sources(): { id: string; kind: MediaKind; producer: ms.Producer }[] {
    const out: { id: string; kind: MediaKind; producer: ms.Producer }[] = [];
    const add = (id: string, kind: MediaKind, p: ms.Producer | undefined): void => {
      if (p && !p.closed) out.push({ id, kind, producer: p });
    };
    for (const [id, e] of this.#legs) {
      add(id, 'audio', e.leg.audioProducer);
      add(id, 'video', e.leg.videoProducer);
    }
    for (const [id, b] of this.#browsers) {
      add(id, 'audio', b.audio);
      add(id, 'video', b.video);
    }
    return out;
  }

  /**
   * Whether a participant sends video that can be shown (a browser can show any of them): only once the
   * view has it. Before, rooms could not be switched to it, and a plan made then transcoded it for rooms
   * of its own codec (a composed picture started for nothing, at every room's arrival).
   */
  hasVideo(id: string): boolean {
    const p = this.#legs.get(id)?.leg.videoProducer ?? this.#browsers.get(id)?.video;
    return Boolean(p && !p.closed && this.#view.hasSource(id));
  }

  /** Codec keys of the SIP legs' video towards the rooms, most used first (browsers send in the first). */
  roomVideoCodecs(): VideoCodecKey[] {
    const n = new Map<VideoCodecKey, number>();
    for (const e of this.#legs.values()) {
      const k = e.leg.videoCodec;
      if (k) n.set(k, (n.get(k) ?? 0) + 1);
    }
    return [...n.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  }

  canView(targetId: string, sourceId: string): boolean {
    if (this.#view.canView(targetId, sourceId)) return true;
    // a leg whose view target is still being added: its codec decides, not the moment (a plan made
    // then gave it a transcoded picture of a source it decodes itself)
    const key = this.#legs.get(targetId)?.leg.videoCodec;
    return key !== undefined && this.hasVideo(sourceId) && this.#view.sourceKey(sourceId) === key;
  }

  /**
   * Whether the target is forwarded the source as it is (no encoder): its codec, and for an H.264 room
   * a picture its level decodes (the source's last SPS; before one was seen it is taken to fit, and a
   * switch waits for a keyframe, which carries it). Without a compositor to scale it down, a picture
   * too large is forwarded all the same: the room may decode more than it negotiated.
   */
  forwards(targetId: string, sourceId: string): boolean {
    return this.canView(targetId, sourceId) && (this.#fits(targetId, sourceId) || !Pictures.available);
  }

  /** The picture size an H.264 source's last SPS gave (undefined before the view forwarded one). */
  sourcePicture(id: string): SpsPicture | undefined {
    return this.#view.sourcePicture(id);
  }

  /** Whether the compositor can show the target a source it cannot decode (single-pane transcoding). */
  canTranscode(targetId: string, sourceId: string): boolean {
    return this.hasVideo(sourceId) && this.outputClass(targetId) !== undefined && Pictures.available;
  }

  /** Whether the program feed runs (its picture is a view target the conference must feed). */
  get programOn(): boolean {
    return this.#view.viewOf(PROGRAM_TARGET) !== undefined;
  }

  /** Show `sourceId` to the target from its next keyframe (no-op when it already shows or waits for it). */
  async show(targetId: string, sourceId: string | null): Promise<boolean> {
    const v = this.#view.viewOf(targetId);
    if (!v) return false;
    if (sourceId !== null && ((v.showing === sourceId && v.pending === null) || v.pending === sourceId)) return true;
    if (sourceId === null && v.showing === null && v.pending === null) return true;
    return this.#view.select(targetId, sourceId);
  }

  /** What the target shows now (the pending switch not yet done). */
  viewing(targetId: string): string | null {
    return this.#view.viewOf(targetId)?.showing ?? null;
  }

  /** Whether the target shows a composed picture (a canvas), or waits for one's keyframe. */
  showsPicture(targetId: string): boolean {
    const v = this.#view.viewOf(targetId);
    return Boolean(v && (v.pending ?? v.showing)?.startsWith(CANVAS));
  }

  mixerStats(): MixerMemberStats[] {
    return this.#mixer.stats();
  }

  /** Benches: trace the mixer's ticks as participant `id` sees them (undefined stops); what was traced. */
  mixerTrace(id: string | undefined): Promise<TickTrace[]> {
    return this.#mixer.trace(id);
  }

  /** The composed pictures (multi-picture layouts, transcoding). */
  get pictures(): Pictures {
    return this.#pictures;
  }

  /** Show each planned target its composed picture (see Pictures.apply). */
  compose(plan: Map<string, Picture>): Promise<void> {
    return this.#pictures.apply(plan);
  }

  /** What a room's encoder must produce for it, or undefined when it receives no video. */
  outputClass(targetId: string): OutputClass | undefined {
    const leg = this.#legs.get(targetId)?.leg;
    const key = leg?.videoCodec;
    return key && outputClassOf(key, leg.remote?.video);
  }

  /** Ask a room for a keyframe of what `targetId` watches (it asked by SIP INFO). */
  keyframeFor(targetId: string): void {
    if (this.#pictures.keyframe(targetId)) return;
    const src = this.#view.viewOf(targetId)?.showing;
    if (src) this.#legs.get(src)?.leg.requestKeyFrame();
  }

  /** After the worker under the router died: move the legs and the view to `router`. */
  async rebuild(router: ms.Router): Promise<void> {
    this.#view.close();
    this.#router = router;
    this.#mixer.setRouter(router);
    this.#view = this.#wireView(await VideoView.create({ router, log: this.#log }));
    this.program.rebuild(router, this.#view);
    await this.#pictures
      .rebuild(router, this.#view)
      .catch((err: unknown) => this.#log.error({ err }, 'cannot restore the composed pictures'));
    for (const e of this.#legs.values()) e.source = undefined;
    for (const [id, e] of this.#legs) {
      try {
        await e.leg.moveTo(router);
      } catch (err) {
        this.#log.error({ err, id }, 'cannot move a leg to the new router');
      }
    }
    for (const [id, e] of this.#legs) {
      try {
        await this.#addToView(id, e);
      } catch (err) {
        this.#log.error({ err, id }, 'cannot restore the video of a leg');
      }
    }
    this.emit('sources');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#legs.keys()]) this.removeLeg(id);
    this.program.close();
    this.#mixer.close();
    this.#pictures.close();
    this.#view.close();
    this.removeAllListeners();
  }

  async #addToView(id: string, e: LegEntry): Promise<void> {
    const p = e.leg.videoProducer;
    if (p && !p.closed) await this.#addSource(id, e, p);
    await this.#view.addTarget(id, e.leg);
  }

  async #addSource(id: string, e: LegEntry, producer: ms.Producer): Promise<void> {
    if (e.source === producer || this.#legs.get(id) !== e) return;
    e.source = producer;
    await this.#view.addSource(id, producer);
    this.#pictures.addSource(id, producer);
    this.emit('video', { id });
  }

  #wireView(view: VideoView): VideoView {
    view.on('switched', (e) => this.emit('switched', e));
    view.setAdmit((t, s) => this.#fits(t, s) || !Pictures.available);
    view.on('picture', ({ sourceId: id, picture: p, sps }) => {
      if (id.startsWith(CANVAS)) return; // a composed picture: its size is its class's
      const { width, height, level } = p;
      this.#log.info({ id, width, height, level, sps: Buffer.from(sps).toString('hex') }, 'video source picture size');
      this.emit('picture', { id, width: p.width, height: p.height });
    });
    return view;
  }

  /** Whether an H.264 room's level decodes the source's picture (Table A-1's frame size limits). */
  #fits(targetId: string, sourceId: string): boolean {
    const leg = this.#legs.get(targetId)?.leg;
    const pic = this.#view.sourcePicture(sourceId);
    if (!pic || !leg?.videoCodec?.startsWith('H264')) return true;
    return fitsLevel(pic, levelOf(leg.remote?.video?.fmtp));
  }
}
