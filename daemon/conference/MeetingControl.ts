// The operator's meeting-control surface over one conference: auto-polling (轮巡), raised hands
// (申请发言, from DTMF, the page's button or the operator) and roll-call stepping (点名). It keeps
// that state and its rules; the conference owns the participants, the floor and the media, and
// lends what this needs through ControlHost.
import type { ConferenceView } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { VcError } from '../errors.js';
import { Polling, type PollSetup } from './Polling.js';
import { DtmfSequence, RaisedHands, type RaisedHand } from './RaisedHands.js';
import { handsView, pollingView } from './controlViews.js';

/** What the conference lends its meeting control. */
export interface ControlHost {
  clock: Clock;
  /** Throws CONFERENCE_ENDED unless the meeting is live. */
  assertLive(): void;
  /** Throws PARTICIPANT_UNKNOWN unless `id` is a site or browser seat of the meeting. */
  require(id: string): void;
  /** Every site and browser seat. */
  everyone(): string[];
  /** The roll-call list when none was given: every site but the chair and the upstream. */
  rollcallDefault(): string[];
  /** Who can be heard and shown now. */
  present(): string[];
  /** Can `id` be shown to `target` (null: the broadcast picture)? */
  showable(target: string | null, id: string): boolean;
  floor(): string | null;
  setFloor(id: string): void;
  event(message: string): void;
  apply(): void;
  publish(id: string): void;
  emitState(): void;
}

type ControlView = Pick<ConferenceView, 'polling' | 'hands' | 'rollcall'>;

export class MeetingControl {
  readonly #h: ControlHost;
  #polling: Polling | undefined;
  readonly #hands = new RaisedHands();
  readonly #dtmf = new Map<string, DtmfSequence>();
  /** The roll-call list `floor --next/--previous` walks (null: the host's default list). */
  #rollcall: string[] | null = null;

  constructor(host: ControlHost) {
    this.#h = host;
  }

  view(): ControlView {
    return {
      polling: this.#polling ? pollingView(this.#polling) : null,
      hands: handsView(this.#hands.list()),
      ...(this.#rollcall ? { rollcall: [...this.#rollcall] } : {}),
    };
  }

  /** What the floor decision needs of the polling, if any. */
  get poll(): { source: string | null; target: string | null } | undefined {
    return this.#polling ? { source: this.#polling.current, target: this.#polling.target } : undefined;
  }

  /** See Conference.stepFloor. */
  stepFloor(direction: 'next' | 'previous', sites?: readonly string[]): string {
    this.#h.assertLive();
    if (sites) {
      if (sites.length === 0) throw new VcError('BAD_REQUEST', 'the roll-call list is empty');
      for (const id of sites) this.#h.require(id);
      this.#rollcall = [...new Set(sites)];
    }
    const list = this.#rollcall ?? this.#h.rollcallDefault();
    const present = new Set(this.#h.present());
    const floor = this.#h.floor();
    const at = floor === null ? -1 : list.indexOf(floor);
    const n = list.length;
    for (let k = 1; k <= n; k++) {
      const i = direction === 'next' ? (at === -1 ? k - 1 : at + k) % n : (((at === -1 ? n - k : at - k) % n) + n) % n;
      const id = list[i]!;
      if (present.has(id)) {
        this.#h.setFloor(id);
        return id;
      }
    }
    throw new VcError('PARTICIPANT_UNKNOWN', `no site of the roll-call list is connected (${list.join(', ') || 'empty list'})`);
  }

  /** See Conference.poll. */
  startPolling(setup: { intervalSeconds: number; sites: readonly string[] | null; target: string | null }): void {
    const h = this.#h;
    h.assertLive();
    if (setup.target !== null) h.require(setup.target);
    for (const id of setup.sites ?? []) h.require(id);
    const sites = (setup.sites ?? h.everyone()).filter((id) => id !== setup.target);
    const full: PollSetup = { intervalSeconds: setup.intervalSeconds, sites, target: setup.target };
    const polling = new Polling(full, {
      clock: h.clock,
      showable: (id) => h.showable(full.target, id),
      switched: (current) => {
        if (this.#polling !== polling) return;
        h.event(current ? `polling: ${full.target ? `${full.target} sees` : 'everyone sees'} ${current}` : 'polling: no site of the list can be shown now');
        h.apply();
        h.emitState();
      },
    });
    this.#polling?.stop();
    this.#polling = polling;
    h.event(`polling started: every ${full.intervalSeconds} s through ${sites.join(', ')}${full.target ? ` (what ${full.target} sees)` : ''}`);
    polling.start();
    h.emitState();
  }

  /** False when there was no polling to stop. */
  stopPolling(): boolean {
    this.#h.assertLive();
    if (!this.#polling) return false;
    this.#polling.stop();
    this.#polling = undefined;
    this.#h.event('polling stopped');
    this.#h.apply();
    this.#h.emitState();
    return true;
  }

  /** The meeting ends: stop the polling's timer. */
  close(): void {
    this.#polling?.stop();
  }

  raiseHand(endpointId: string, via: RaisedHand['via'], how?: string): void {
    this.#h.assertLive();
    this.#h.require(endpointId);
    if (!this.#hands.raise(endpointId, this.#h.clock.now(), via)) return;
    this.#h.event(`hand raised: ${endpointId} (${how ?? via})`);
    this.#h.publish(endpointId);
    this.#h.emitState();
  }

  clearHands(endpointId?: string): string[] {
    this.#h.assertLive();
    let cleared: string[];
    if (endpointId !== undefined) {
      this.#h.require(endpointId);
      cleared = this.#hands.lower(endpointId) ? [endpointId] : [];
    } else cleared = this.#hands.clear();
    if (cleared.length) this.#h.event(`hands lowered: ${cleared.join(', ')}`);
    for (const id of cleared) this.#h.publish(id);
    this.#h.emitState();
    return cleared;
  }

  /** Giving the floor answers the site's raised hand: true when there was one. */
  lowerHand(endpointId: string): boolean {
    return this.#hands.lower(endpointId);
  }

  handAt(endpointId: string): number | undefined {
    return this.#hands.at(endpointId);
  }

  hands(): RaisedHand[] {
    return this.#hands.list();
  }

  /** A DTMF digit from a site: true when it completes the site's raise-hand sequence. */
  dtmf(endpointId: string, sequence: string, digit: string): boolean {
    let seq = this.#dtmf.get(endpointId);
    if (!seq) this.#dtmf.set(endpointId, (seq = new DtmfSequence(sequence)));
    return seq.push(digit, this.#h.clock.now());
  }
}
