// A browser's seat in a conference: one per invitation. It outlives the page's connections: a page
// that loses its network and comes back takes the same seat (same id, same floor and mutes) with a
// new BrowserLink. States, in the API's words:
//
//   calling (page joining) ─DTLS up─▶ connected ─connection lost─▶ redialing ─grace over─▶ hungup
//                                        │   ▲                          │
//                                        │   └──── page back ───────────┘
//                                        └─ page left ─▶ hungup     operator hangup ─▶ hungup (seat closed)
//                                                                   conference end ─▶ ended
import { reason, say, type LegState, type ParticipantView, type Reason } from '../../protocol/index.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError } from '../errors.js';
import { BrowserLink, type BrowserListen, type LinkEnd } from '../media/BrowserLink.js';
import type { ConferenceMedia } from '../media/ConferenceMedia.js';

export interface BrowserParticipantOptions {
  id: string;
  name: string;
  conferenceId: string;
  media: ConferenceMedia;
  log: Logger;
  clock: Clock;
  /** How long a lost page keeps its seat as "redialing" before it counts as gone (default 60 s). */
  graceMs?: number;
}

type BrowserEvents = {
  /** State or figures changed: publish the participant again. */
  changed: [];
  /** Its producers changed: the floor decision may now show it. */
  media: [];
  event: [Reason | string];
};

export class BrowserParticipant extends TypedEmitter<BrowserEvents> {
  readonly id: string;
  readonly name: string;
  readonly #o: BrowserParticipantOptions;
  readonly #log: Logger;
  #state: LegState = 'idle';
  #reason: string | undefined;
  #attempts = 0;
  #connectedAt: number | undefined;
  #link: BrowserLink | undefined;
  #selfMuted = false;
  #grace: Timer | undefined;
  /** Removed by the operator or the conference ended: no more connections. */
  #closedFor: { end: LinkEnd; reason: string } | undefined;

  constructor(o: BrowserParticipantOptions) {
    super();
    this.#o = o;
    this.id = o.id;
    this.name = o.name;
    this.#log = o.log.child({ component: 'conference.browser', conferenceId: o.conferenceId, participant: o.id });
  }

  get state(): LegState {
    return this.#state;
  }
  get connected(): boolean {
    return this.#state === 'connected';
  }
  get selfMuted(): boolean {
    return this.#selfMuted;
  }
  get link(): BrowserLink | undefined {
    return this.#link;
  }
  /** Sends video the SIP rooms could be shown. */
  get hasVideo(): boolean {
    return this.#o.media.hasVideo(this.id);
  }

  /** A page connects (first time or again): a new link; the previous one is closed as replaced. */
  async connect(listen: BrowserListen): Promise<BrowserLink> {
    this.#assertOpen();
    const old = this.#link;
    this.#link = undefined;
    old?.close('replaced', 'the same invitation connected again');
    this.#o.clock.clearTimeout(this.#grace);
    this.#grace = undefined;
    this.#attempts++;
    this.#set('calling', undefined);
    const link = await BrowserLink.create({ participantId: this.id, media: this.#o.media, listen, log: this.#o.log });
    if (this.#closedFor || this.#link) {
      // removed, ended or replaced while the transports were being made
      link.close(this.#closedFor?.end ?? 'replaced', this.#closedFor?.reason ?? 'the same invitation connected again');
      this.#assertOpen();
      return link;
    }
    this.#link = link;
    if (this.#selfMuted) await link.setSelfMuted(true);
    link.on('connected', () => {
      if (this.#link !== link) return;
      this.#connectedAt = this.#o.clock.now();
      this.#set('connected', undefined);
      this.emit('event', reason('ev.browserJoined', { id: this.id, name: this.name }));
    });
    link.on('produced', () => this.emit('media'));
    link.on('closed', (e) => this.#linkClosed(link, e.end, e.reason));
    return link;
  }

  /** The page's own mute button. */
  async setSelfMuted(muted: boolean): Promise<void> {
    if (this.#selfMuted === muted) return;
    this.#selfMuted = muted;
    await this.#link?.setSelfMuted(muted);
    this.emit('changed');
  }

  /** Operator hang-up: the page is told it was removed and this invitation cannot join again. */
  hangup(reason = say('leg.removedByOperator')): Promise<void> {
    this.#finish('removed', reason, 'hungup');
    return Promise.resolve();
  }

  end(reason: string): Promise<void> {
    this.#finish('ended', reason, 'ended');
    return Promise.resolve();
  }

  view(extra: { muted: boolean; hasFloor: boolean; viewing: string | null }): ParticipantView {
    const v: ParticipantView = {
      endpointId: this.id,
      name: { zh: this.name, en: this.name },
      kind: 'browser',
      state: this.#state,
      muted: extra.muted || this.#selfMuted,
      hasFloor: extra.hasFloor,
      viewing: this.connected ? extra.viewing : null,
      direction: 'in',
      attempts: this.#attempts,
    };
    if (this.#reason !== undefined) v.reason = this.#reason;
    if (this.#connectedAt !== undefined && this.connected) v.connectedAt = new Date(this.#connectedAt).toISOString();
    return v;
  }

  #finish(end: LinkEnd, reason: string, state: LegState): void {
    if (this.#closedFor) return;
    this.#closedFor = { end, reason };
    this.#o.clock.clearTimeout(this.#grace);
    this.#grace = undefined;
    const link = this.#link;
    this.#link = undefined;
    link?.close(end, reason);
    this.#set(state, reason);
    this.emit('media');
  }

  #linkClosed(link: BrowserLink, end: LinkEnd, why: string): void {
    if (this.#link !== link) return; // replaced, or closed by #finish
    this.#link = undefined;
    this.#connectedAt = undefined;
    this.emit('media');
    if (end === 'left') {
      this.#set('hungup', 'left the meeting');
      this.emit('event', reason('ev.browserLeft', { id: this.id, name: this.name }));
      return;
    }
    this.#log.info({ end, reason: why }, 'browser connection lost; waiting for it to come back');
    this.#set('redialing', `${why}; waiting for the browser to reconnect`);
    const graceMs = this.#o.graceMs ?? 60_000;
    this.#grace = this.#o.clock.setTimeout(() => {
      this.#grace = undefined;
      if (this.#link || this.#closedFor) return;
      this.#set('hungup', `did not come back within ${Math.round(graceMs / 1000)} s`);
      this.emit('event', reason('ev.browserLost', { id: this.id, name: this.name }));
    }, graceMs);
  }

  #assertOpen(): void {
    const c = this.#closedFor;
    if (!c) return;
    throw c.end === 'ended'
      ? new VcError('CONFERENCE_ENDED', say('err.browserConfEnded', { reason: c.reason }))
      : new VcError('FORBIDDEN', say('err.browserRemoved', { name: this.name }));
  }

  #set(state: LegState, reason: string | undefined): void {
    this.#state = state;
    this.#reason = reason;
    this.emit('changed');
  }
}
