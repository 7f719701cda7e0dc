// The operator's meeting-control surface over one conference: auto-polling (轮巡), raised hands
// (申请发言, from DTMF, the page's button or the operator), roll-call stepping (点名) and the
// multi-picture choices (多画面: layouts, pinned panes, the banner). It keeps
// that state and its rules; the conference owns the participants, the floor and the media, and
// lends what this needs through ControlHost.
import { reason, say, type ConferenceView, type Reason } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { VcError } from '../errors.js';
import { Polling, type PollSetup } from './Polling.js';
import { DtmfSequence, RaisedHands, type RaisedHand } from './RaisedHands.js';
import { handsView, pollingView } from './controlViews.js';
import { Multiview } from './multiview.js';

/** What the conference lends its meeting control. */
export interface ControlHost {
  conferenceId: string;
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
  event(e: Reason | string): void;
  apply(): void;
  /** Start the compositor (resolves once it runs); throws COMPOSITOR_UNAVAILABLE saying why it cannot. */
  startCompositor(): Promise<void>;
  /** Throws COMPOSITOR_UNAVAILABLE at once when GStreamer or a CJK font is missing (no process started). */
  checkCompositor(): void;
  publish(id: string): void;
  emitState(): void;
}

type ControlView = Pick<ConferenceView, 'polling' | 'hands' | 'rollcall'>;

export class MeetingControl {
  readonly #h: ControlHost;
  /** The layouts, pinned panes and banner the conference plans its pictures from. */
  readonly multiview = new Multiview();
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

  /** What the floor decision needs of the polling, if any (a polled pane changes no switched view). */
  get polled(): { source: string | null; target: string | null } | undefined {
    const p = this.#polling;
    return p && p.pane === null ? { source: p.current, target: p.target } : undefined;
  }

