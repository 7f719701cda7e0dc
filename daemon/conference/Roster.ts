// Who is in one meeting: its sites (a Participant each: the call leg and its redials) and its browser
// seats, made and wired here — a leg's media to the conference's media and stats sampler — and found
// by id. The Conference decides what they may do and how they are shown; what they report comes up
// as events.
import type { Endpoint } from '../config/schema.js';
import { say, type Reason } from '../../protocol/index.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError } from '../errors.js';
import type { LegStats as LegStatsSampler } from '../media/LegStats.js';
import type { ConferenceMedia } from '../media/ConferenceMedia.js';
import { Participant } from './Participant.js';
import { BrowserParticipant } from './BrowserParticipant.js';
import type { ConferenceDeps } from './conferenceDeps.js';

type RosterEvents = {
  /** A participant's state or figures changed: publish it again. */
  changed: [id: string];
  /** Something an operator wants to read in the conference's event log. */
  event: [Reason | string];
  /** A DTMF digit from a site's room. */
  dtmf: [p: Participant, digit: string, via: 'rfc4733' | 'info'];
};

export class Roster extends TypedEmitter<RosterEvents> {
  readonly #conferenceId: string;
  readonly #d: ConferenceDeps;
  readonly #media: ConferenceMedia;
  readonly #sampler: LegStatsSampler;
  readonly #apply: () => void;
  /** The sites, by endpoint id. */
  readonly sites = new Map<string, Participant>();
  /** Browser participants' seats, by participant id (see BrowserParticipant). */
  readonly browsers = new Map<string, BrowserParticipant>();

  /** `apply`: what is shown and heard may have to change (a leg's media came or went, a browser's
   *  changed); called directly, so that a failure there fails the leg's attach. */
  constructor(o: {
    conferenceId: string;
    deps: ConferenceDeps;
    media: ConferenceMedia;
    sampler: LegStatsSampler;
    apply: () => void;
  }) {
    super();
    this.#apply = o.apply;
    this.#conferenceId = o.conferenceId;
    this.#d = o.deps;
    this.#media = o.media;
    this.#sampler = o.sampler;
  }

  /** The site ids. */
  get siteIds(): string[] {
    return [...this.sites.keys()];
  }

  /** Every site, then every browser seat. */
  everyone(): string[] {
    return [...this.sites.keys(), ...this.browsers.keys()];
  }

  /** The participants: sites, then browser seats. */
  all(): (Participant | BrowserParticipant)[] {
    return [...this.sites.values(), ...this.browsers.values()];
  }

  /** Legs attached to the media and browsers connected: who can be heard and shown. */
  present(): string[] {
    const attached = new Set(this.#media.legIds);
    return [...this.sites.keys()]
      .filter((id) => attached.has(id))
      .concat([...this.browsers.values()].filter((b) => b.connected).map((b) => b.id));
  }

  get(id: string): Participant | BrowserParticipant | undefined {
    return this.sites.get(id) ?? this.browsers.get(id);
  }

  require(id: string): Participant | BrowserParticipant {
    const p = this.get(id);
    if (!p)
      throw new VcError(
        'PARTICIPANT_UNKNOWN',
        say('err.notInConference', { id, conference: this.#conferenceId, ids: this.siteIds.join(', ') }),
      );
    return p;
  }

  /** The site of `ep`, made (idle) when it is not in the meeting yet. */
  site(ep: Endpoint): Participant {
    return this.sites.get(ep.id) ?? this.#add(ep);
  }

  /** The seat of a browser participant, made on first join. */
  browser(id: string, name: string): BrowserParticipant {
    let b = this.browsers.get(id);
    if (b) return b;
    if (this.sites.has(id))
      throw new VcError('BAD_REQUEST', say('err.notBrowserSeat', { id, conference: this.#conferenceId }));
    b = new BrowserParticipant({
      id,
      name,
      conferenceId: this.#conferenceId,
      media: this.#media,
      log: this.#d.log,
      clock: this.#d.clock,
    });
    b.on('media', () => this.#apply())
      .on('event', (m) => this.emit('event', m))
      .on('changed', () => {
        this.#apply();
        this.emit('changed', id);
      });
    this.browsers.set(id, b);
    return b;
  }

  #add(ep: Endpoint): Participant {
    const p = new Participant({
      conferenceId: this.#conferenceId,
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
    p.on('changed', () => this.emit('changed', p.id));
    p.on('event', (m) => this.emit('event', m));
    p.on('dtmf', (d) => this.emit('dtmf', p, d.digit, d.via));
    this.sites.set(ep.id, p);
    return p;
  }
}
