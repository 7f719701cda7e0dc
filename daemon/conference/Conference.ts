// One meeting: its participants, its media and its life (starting → active → ending → ended).
// Operator actions arrive here from the manager; who is in it is the Roster's, who is heard and who
// sees whom the FloorDirector's, the operator's meeting controls are MeetingControl's. Every change is published as typed events
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
import type { Participant } from './Participant.js';
import { BrowserParticipant } from './BrowserParticipant.js';
import { Roster } from './Roster.js';
import { participantView } from './views.js';
import { MeetingControl } from './MeetingControl.js';
import type { IncomingSignal } from './Signalling.js';
import { pictureSeats, multiviewInfo, viewingOf } from './pictures.js';
import { Pictures } from '../media/compositor/Pictures.js';
import { FloorDirector } from './FloorDirector.js';

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
  readonly #roster: Roster;
  #phase: Phase = 'starting';
  #live: (() => LiveView | null) | null = null;
  #locked = false;
  #endsAt: number | null;
  /** The operator's controls: polling, raised hands, roll-call stepping, multi-picture. */
  readonly control: MeetingControl;
  /** Who is heard and who sees whom: mode, floor, picks, mutes, and their application to the media. */
  readonly #floor: FloorDirector;
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
    this.#endsAt = row.endsAt;
    this.#media = media;
    media.on('switched', (e) => this.#publish(e.targetId));
    this.#sampler = new LegStatsSampler({ log: deps.log, clock: deps.clock, intervalMs: deps.statsIntervalMs });
    this.#roster = new Roster({
      conferenceId: row.id,
      deps,
      media,
      sampler: this.#sampler,
      apply: () => this.#floor.apply(),
    });
    this.#roster
      .on('changed', (id) => this.#publish(id))
      .on('event', (m) => this.#event(m))
      .on('dtmf', (p, digit, via) => this.#onDtmf(p, digit, via));
    this.#sampler.on('stats', (s) => {
      const p = this.#roster.sites.get(s.legId);
      if (!p?.connected) return;
      this.emit('stats', { endpointId: p.id, stats: p.recordStats(s) });
    });
    this.control = new MeetingControl({
      conferenceId: row.id,
      clock: deps.clock,
      assertLive: () => this.#assertLive(),
      require: (id) => void this.#require(id),
      everyone: () => this.#roster.everyone(),
      rollcallDefault: () => this.endpointIds.filter((id) => id !== row.chair && id !== row.upstream),
      present: () => this.#roster.present(),
      showable: (target, id) =>
        this.#roster.present().includes(id) &&
        this.#media.hasVideo(id) &&
        (target === null || this.#roster.browsers.has(target) || this.#media.canView(target, id)),
      floor: () => this.#floor.givenFloor,
      setFloor: (id) => this.setFloor(id),
      event: (m) => this.#event(m),
      apply: () => this.#floor.apply(),
      startCompositor: () => this.#media.pictures.start(),
      checkCompositor: () => Pictures.checkOrRefuse(),
      publish: (id) => this.#publish(id),
      emitState: () => this.#emitState(),
    });
    this.#floor = new FloorDirector(
      { mode: row.mode as ConferenceMode, chair: row.chair, upstream: row.upstream },
      {
        media,
        clock: deps.clock,
        log: this.#log,
        control: this.control,
        live: () => this.live,
        assertLive: () => this.#assertLive(),
        require: (id) => void this.#require(id),
        everyone: () => this.#roster.everyone(),
        present: () => this.#roster.present(),
        isBrowser: (id) => this.#roster.browsers.has(id),
        seats: () => pictureSeats(media, this.#roster.sites, this.#roster.browsers),
      },
    );
    this.#floor
      .on('event', (m) => this.#event(m))
      .on('participant', (id) => this.#publish(id))
      .on('state', () => this.#emitState());
    for (const ep of setup.endpoints) this.#roster.site(ep);
  }

  get phase(): Phase {
    return this.#phase;
  }
  get live(): boolean {
    return this.#phase === 'starting' || this.#phase === 'active';
  }
  get mode(): ConferenceMode {
    return this.#floor.mode;
  }
  /** The floor an operator gave (roll call's position), whether or not that site is present now. */
  get givenFloor(): string | null {
    return this.#floor.givenFloor;
  }

  get endsAt(): number | null {
    return this.#endsAt;
  }
  get locked(): boolean {
    return this.#locked;
  }
  get endpointIds(): string[] {
    return this.#roster.siteIds;
  }
  get media(): ConferenceMedia {
    return this.#media;
  }

  /** Which participants are still wanted (not hung up): they occupy their endpoint. */
  occupies(endpointId: string): boolean {
    const p = this.#roster.sites.get(endpointId);
    return Boolean(p && this.live && p.wanted);
  }

  /** Dial every site in parallel. */
  start(): void {
    this.#phase = 'active';
    for (const p of this.#roster.sites.values()) p.dial();
    this.#emitState();
  }

  view(): ConferenceView {
    return {
      id: this.id,
      title: this.title,
      state: this.#phase,
      mode: this.#floor.mode,
      chair: this.#floor.chair,
      upstream: this.#floor.upstream,
      floor: this.#floor.source,
      locked: this.#locked,
      startedAt: new Date(this.startedAt).toISOString(),
      endsAt: this.#endsAt === null ? null : new Date(this.#endsAt).toISOString(),
      ...(this.scheduleId ? { scheduleId: this.scheduleId } : {}),
      ...this.control.view(),
      participants: this.#roster.all().map((p) => this.#participantView(p)),
      multiview: multiviewInfo(
        this.control.multiview,
        this.#floor.plan,
        this.#media.pictures.usage(),
        this.#roster.everyone(),
      ),
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
    return this.#roster.browser(id, name);
  }

  participant(endpointId: string): ParticipantView {
    return this.#participantView(this.#require(endpointId));
  }

  mute(ids: string[] | 'all', muted: boolean, opts: { exceptChair?: boolean } = {}): void {
    this.#floor.mute(ids, muted, opts);
  }

  /** Give the floor (roll call) or choose the broadcast source; null takes it back. */
  setFloor(endpointId: string | null): void {
    this.#floor.setFloor(endpointId);
  }

  setMode(mode: ConferenceMode, floor?: string | null): void {
    this.#floor.setMode(mode, floor);
  }

  /** What one site sees (null: back to the mode's choice). */
  select(targetId: string, sourceId: string | null): void {
    this.#floor.select(targetId, sourceId);
  }

  /** Dial (or redial now) a site; a configured endpoint not yet in the meeting joins it. */
  dial(endpoint: Endpoint): ParticipantView {
    this.#assertLive();
    const p = this.#roster.site(endpoint);
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
    const p = this.#roster.site(endpoint);
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
        await Promise.all([...this.#roster.sites.values()].map((p) => p.reinvite()));
        this.#floor.apply();
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
    this.#floor.close();
    // BYE to everyone (each waits at most 2 s for its answer; see Participant)
    await Promise.all(this.#roster.all().map((p) => p.end(why)));
    await this.#floor.settled();
    this.#sampler.close();
    this.#media.close();
    this.#phase = 'ended';
    this.#event(reason('ev.ended', { reason: why }));
    this.#emitState();
    this.emit('ended', { reason: why });
    this.#log.info({ reason: why }, 'conference ended');
  }

  #onDtmf(p: Participant, digit: string, via: 'rfc4733' | 'info'): void {
    if (!this.control.dtmf(p.id, p.endpoint.raiseHand, digit) || !this.live) return;
    this.control.raiseHand(p.id, 'dtmf', `DTMF ${p.endpoint.raiseHand} by ${via === 'info' ? 'SIP INFO' : 'RFC 4733'}`);
  }

  #participantView(p: Participant | BrowserParticipant): ParticipantView {
    const muted = this.#floor.mutedOf(p.id);
    const raised = this.control.handAt(p.id);
    const hand = raised === undefined ? {} : { handRaisedAt: new Date(raised).toISOString() };
    if (p instanceof BrowserParticipant)
      return {
        ...p.view({ muted, hasFloor: this.#floor.source === p.id, viewing: this.#floor.viewOf(p.id) }),
        ...hand,
      };
    return {
      ...participantView(p, {
        muted,
        hasFloor: this.#floor.source === p.id,
        viewing: viewingOf(this.#media.viewing(p.id), this.#floor.plan.get(p.id)),
      }),
      ...hand,
    };
  }

  #publish(endpointId: string): void {
    const p = this.#roster.get(endpointId);
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
    return this.#roster.require(endpointId);
  }

  #assertLive(): void {
    if (!this.live)
      throw new VcError(
        'CONFERENCE_ENDED',
        say(this.#phase === 'ending' ? 'err.conferenceEnding' : 'err.conferenceEnded', { id: this.id }),
      );
  }
}