  /**
   * Roll call through a list (点名): the floor goes to the next (or previous) connected site of
   * `sites` (remembered for later steps), else of the list given before, else of every site but
   * the chair and the upstream. Returns the site that has the floor now.
   */
  stepFloor(direction: 'next' | 'previous', sites?: readonly string[]): string {
    this.#h.assertLive();
    if (sites) {
      if (sites.length === 0) throw new VcError('BAD_REQUEST', say('err.rollcallEmpty'));
      for (const id of sites) this.#h.require(id);
    }
    // a new list is kept only when the step succeeds: a refused step changes nothing
    const list = sites ? [...new Set(sites)] : (this.#rollcall ?? this.#h.rollcallDefault());
    const present = new Set(this.#h.present());
    const floor = this.#h.floor();
    const at = floor === null ? -1 : list.indexOf(floor);
    const n = list.length;
    for (let k = 1; k <= n; k++) {
      const i = direction === 'next' ? (at === -1 ? k - 1 : at + k) % n : (((at === -1 ? n - k : at - k) % n) + n) % n;
      const id = list[i]!;
      if (present.has(id)) {
        if (sites) this.#rollcall = list;
        this.#h.setFloor(id);
        return id;
      }
    }
    throw new VcError(
      'PARTICIPANT_UNKNOWN',
      say('err.rollcallNoneConnected', { ids: list.join(', ') || say('err.none') }),
    );
  }

  /**
   * Start (or restart) auto-polling; `sites` null: every participant but the target. With `pane`,
   * the polled site is pinned into that pane of the conference's layout (or of the target's own
   * layout) at each step, and the pane goes back to automatic filling when the polling stops.
   */
  poll(setup: {
    intervalSeconds: number;
    sites: readonly string[] | null;
    target: string | null;
    pane?: number | null;
  }): void {
    const h = this.#h;
    h.assertLive();
    if (setup.target !== null) h.require(setup.target);
    for (const id of setup.sites ?? []) h.require(id);
    const pane = setup.pane ?? null;
    if (pane !== null) this.#checkPollPane(pane, setup.target);
    const sites = (setup.sites ?? h.everyone()).filter((id) => id !== setup.target);
    const full: PollSetup = { intervalSeconds: setup.intervalSeconds, sites, target: setup.target, pane };
    const forSite = full.target ?? undefined;
    const polling = new Polling(full, {
      clock: h.clock,
      showable: (id) =>
        pane === null
          ? h.showable(full.target, id)
          : // a pane is composed, so any source will do; a site pinned to another pane stays there
            h.showable(null, id) && !this.multiview.pinnedElsewhere(pane, id, forSite),
      switched: (current) => {
        if (this.#polling !== polling) return;
        if (pane !== null && !this.#paneExists(polling)) {
          this.#layoutChanged();
          h.apply();
          h.emitState();
          return;
        }
        if (pane !== null) this.#pinPolled(polling, current);
        h.event(
          !current
            ? reason('ev.pollNone')
            : pane !== null
              ? reason('ev.pollPaneShows', { what: pollTarget(full), id: current })
              : full.target
                ? reason('ev.pollShowsFor', { target: full.target, id: current })
                : reason('ev.pollShows', { id: current }),
        );
        h.apply();
        h.emitState();
      },
    });
    this.#endPolling();
    this.#polling = polling;
    h.event(
      pane !== null || full.target
        ? reason('ev.pollStartedWhat', {
            seconds: full.intervalSeconds,
            sites: sites.join(', '),
            what: pollTarget(full),
          })
        : reason('ev.pollStarted', { seconds: full.intervalSeconds, sites: sites.join(', ') }),
    );
    polling.start();
    h.emitState();
  }

  stopPolling(): void {
    this.#h.assertLive();
    if (!this.#polling) throw new VcError('BAD_REQUEST', say('err.notPolling', { id: this.#h.conferenceId }));
    this.#endPolling();
    this.#h.event(reason('ev.pollStopped'));
    this.#h.apply();
    this.#h.emitState();
  }

  /** Polling a pane needs that pane to exist in the layout it names; --for needs the site's own layout. */
  #checkPollPane(pane: number, target: string | null): void {
    if (target !== null && !this.multiview.hasPersonal(target))
      throw new VcError('BAD_REQUEST', say('err.pollPaneNoLayout', { target, pane }));
    this.multiview.checkPane(pane, target ?? undefined);
  }

  /** Pin the polled site into the polled pane (null: give the pane back to automatic filling). */
  #pinPolled(p: Polling, current: string | null): void {
    const forSite = p.target ?? undefined;
    if (current !== null) this.multiview.setPane(p.pane!, current, forSite);
    else if (this.multiview.pinAt(p.pane!, forSite) !== undefined) this.multiview.setPane(p.pane!, null, forSite);
  }

  /** Stop the polling's timer and give its pane back to automatic filling. */
  #endPolling(): void {
    const p = this.#polling;
    if (!p) return;
    p.stop();
    this.#polling = undefined;
    // a site whose own layout is gone took its pins with it; the conference's pins are not its to clear
    if (p.pane !== null && (p.target === null || this.multiview.hasPersonal(p.target)))
      this.multiview.unpin(p.pane, p.target ?? undefined);
  }

  #paneExists(p: Polling): boolean {
    if (p.pane === null) return false;
    try {
      this.#checkPollPane(p.pane, p.target);
      return true;
    } catch (err) {
      if (err instanceof VcError) return false;
      throw err;
    }
  }

  /** After a layout change: a polled pane the new layout lacks ends the polling, said in the event log. */
  #layoutChanged(): void {
    const p = this.#polling;
    if (!p || p.pane === null || this.#paneExists(p)) return;
    this.#endPolling();
    this.#h.event(reason('ev.pollGone', { what: pollTarget(p) }));
  }

  /** The meeting ends: stop the polling's timer. */
  close(): void {
    this.#polling?.stop();
  }

