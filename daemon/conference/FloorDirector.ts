// Who is heard and who sees whom in one meeting: the mode, the floor, the operator's picks and
// mutes, and the active speaker. It decides (FloorControl) and applies the decision to the media:
// mutes at once, the multi-picture plan, then the switched views in order, each on a keyframe.
// A room on a layout is never shown a plain source while it has a composed picture: when composing
// fails it keeps the picture it has and the plan is tried again (COMPOSE_RETRY_MS); only a room with
// no composed picture at all falls back to the switched view, with a warning naming it and why.
// The conference owns the participants and their life; it lends what this needs through FloorHost
// and hears back by events.
import { reason, say, type ConferenceMode, type Reason } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError } from '../errors.js';
import type { ConferenceMedia } from '../media/ConferenceMedia.js';
import { PROGRAM_TARGET } from '../media/program/ProgramFeed.js';
import { CANVAS, type Picture } from '../media/compositor/Pictures.js';
import type { Timer } from '../util/clock.js';
import { decideFloor, type FloorDecision } from './FloorControl.js';
import type { MeetingControl } from './MeetingControl.js';
import type { Seat } from './multiview.js';
import { pictureTargets, programTarget } from './pictures.js';
import { SpeakerHold } from './SpeakerHold.js';

/** What the conference lends its floor. */
export interface FloorHost {
  media: ConferenceMedia;
  clock: Clock;
  log: Logger;
  control: MeetingControl;
  /** The meeting is starting or active (decisions count). */
  live(): boolean;
  /** Throws CONFERENCE_ENDED unless the meeting is live. */
  assertLive(): void;
  /** Throws PARTICIPANT_UNKNOWN unless `id` is a site or browser seat of the meeting. */
  require(id: string): void;
  /** Every site, then every browser seat. */
  everyone(): string[];
  /** Who can be heard and shown now. */
  present(): string[];
  isBrowser(id: string): boolean;
  /** Every seat the pictures may show, in conference order. */
  seats(): Seat[];
}

type FloorEvents = {
  /** What the operator reads in the conference's event log. */
  event: [Reason | string];
  /** A participant's mute, floor or view changed: publish it again. */
  participant: [string];
  /** The conference's own view changed (mode, floor, pictures). */
  state: [];
};

/** Delays before composing a failed plan again (ms), by consecutive failure; the last one repeats. */
export const COMPOSE_RETRY_MS = [1000, 2000, 5000, 10_000];

export interface FloorSetup {
  mode: ConferenceMode;
  chair: string | null;
  upstream: string | null;
}

export class FloorDirector extends TypedEmitter<FloorEvents> {
  readonly #h: FloorHost;
  readonly chair: string | null;
  readonly upstream: string | null;
  #mode: ConferenceMode;
  #floor: string | null = null;
  readonly #speakers: SpeakerHold;
  readonly #selections = new Map<string, string>();
  readonly #overrides = new Map<string, boolean>();
  /** The last plan composed without error: who is shown a canvas by now (or on its next keyframe). */
  #composed: ReadonlyMap<string, Picture> = new Map();
  /** Rooms on a layout shown a plain source since composing failed → why (for the switch's warning). */
  readonly #fallbacks = new Map<string, string>();
  #composeRetry: Timer | undefined;
  #composeFailures = 0;
  #decision: FloorDecision = { source: null, muted: new Map(), views: new Map() };
  #plan = new Map<string, Picture>();
  #applying: Promise<void> = Promise.resolve();

