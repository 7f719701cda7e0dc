// What a template (or a meeting booked from one) sets up once the meeting is running: its
// multi-picture layout, then its auto-polling. The meeting has started by then, so a part that
// cannot be applied (no GStreamer for the layout, a polling target not in this meeting) is said in
// the meeting's event log and the daemon's log, and the meeting goes on without it.
import type { TemplatePolling, Template } from '../config/schema.js';
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
    conf.notice(`the template's ${what} was not applied: ${(err as Error).message}`);
  };
  if (plan.layout !== undefined && plan.layout !== 'off') {
    try {
      conf.control.setLayout(plan.layout);
    } catch (err) {
      fail(`layout ${plan.layout}`, err);
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
      fail('polling', err);
    }
  }
}
