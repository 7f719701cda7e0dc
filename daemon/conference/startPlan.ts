// What a template (or a meeting booked from one) sets up once the meeting is running: its
// multi-picture layout, then its auto-polling. The meeting has started by then, so a part that
// cannot be applied (no GStreamer for the layout, a polling target not in this meeting) is said in
// the meeting's event log and the daemon's log, and the meeting goes on without it.
// The same parts (as they are when the daemon dies, the operator's changes included) are what a
// meeting is resumed with after a crash, with the floor, the roll-call list and the raised hands: kept
// with its row, restored by restorePlan().
import { reason, say, type ConferenceMode, type ConferenceView } from '../../protocol/index.js';
import type { TemplatePolling, Template } from '../config/schema.js';
import type { ConferencePlan } from '../store/ConferenceRepo.js';
import type { Logger } from '../util/logger.js';
import type { Conference } from './Conference.js';

export interface StartPlan {
  layout?: Template['layout'] | undefined;
  polling?: TemplatePolling | undefined;
}

export function applyStartPlan(
  conf: Conference,
  plan: StartPlan,
  deps: {
    log: Logger;
    /** The sites to poll: a list and/or a group's members in the meeting (null: every site). */
    pollSites: (sites: readonly string[] | undefined, group: string | undefined) => string[] | null;
  },
): void {
  const fail = (what: string, err: unknown): void => {
    deps.log.error({ err, conferenceId: conf.id }, `the template's ${what} could not be applied`);
    conf.notice(reason('ev.planNotApplied', { what, why: (err as Error).message }));
  };
  if (plan.layout !== undefined && plan.layout !== 'off') {
    try {
      conf.control.setLayout(plan.layout);
    } catch (err) {
      fail(say('plan.layout', { layout: plan.layout }), err);
    }
  }
  const p = plan.polling;
  if (p) {
    try {
      conf.control.poll({
        intervalSeconds: p.intervalSeconds,
        sites: deps.pollSites(p.sites, p.group),
        target: p.target ?? null,
        pane: p.pane ?? null,
      });
    } catch (err) {
      fail(say('plan.polling'), err);
    }
  }
}

/**
 * What a live conference would be resumed with after a crash (null: nothing beyond its sites).
 * `givenFloor` is the floor an operator gave, which the view's floor (who is shown now) is not.
 */
export function resumePlanOf(v: ConferenceView, givenFloor: string | null): ConferencePlan | null {
  const plan: ConferencePlan = {};
  // giving the floor can change the mode (voice → roll call), which the row does not follow
  plan.floor = { mode: v.mode, id: givenFloor };
  if (v.rollcall) plan.rollcall = [...v.rollcall];
  if (v.hands?.length)
    plan.hands = v.hands.map((h) => ({ endpointId: h.endpointId, at: Date.parse(h.at), via: h.via }));
  const mv = v.multiview;
  const p = v.polling ?? null;
  if (mv && mv.layout !== 'off') plan.layout = mv.layout;
  if (mv && Object.keys(mv.personal).length) plan.personal = { ...mv.personal };
  if (mv?.banner) plan.banner = mv.banner;
  const pins: Record<string, Record<string, string>> = {};
  for (const [owner, panes] of Object.entries(mv?.pins ?? {})) {
    // the polled pane's pin is the polling's, set again by it
    const polled = p?.pane !== undefined && (p.target ?? 'conference') === owner ? String(p.pane) : null;
    const kept = Object.entries(panes).filter(([n]) => n !== polled);
    if (kept.length) pins[owner] = Object.fromEntries(kept);
  }
  if (Object.keys(pins).length) plan.pins = pins;
  if (p)
    plan.polling = { intervalSeconds: p.intervalSeconds, sites: [...p.sites], target: p.target, pane: p.pane ?? null };
  return plan;
}

/**
 * After a crash resume: the layouts, pins, banner and polling the conference had, each part on its
 * own (a part that no longer applies — a site gone from the config, no GStreamer — is said in the
 * event log and the rest still applies).
 */
export function restorePlan(conf: Conference, plan: ConferencePlan, log: Logger): void {
  const attempt = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.error({ err, conferenceId: conf.id }, `${what} of the conference could not be restored`);
      conf.notice(reason('ev.planNotRestored', { what, why: (err as Error).message }));
    }
  };
  const c = conf.control;
  const { layout, banner, polling } = plan;
  if (layout) attempt(say('plan.layout', { layout }), () => c.setLayout(layout));
  for (const [site, l] of Object.entries(plan.personal ?? {}))
    attempt(say('plan.layoutFor', { layout: l, site }), () => c.setLayout(l, site));
  for (const [owner, panes] of Object.entries(plan.pins ?? {}))
    for (const [n, id] of Object.entries(panes))
      attempt(say('plan.pane', { n, id }), () => c.setPane(Number(n), id, owner === 'conference' ? undefined : owner));
  if (banner) attempt(say('plan.banner'), () => c.setBanner(banner));
  if (polling) attempt(say('plan.polling'), () => c.poll(polling));
  // roll call where it was: its list, the floor (and the mode giving it set), then the hands still up
  const { floor, rollcall, hands } = plan;
  if (rollcall) attempt(say('plan.rollcall'), () => c.restoreRollcall(rollcall));
  if (floor && (floor.id !== null || floor.mode !== conf.mode) && isMode(floor.mode)) {
    const mode = floor.mode;
    attempt(floor.id === null ? say('plan.floorBack', { mode }) : say('plan.floor', { id: floor.id, mode }), () =>
      conf.setMode(mode, floor.id),
    );
  }
  for (const h of hands ?? []) attempt(say('plan.hand', { id: h.endpointId }), () => c.restoreHand(h));
}

const MODES: readonly string[] = ['broadcast', 'rollcall', 'voice', 'select'] satisfies ConferenceMode[];
const isMode = (m: string): m is ConferenceMode => MODES.includes(m);