  constructor(setup: FloorSetup, host: FloorHost) {
    super();
    this.#h = host;
    this.#mode = setup.mode;
    this.chair = setup.chair;
    this.upstream = setup.upstream;
    this.#speakers = new SpeakerHold({
      clock: host.clock,
      live: () => host.live(),
      changed: () => {
        if (this.#mode !== 'voice') return;
        this.apply();
        this.emit('state');
      },
    });
    host.media.on('activeSpeaker', (e) => this.#speakers.heard(e.id));
    host.media.on('switched', (e) => this.#checkSwitch(e.targetId, e.sourceId));
    // a source became showable (its producer came after the leg): plan with it now
    host.media.on('video', () => this.apply());
    // a source's picture size became known or changed: rooms of a lower H.264 level may need it scaled
    host.media.on('picture', () => this.apply());
    // the program feed started or stopped: plan its picture
    host.media.program.on('wanted', () => this.apply());
  }

  get mode(): ConferenceMode {
    return this.#mode;
  }
  /** The floor an operator gave (roll call's position), whether or not that site is present now. */
  get givenFloor(): string | null {
    return this.#floor;
  }
  /** Who most sites see now (the floor, the broadcast source or the active speaker). */
  get source(): string | null {
    return this.#decision.source;
  }
  /** The pictures planned now (target → picture). */
  get plan(): ReadonlyMap<string, Picture> {
    return this.#plan;
  }

  mutedOf(id: string): boolean {
    return this.#decision.muted.get(id) ?? this.#overrides.get(id) ?? false;
  }
  /** What the decision shows `id` (a browser's view; a room's is what its media shows). */
  viewOf(id: string): string | null {
    return this.#decision.views.get(id) ?? null;
  }

  mute(ids: string[] | 'all', muted: boolean, opts: { exceptChair?: boolean } = {}): void {
    const h = this.#h;
    h.assertLive();
    const list = ids === 'all' ? h.everyone() : ids.map((id) => (h.require(id), id));
    for (const id of list) {
      if (ids === 'all' && opts.exceptChair && id === this.chair) this.#overrides.set(id, false);
      else this.#overrides.set(id, muted);
    }
    this.emit(
      'event',
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
    this.apply();
  }

  /** Give the floor (roll call) or choose the broadcast source; null takes it back. */
  setFloor(endpointId: string | null): void {
    this.#h.assertLive();
    if (endpointId !== null) this.#h.require(endpointId);
    if (this.#mode === 'voice' || this.#mode === 'select') this.#mode = 'rollcall';
    this.#floor = endpointId;
    this.#overrides.clear();
    this.emit('event', endpointId ? reason('ev.floor', { id: endpointId, mode: this.#mode }) : reason('ev.floorBack'));
    // giving the floor answers the site's raised hand
    if (endpointId !== null && this.#h.control.lowerHand(endpointId)) this.emit('participant', endpointId);
    this.apply();
    this.emit('state');
  }

  setMode(mode: ConferenceMode, floor?: string | null): void {
    this.#h.assertLive();
    if (floor) this.#h.require(floor);
    this.#mode = mode;
    this.#floor = floor ?? null;
    this.#overrides.clear();
    if (mode !== 'select') this.#selections.clear();
    this.emit('event', floor ? reason('ev.modeFloor', { mode, floor }) : reason('ev.mode', { mode }));
    this.apply();
    this.emit('state');
  }

  /** What one site sees (null: back to the mode's choice). */
  select(targetId: string, sourceId: string | null): void {
    this.#h.assertLive();
    this.#h.require(targetId);
    if (sourceId === null) this.#selections.delete(targetId);
    else {
      this.#h.require(sourceId);
      if (sourceId === targetId) throw new VcError('BAD_REQUEST', say('err.showItself', { id: targetId }));
      this.#selections.set(targetId, sourceId);
    }
    this.emit(
      'event',
      sourceId
        ? reason('ev.sees', { target: targetId, source: sourceId })
        : reason('ev.seesMode', { target: targetId, mode: this.#mode }),
    );
    this.apply();
  }

  /** Recompute mutes (applied now) and views (switched in order, each waits for a keyframe). */
  apply(): void {
    const h = this.#h;
    if (!h.live()) return;
    const { media, control } = h;
    const before = this.#decision;
    const d = decideFloor({
      mode: this.#mode,
      chair: this.chair,
      upstream: this.upstream,
      floor: this.#floor,
      speaker: this.#speakers.speaker,
      previousSpeaker: this.#speakers.previous,
      selections: this.#selections,
      overrides: this.#overrides,
      present: h.present(),
      poll: control.polled,
      // a browser gets every stream, so it can be shown anyone who sends video
      canView: (t, s) =>
        h.isBrowser(t)
          ? media.hasVideo(s)
          : media.canView(t, s) || (control.multiview.layoutOf(t) === 'off' && media.canTranscode(t, s)),
    });
    this.#decision = d;
    // the pictures are planned now (conf show reports them at once) and composed in the chain below
    const targets = pictureTargets(media, d);
    const seats = h.seats();
    const program = programTarget(media, this.#programSource(d), targets, control.multiview);
    if (program) targets.push(program);
    const plan = control.multiview.plan(targets, seats, d.source);
    const floorSeat = d.source === null ? undefined : seats.find((x) => x.id === d.source);
    media.program.noteFloor(d.source, floorSeat?.label ?? d.source, h.clock.now());
    if (JSON.stringify([...plan]) !== JSON.stringify([...this.#plan])) {
      this.#plan = plan;
      this.emit('state');
    }
    for (const [id, muted] of d.muted) media.setMuted(id, muted);
    for (const id of h.everyone()) {
      if (
        before.muted.get(id) !== d.muted.get(id) ||
        (before.source === id) !== (d.source === id) ||
        (h.isBrowser(id) && before.views.get(id) !== d.views.get(id))
      )
        this.emit('participant', id);
    }
    if (before.source !== d.source) this.emit('state');
    this.#applying = this.#applying
      .then(() => this.#showViews())
      .catch((err: unknown) => h.log.error({ err }, 'switching views failed'));
  }

  /** Resolves when the views switched so far are shown (the conference ends after it). */
  settled(): Promise<void> {
    return this.#applying;
  }

  close(): void {
    this.#speakers.close();
    this.#h.clock.clearTimeout(this.#composeRetry);
    this.#composeRetry = undefined;
  }

  async #showViews(): Promise<void> {
    const { media, log } = this.#h;
    const d = this.#decision;
    const plan = this.#plan;
    let failed: string | undefined;
    try {
      await media.compose(plan);
      this.#composed = plan;
      this.#fallbacks.clear();
      this.#composeFailures = 0;
    } catch (err) {
      // rooms that show a composed picture keep it (the previous layout for a moment beats a plain
      // source for as long as nothing else changes); the plan is tried again shortly
      failed = (err as Error).message;
      log.error({ err }, 'cannot compose the pictures: rooms keep the picture they have; trying again');
      this.#retryCompose();
    }
    // on the plan and shown its picture: nothing to switch (after a failure: only while it has one)
    const composedFor = (id: string): boolean => plan.has(id) && (failed === undefined || media.showsPicture(id));
    if (media.programOn && !composedFor(PROGRAM_TARGET)) {
      // the program without a layout: the floor's (or broadcast) source itself, switched on its keyframe
      await media
        .show(PROGRAM_TARGET, this.#programSource(d))
        .catch((err: unknown) => log.warn({ err }, 'cannot switch the program picture'));
    }
    for (const [id, src] of d.views) {
      if (!this.#h.live() || this.#decision !== d) return; // a newer decision follows in the chain
      if (composedFor(id)) continue;
      if (plan.has(id) && failed !== undefined) {
        const why = `its composed picture could not be made: ${failed}`;
        this.#fallbacks.set(id, why);
        log.warn({ room: id, source: src, reason: why }, 'a room on a layout is shown a source directly');
      }
      await media.show(id, src);
    }
  }

  /** Compose the current plan again after a failure: 1 s, then longer while it keeps failing. */
  #retryCompose(): void {
    if (this.#composeRetry) return;
    const delay = COMPOSE_RETRY_MS[Math.min(this.#composeFailures++, COMPOSE_RETRY_MS.length - 1)]!;
    this.#composeRetry = this.#h.clock.setTimeout(() => {
      this.#composeRetry = undefined;
      this.apply();
    }, delay);
    this.#composeRetry.unref?.();
  }

  /**
   * A room's view switched: a room on a composed layout that now shows a plain source (not a canvas)
   * is logged with the reason, so a picture that "became one site" can be explained afterwards.
   */
  #checkSwitch(room: string, source: string | null): void {
    if (source === null || source.startsWith(CANVAS)) return;
    const p = this.#plan.get(room);
    if (!p || (!this.#composed.has(room) && !this.#fallbacks.has(room))) return;
    this.#h.log.warn(
      {
        room,
        source,
        layout: p.spec.layout,
        reason: this.#fallbacks.get(room) ?? 'unexpected: the room was shown its composed picture',
      },
      'a room on a layout now shows a source directly, not its composed picture',
    );
  }

  /** What the program shows without a layout: the floor, else the first site present with video. */
  #programSource(d: FloorDecision): string | null {
    const media = this.#h.media;
    if (d.source !== null && media.hasVideo(d.source)) return d.source;
    return this.#h.present().find((id) => media.hasVideo(id)) ?? null;
  }
}
