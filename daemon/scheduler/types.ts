import type { ConferenceStartParams, OccurrenceView, PreflightReport } from '../../protocol/index.js';
import type { MeetingPlan } from '../store/ScheduleRepo.js';

// What the scheduler needs from the layers below. The daemon hands in adapters over the health
// monitor / SIP stack (Prober) and the conference bridge (ConferenceControl), so the scheduler
// never depends on how those are built and tests can use real peers behind the same shapes.

export interface ProbeOutcome {
  ok: boolean;
  /** Round-trip time of the answer; null when there was none. */
  rttMs: number | null;
  /** Plain words on failure: "timeout", "503 Service Unavailable", ... */
  reason?: string;
}

export interface TestCallOutcome {
  lossPct: number;
  jitterMs: number;
  rttMs: number;
}

/** Pre-flight probes: an OPTIONS ping and, for endpoints that allow it, a short test call. */
export interface Prober {
  probe(endpointId: string): Promise<ProbeOutcome>;
  /** Throws (or rejects) when the call could not be made; the reason becomes the site's reason. */
  testCall?(endpointId: string): Promise<TestCallOutcome>;
}

/** What the scheduler asks the bridge to start. */
export interface ScheduledStart extends ConferenceStartParams {
  scheduleId: string;
  /** The occurrence (its start as the rule generated it), ISO. */
  occurrenceStart: string;
  /** Planned end, ISO. */
  endsAt: string;
  /** True when the meeting was in progress before a daemon restart: sites are re-dialled. */
  resume: boolean;
  /** The multi-picture layout the meeting starts with (from the template it was booked from). */
  layout?: MeetingPlan['layout'];
  /** Auto-polling the meeting starts with (from the template it was booked from). */
  polling?: MeetingPlan['polling'];
}

/** The conference bridge as the scheduler drives it. */
export interface ConferenceControl {
  start(params: ScheduledStart): Promise<{ id: string }>;
  /** Tell everyone in the conference something (e.g. "ends in 5 minutes"). */
  notice(conferenceId: string, message: string): void | Promise<void>;
  end(conferenceId: string, reason: string): void | Promise<void>;
  isActive(conferenceId: string): boolean;
  /** The planned end (UTC ms) when an operator extended the conference; null/undefined: unchanged. */
  endsAt?(conferenceId: string): number | null | undefined;
}

export interface ScheduleNotice {
  scheduleId: string;
  conferenceId?: string;
  message: string;
}

/** Events the daemon forwards as API notifications (schedule.preflight, .occurrence, .notice). */
export type SchedulerEvents = {
  preflight: [PreflightReport];
  occurrence: [OccurrenceView];
  notice: [ScheduleNotice];
};
