// One meeting: its participants, its media, the floor, and its life (starting → active → ending →
// ended). Operator actions arrive here from the manager; every change is published as typed events
// that the daemon forwards as conference.* notifications.
import type { Endpoint } from '../config/schema.js';
import {
  say,
  reason,
  reasonText,
  type ConferenceMode,
  type ConferenceRecordingInfo,
  type ConferenceView,
  type LiveView,
  type ParticipantView,
  type Reason,
} from '../../protocol/index.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError } from '../errors.js';
import { LegStats as LegStatsSampler } from '../media/LegStats.js';
import type { types as ms } from 'mediasoup';
import { ConferenceMedia } from '../media/ConferenceMedia.js';
import { decideFloor, type FloorDecision } from './FloorControl.js';
import { Participant } from './Participant.js';
import { BrowserParticipant } from './BrowserParticipant.js';
import { participantView } from './views.js';
import { MeetingControl } from './MeetingControl.js';
import { SpeakerHold } from './SpeakerHold.js';
import type { IncomingSignal } from './Signalling.js';
import { pictureSeats, pictureTargets, multiviewInfo, programTarget, viewingOf } from './pictures.js';
import { PROGRAM_TARGET } from '../media/program/ProgramFeed.js';
import { Pictures, type Picture } from '../media/compositor/Pictures.js';

export type { ConferenceDeps, ConferenceSetup, ConferenceEvents } from './conferenceDeps.js';
import type { ConferenceDeps, ConferenceSetup, ConferenceEvents } from './conferenceDeps.js';

type Phase = ConferenceView['state'];

export class Conference extends TypedEmitter<ConferenceEvents> {
  readonly id: string;
  readonly title: string;
  readonly startedAt: number;
  readonly scheduleId: string | null;
  readonly #d: ConferenceDeps;
  readonly #log: Logger;
  readonly #media: ConferenceMedia;
  readonly #sampler: LegStatsSampler;
  readonly #participants = new Map<string, Participant>();
  /** Browser participants' seats, by participant id (see BrowserParticipant). */
  readonly #browsers = new Map<string, BrowserParticipant>();
  #phase: Phase = 'starting';
  #live: (() => LiveView | null) | null = null;
  #mode: ConferenceMode;
  #chair: string | null;
  #upstream: string | null;
  #floor: string | null = null;
  #locked = false;
  #endsAt: number | null;
  readonly #speakers: SpeakerHold;
  readonly #selections = new Map<string, string>();
  readonly #overrides = new Map<string, boolean>();
  #decision: FloorDecision = { source: null, muted: new Map(), views: new Map() };
  /** The operator's controls: polling, raised hands, roll-call stepping, multi-picture. */
  readonly control: MeetingControl;
  #plan = new Map<string, Picture>();
  #applying: Promise<void> = Promise.resolve();
  #rebuilding: Promise<void> = Promise.resolve();
  #ending: Promise<void> | undefined;
  #recording: ConferenceRecordingInfo | null = null;

  static async create(setup: ConferenceSetup, deps: ConferenceDeps): Promise<Conference> {
    const media = await ConferenceMedia.create({
      router: setup.router,
      log: deps.log.child({ conferenceId: setup.row.id }),
      ...(deps.plane ? { plane: deps.plane } : {}),
    });
    return new Conference(setup, deps, media);
  }