  /** A site or browser asks to speak (DTMF, the page's button). */
  raiseHand(endpointId: string, via: RaisedHand['via'], how?: string): void {
    this.#h.assertLive();
    this.#h.require(endpointId);
    if (!this.#hands.raise(endpointId, this.#h.clock.now(), via)) return;
    this.#h.event(reason('ev.hand', { id: endpointId, how: how ?? via }));
    this.#h.publish(endpointId);
    this.#h.emitState();
  }

  /** Lower one hand or (no id) every hand; returns the sites whose hand was lowered. */
  clearHands(endpointId?: string): string[] {
    this.#h.assertLive();
    let cleared: string[];
    if (endpointId !== undefined) {
      this.#h.require(endpointId);
      cleared = this.#hands.lower(endpointId) ? [endpointId] : [];
    } else cleared = this.#hands.clear();
    if (cleared.length) this.#h.event(reason('ev.handsLowered', { ids: cleared.join(', ') }));
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

  /** After a crash resume: a hand as it was (same place in the queue, same time), without a new event. */
  restoreHand(hand: RaisedHand): void {
    this.#h.require(hand.endpointId);
    if (!this.#hands.raise(hand.endpointId, hand.at, hand.via)) return;
    this.#h.publish(hand.endpointId);
    this.#h.emitState();
  }

  /** After a crash resume: the roll-call list `floor --next` walked. */
  restoreRollcall(sites: readonly string[]): void {
    for (const id of sites) this.#h.require(id);
    this.#rollcall = [...new Set(sites)];
    this.#h.emitState();
  }

  /** A DTMF digit from a site: true when it completes the site's raise-hand sequence. */
  dtmf(endpointId: string, sequence: string, digit: string): boolean {
    let seq = this.#dtmf.get(endpointId);
    if (!seq) this.#dtmf.set(endpointId, (seq = new DtmfSequence(sequence)));
    return seq.push(digit, this.#h.clock.now());
  }

  /**
   * Before setLayout() from an operator: the same checks, then the compositor started if the layout
   * needs one. Throws (changing nothing) when it cannot run — no GStreamer, no CJK font, the process
   * failing at start — so the operator hears it now, not from a log while the rooms keep their views.
   */
  async prepareLayout(layout: string, forSite?: string): Promise<void> {
    this.#h.assertLive();
    if (forSite !== undefined) this.#h.require(forSite);
    const choice = Multiview.parseChoice(layout, forSite !== undefined);
    if (choice !== 'off' && choice !== 'default') await this.#h.startCompositor();
  }

  /** The conference's multi-picture layout, or a site's own (`default`: back to the conference's). */
  setLayout(layout: string, forSite?: string): void {
    this.#h.assertLive();
    if (forSite !== undefined) this.#h.require(forSite);
    const choice = Multiview.parseChoice(layout, forSite !== undefined);
    // callers that did not prepare (templates) are still refused at once without GStreamer or a CJK font
    if (choice !== 'off' && choice !== 'default') this.#h.checkCompositor();
    this.multiview.setLayout(choice, forSite);
    this.#h.event(forSite ? reason('ev.layoutFor', { layout, site: forSite }) : reason('ev.layout', { layout }));
    this.#layoutChanged();
    this.#h.apply();
    this.#h.emitState();
  }

  /** Pin a site to pane `n` (1-based) or give the pane back to automatic filling ('auto'). */
  setPane(n: number, site: string, forSite?: string): void {
    this.#h.assertLive();
    if (forSite !== undefined) this.#h.require(forSite);
    if (site !== 'auto') this.#h.require(site);
    const p = this.#polling;
    if (p?.pane === n && (forSite ?? null) === p.target) throw new VcError('BAD_REQUEST', say('err.panePolled', { n }));
    this.multiview.setPane(n, site === 'auto' ? null : site, forSite);
    this.#h.event(
      site === 'auto'
        ? reason(forSite ? 'ev.paneAutoFor' : 'ev.paneAuto', forSite ? { n, site: forSite } : { n })
        : reason(forSite ? 'ev.paneFor' : 'ev.pane', forSite ? { n, id: site, site: forSite } : { n, id: site }),
    );
    this.#h.apply();
    this.#h.emitState();
  }

  /** The banner line over every composed picture (null removes it). */
  setBanner(text: string | null): void {
    this.#h.assertLive();
    this.multiview.setBanner(text);
    this.#h.event(text === null ? reason('ev.bannerOff') : reason('ev.banner', { text: this.multiview.banner ?? '' }));
    this.#h.apply();
    this.#h.emitState();
  }
}

/** What a polling walks, in words: "pane 2 of what mihe sees", "everyone's picture". */
function pollTarget(p: { target: string | null; pane?: number | null }): string {
  if (p.pane === null || p.pane === undefined)
    return p.target ? say('poll.for', { target: p.target }) : say('poll.everyone');
  return p.target ? say('poll.paneFor', { pane: p.pane, target: p.target }) : say('poll.pane', { pane: p.pane });
}