  private constructor(setup: ConferenceSetup, deps: ConferenceDeps, media: ConferenceMedia) {
    super();
    const row = setup.row;
    this.id = row.id;
    this.title = row.title;
    this.startedAt = row.startedAt;
    this.scheduleId = row.scheduleId;
    this.#d = deps;
    this.#log = deps.log.child({ component: 'conference', conferenceId: row.id });
    this.#mode = row.mode as ConferenceMode;
    this.#chair = row.chair;
    this.#upstream = row.upstream;
    this.#endsAt = row.endsAt;
    this.#media = media;
    this.#speakers = new SpeakerHold({
      clock: deps.clock,
      live: () => this.live,
      changed: () => {
        if (this.#mode !== 'voice') return;
        this.#apply();
        this.#emitState();
      },
    });
    media.on('activeSpeaker', (e) => this.#speakers.heard(e.id));
    media.on('switched', (e) => this.#publish(e.targetId));
    // the program feed started or stopped: plan its picture
    media.program.on('wanted', () => this.#apply());
    this.#sampler = new LegStatsSampler({ log: deps.log, clock: deps.clock, intervalMs: deps.statsIntervalMs });
    this.#sampler.on('stats', (s) => {
      const p = this.#participants.get(s.legId);
      if (!p?.connected) return;
      this.emit('stats', { endpointId: p.id, stats: p.recordStats(s) });
    });
    this.control = new MeetingControl({
      conferenceId: row.id,
      clock: deps.clock,
      assertLive: () => this.#assertLive(),
      require: (id) => void this.#require(id),
      everyone: () => [...this.#participants.keys(), ...this.#browsers.keys()],
      rollcallDefault: () => this.endpointIds.filter((id) => id !== this.#chair && id !== this.#upstream),
      present: () => this.#presentIds(),
      showable: (target, id) =>
        this.#presentIds().includes(id) &&
        this.#media.hasVideo(id) &&
        (target === null || this.#browsers.has(target) || this.#media.canView(target, id)),
      floor: () => this.#floor,
      setFloor: (id) => this.setFloor(id),
      event: (m) => this.#event(m),
      apply: () => this.#apply(),
      startCompositor: () => this.#media.pictures.start(),
      checkCompositor: () => Pictures.checkOrRefuse(),
      publish: (id) => this.#publish(id),
      emitState: () => this.#emitState(),
    });
    for (const ep of setup.endpoints) this.#add(ep);
  }

  get phase(): Phase {
    return this.#phase;
  }
  get live(): boolean {
    return this.#phase === 'starting' || this.#phase === 'active';
  }
  get mode(): ConferenceMode {
    return this.#mode;
  }
  /** The floor an operator gave (roll call's position), whether or not that site is present now. */
  get givenFloor(): string | null {
    return this.#floor;
  }

  get endsAt(): number | null {
    return this.#endsAt;
  }
  get locked(): boolean {
    return this.#locked;
  }
  get endpointIds(): string[] {
    return [...this.#participants.keys()];
  }
  get media(): ConferenceMedia {
    return this.#media;
  }

  /** Which participants are still wanted (not hung up): they occupy their endpoint. */
  occupies(endpointId: string): boolean {
    const p = this.#participants.get(endpointId);
    return Boolean(p && this.live && p.wanted);
  }

  /** Dial every site in parallel. */
  start(): void {
    this.#phase = 'active';
    for (const p of this.#participants.values()) p.dial();
    this.#emitState();
  }

  view(): ConferenceView {
    return {
      id: this.id,
      title: this.title,
      state: this.#phase,
      mode: this.#mode,
      chair: this.#chair,
      upstream: this.#upstream,
      floor: this.#decision.source,
      locked: this.#locked,
      startedAt: new Date(this.startedAt).toISOString(),
      endsAt: this.#endsAt === null ? null : new Date(this.#endsAt).toISOString(),
      ...(this.scheduleId ? { scheduleId: this.scheduleId } : {}),
      ...this.control.view(),
      participants: [...this.#participants.values(), ...this.#browsers.values()].map((p) => this.#participantView(p)),
      multiview: multiviewInfo(this.control.multiview, this.#plan),
      ...(this.#live ? { live: this.#live() } : {}),
      recording: this.#recording,
    };
  }

  /** The recording service says what it records now (● REC in conf show and the console). */
  setRecording(info: ConferenceRecordingInfo | null): void {
    if (JSON.stringify(info) === JSON.stringify(this.#recording)) return;
    this.#recording = info;
    this.#emitState();
  }

  /** Live streaming's state (the web layer runs it, and tells here where to read it, or null when it
   *  stops); read by view() (viewer counts move without events), pushed as a state change on each call. */
  setLive(source: (() => LiveView | null) | null): void {
    if (!this.live) return;
    this.#live = source;
    this.#emitState();
  }

  /** The seat of a browser participant (the web layer checked its invitation); made on first join. */
  browser(id: string, name: string): BrowserParticipant {
    this.#assertLive();
    let b = this.#browsers.get(id);
    if (b) return b;
    if (this.#participants.has(id))
      throw new VcError('BAD_REQUEST', say('err.notBrowserSeat', { id, conference: this.id }));
    b = new BrowserParticipant({
      id,
      name,
      conferenceId: this.id,
      media: this.#media,
      log: this.#d.log,
      clock: this.#d.clock,
    });
    b.on('media', () => this.#apply())
      .on('event', (m) => this.#event(m))
      .on('changed', () => {
        this.#apply();
        this.#publish(id);
      });
    this.#browsers.set(id, b);
    return b;
  }

  participant(endpointId: string): ParticipantView {
    return this.#participantView(this.#require(endpointId));
  }

  mute(ids: string[] | 'all', muted: boolean, opts: { exceptChair?: boolean } = {}): void {
    this.#assertLive();
    const list =
      ids === 'all' ? [...this.#participants.keys(), ...this.#browsers.keys()] : ids.map((id) => this.#require(id).id);
    for (const id of list) {
      if (ids === 'all' && opts.exceptChair && id === this.#chair) this.#overrides.set(id, false);
      else this.#overrides.set(id, muted);
    }
    this.#event(
      ids === 'all'
        ? reason(
            muted
              ? opts.exceptChair
                ? 'ev.mutedAllButChair'
                : 'ev.mutedAll'
              : opts.exceptChair
                ? 'ev.unmutedAllButChair'
                : 'ev.unmutedAll',
          )
        : reason(muted ? 'ev.muted' : 'ev.unmuted', { ids: list.join(', ') }),
    );
    this.#apply();
  }

  /** Give the floor (roll call) or choose the broadcast source; null takes it back. */
  setFloor(endpointId: string | null): void {
    this.#assertLive();
    if (endpointId !== null) this.#require(endpointId);
    if (this.#mode === 'voice' || this.#mode === 'select') this.#mode = 'rollcall';
    this.#floor = endpointId;
    this.#overrides.clear();
    this.#event(endpointId ? reason('ev.floor', { id: endpointId, mode: this.#mode }) : reason('ev.floorBack'));
    // giving the floor answers the site's raised hand
    if (endpointId !== null && this.control.lowerHand(endpointId)) this.#publish(endpointId);
    this.#apply();
    this.#emitState();
  }

  setMode(mode: ConferenceMode, floor?: string | null): void {
    this.#assertLive();
    if (floor) this.#require(floor);
    this.#mode = mode;
    this.#floor = floor ?? null;
    this.#overrides.clear();
    if (mode !== 'select') this.#selections.clear();
    this.#event(floor ? reason('ev.modeFloor', { mode, floor }) : reason('ev.mode', { mode }));
    this.#apply();
    this.#emitState();
  }

  /** What one site sees (null: back to the mode's choice). */
  select(targetId: string, sourceId: string | null): void {
    this.#assertLive();
    this.#require(targetId);
    if (sourceId === null) this.#selections.delete(targetId);
    else {
      this.#require(sourceId);
      if (sourceId === targetId) throw new VcError('BAD_REQUEST', say('err.showItself', { id: targetId }));
      this.#selections.set(targetId, sourceId);
    }
    this.#event(
      sourceId
        ? reason('ev.sees', { target: targetId, source: sourceId })
        : reason('ev.seesMode', { target: targetId, mode: this.#mode }),
    );
    this.#apply();
  }

  /** Dial (or redial now) a site; a configured endpoint not yet in the meeting joins it. */
  dial(endpoint: Endpoint): ParticipantView {
    this.#assertLive();
    const p = this.#participants.get(endpoint.id) ?? this.#add(endpoint);
    p.dial();
    this.#event(reason('ev.dialling', { id: endpoint.id }));
    return this.#participantView(p);
  }

  async hangup(endpointId: string): Promise<ParticipantView> {
    this.#assertLive();
    const p = this.#require(endpointId);
    this.#event(reason('ev.hangingUp', { id: endpointId }));
    await p.hangup();
    return this.#participantView(p);
  }

  setLocked(locked: boolean): void {
    this.#assertLive();
    this.#locked = locked;
    this.#event(reason(locked ? 'ev.locked' : 'ev.unlocked'));
    this.#emitState();
  }

  /** Move the planned end by `minutes` (from now when there was none). */
  extend(minutes: number): number {
    this.#assertLive();
    this.#endsAt = Math.max(this.#endsAt ?? this.#d.clock.now(), this.#d.clock.now()) + minutes * 60_000;
    this.#event(reason('ev.extended', { minutes, endsAt: new Date(this.#endsAt).toISOString() }));
    this.#emitState();
    return this.#endsAt;
  }

  notice(message: Reason | string): void {
    this.#event(message);
  }

  /** A listed site dialled in (the manager checked who it is). */
  incoming(sig: IncomingSignal, endpoint: Endpoint): void {
    if (!this.live) return sig.reject(480, 'Temporarily Unavailable');
    if (this.#locked) return sig.reject(486, 'Busy Here (conference locked)');
    const p = this.#participants.get(endpoint.id) ?? this.#add(endpoint);
    this.#event(reason('ev.dialledIn', { id: endpoint.id }));
    p.acceptIncoming(sig);
  }

  /** The worker under our router died: rebuild the media on `router` and re-INVITE every leg. */
  rebuild(router: ms.Router): Promise<void> {
    this.#rebuilding = this.#rebuilding
      .then(async () => {
        if (!this.live) return;
        const t0 = this.#d.clock.now();
        this.#event(reason('ev.workerDied'));
        await this.#media.rebuild(router);
        await Promise.all([...this.#participants.values()].map((p) => p.reinvite()));
        this.#apply();
        this.#event(reason('ev.mediaRebuilt', { ms: this.#d.clock.now() - t0 }));
      })
      .catch((err: unknown) => this.#log.error({ err }, 'rebuilding the conference failed'));
    return this.#rebuilding;
  }

  /** BYE to every leg, free the media; resolves when done (idempotent). */
  end(reason: string): Promise<void> {
    this.#ending ??= this.#end(reason);
    return this.#ending;
  }

  async #end(why: string): Promise<void> {
    this.#phase = 'ending';
    this.control.close();
    this.#emitState();
    this.#speakers.close();
    // BYE to everyone (each waits at most 2 s for its answer; see Participant)
    await Promise.all([...this.#participants.values(), ...this.#browsers.values()].map((p) => p.end(why)));
    await this.#applying;
    this.#sampler.close();
    this.#media.close();
    this.#phase = 'ended';
    this.#event(reason('ev.ended', { reason: why }));
    this.#emitState();
    this.emit('ended', { reason: why });
    this.#log.info({ reason: why }, 'conference ended');
  }

  #add(ep: Endpoint): Participant {
    const p = new Participant({
      conferenceId: this.id,
      endpoint: ep,
      signalling: this.#d.signalling,
      ports: this.#d.ports,
      ...(this.#d.plane ? { plane: this.#d.plane } : {}),
      router: () => this.#media.router,
      announcedAddress: this.#d.announcedAddress,
      cdr: this.#d.cdr,
      log: this.#d.log,
      clock: this.#d.clock,
      rtpTimeoutMs: this.#d.rtpTimeoutMs,
      pinDelayMs: this.#d.pinDelayMs,
      media: {
        attach: async (id, leg) => {
          await this.#media.addLeg(id, leg);
          this.#sampler.add(id, leg);
          this.#apply();
        },
        detach: (id) => {
          this.#sampler.remove(id);
          this.#media.removeLeg(id);
          this.#apply();
        },
        renegotiated: async (id) => {
          await this.#media.refreshLeg(id);
          this.#apply();
        },
        keyframeWanted: (id) => this.#media.keyframeFor(id),
      },
    });
    p.on('changed', () => this.#publish(p.id));
    p.on('event', (m) => this.#event(m));
    p.on('dtmf', (d) => this.#onDtmf(p, d.digit, d.via));
    this.#participants.set(ep.id, p);
    return p;
  }

  #onDtmf(p: Participant, digit: string, via: 'rfc4733' | 'info'): void {
    if (!this.control.dtmf(p.id, p.endpoint.raiseHand, digit) || !this.live) return;
    this.control.raiseHand(p.id, 'dtmf', `DTMF ${p.endpoint.raiseHand} by ${via === 'info' ? 'SIP INFO' : 'RFC 4733'}`);
  }

  /** Legs attached to the media and browsers connected: who can be heard and shown. */
  #presentIds(): string[] {
    const attached = new Set(this.#media.legIds);
    return [...this.#participants.keys()]
      .filter((id) => attached.has(id))
      .concat([...this.#browsers.values()].filter((b) => b.connected).map((b) => b.id));
  }

  /** Recompute mutes (applied now) and views (switched in order, each waits for a keyframe). */
  #apply(): void {
    if (!this.live) return;
    const before = this.#decision;
    const d = decideFloor({
      mode: this.#mode,
      chair: this.#chair,
      upstream: this.#upstream,
      floor: this.#floor,
      speaker: this.#speakers.speaker,
      previousSpeaker: this.#speakers.previous,
      selections: this.#selections,
      overrides: this.#overrides,
      present: this.#presentIds(),
      poll: this.control.polled,
      // a browser gets every stream, so it can be shown anyone who sends video
      canView: (t, s) =>
        this.#browsers.has(t)
          ? this.#media.hasVideo(s)
          : this.#media.canView(t, s) ||
            (this.control.multiview.layoutOf(t) === 'off' && this.#media.canTranscode(t, s)),
    });
    this.#decision = d;
    // the pictures are planned now (conf show reports them at once) and composed in the chain below
    const targets = pictureTargets(this.#media, d);
    const seats = pictureSeats(this.#media, this.#participants, this.#browsers);
    const program = programTarget(this.#media, this.#programSource(d), targets, this.control.multiview);
    if (program) targets.push(program);
    const plan = this.control.multiview.plan(targets, seats, d.source);
    const floorSeat = d.source === null ? undefined : seats.find((x) => x.id === d.source);
    this.#media.program.noteFloor(d.source, floorSeat?.label ?? d.source, this.#d.clock.now());
    if (JSON.stringify([...plan]) !== JSON.stringify([...this.#plan])) {
      this.#plan = plan;
      this.#emitState();
    }
    for (const [id, muted] of d.muted) this.#media.setMuted(id, muted);
    for (const id of [...this.#participants.keys(), ...this.#browsers.keys()]) {
      if (
        before.muted.get(id) !== d.muted.get(id) ||
        (before.source === id) !== (d.source === id) ||
        (this.#browsers.has(id) && before.views.get(id) !== d.views.get(id))
      )
        this.#publish(id);
    }
    if (before.source !== d.source) this.#emitState();
    this.#applying = this.#applying
      .then(() => this.#showViews())
      .catch((err: unknown) => this.#log.error({ err }, 'switching views failed'));
  }

  async #showViews(): Promise<void> {
    const d = this.#decision;
    let plan = this.#plan;
    try {
      await this.#media.compose(plan);
    } catch (err) {
      // the rooms keep the switched view meanwhile; the next change of the conference tries again
      this.#log.error({ err }, 'cannot compose the pictures: showing the switched view');
      plan = new Map();
    }
    if (this.#media.programOn && !plan.has(PROGRAM_TARGET)) {
      // the program without a layout: the floor's (or broadcast) source itself, switched on its keyframe
      await this.#media
        .show(PROGRAM_TARGET, this.#programSource(d))
        .catch((err: unknown) => this.#log.warn({ err }, 'cannot switch the program picture'));
    }
    for (const [id, src] of d.views) {
      if (!this.live || this.#decision !== d) return; // a newer decision follows in the chain
      if (plan.has(id)) continue;
      await this.#media.show(id, src);
    }
  }

  /** What the program shows without a layout: the floor, else the first site present with video. */
  #programSource(d: FloorDecision): string | null {
    if (d.source !== null && this.#media.hasVideo(d.source)) return d.source;
    return this.#presentIds().find((id) => this.#media.hasVideo(id)) ?? null;
  }

  #participantView(p: Participant | BrowserParticipant): ParticipantView {
    const muted = this.#decision.muted.get(p.id) ?? this.#overrides.get(p.id) ?? false;
    const raised = this.control.handAt(p.id);
    const hand = raised === undefined ? {} : { handRaisedAt: new Date(raised).toISOString() };
    if (p instanceof BrowserParticipant)
      return {
        ...p.view({ muted, hasFloor: this.#decision.source === p.id, viewing: this.#decision.views.get(p.id) ?? null }),
        ...hand,
      };
    return {
      ...participantView(p, {
        muted,
        hasFloor: this.#decision.source === p.id,
        viewing: viewingOf(this.#media.viewing(p.id), this.#plan.get(p.id)),
      }),
      ...hand,
    };
  }

  #publish(endpointId: string): void {
    const p = this.#participants.get(endpointId) ?? this.#browsers.get(endpointId);
    if (p) this.emit('participant', this.#participantView(p));
  }

  #emitState(): void {
    this.emit('state', this.view());
  }

  #event(e: Reason | string): void {
    this.#log.info(typeof e === 'string' ? e : reasonText(e));
    this.emit('event', e);
  }

  #require(endpointId: string): Participant | BrowserParticipant {
    const p = this.#participants.get(endpointId) ?? this.#browsers.get(endpointId);
    if (!p)
      throw new VcError(
        'PARTICIPANT_UNKNOWN',
        say('err.notInConference', { id: endpointId, conference: this.id, ids: this.endpointIds.join(', ') }),
      );
    return p;
  }

  #assertLive(): void {
    if (!this.live)
      throw new VcError(
        'CONFERENCE_ENDED',
        say(this.#phase === 'ending' ? 'err.conferenceEnding' : 'err.conferenceEnded', { id: this.id }),
      );
  }
}
