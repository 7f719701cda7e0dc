// Schedules, their occurrences and pre-flight checks as the control API books and shows them.
import type { ConferenceMode, PlanPolling } from './conferences.js';

export type PreflightSiteStatus = 'ready' | 'degraded' | 'unreachable';

export interface PreflightReport {
  scheduleId: string;
  occurrenceStart: string;
  at: string;
  title?: string;
  /** The schedule's zone, for showing local times. */
  timezone?: string;
  /** lead: at start minus the lead time; final: start minus 2 min; manual: asked for. */
  stage?: 'lead' | 'final' | 'manual';
  sites: {
    endpointId: string;
    status: PreflightSiteStatus;
    reason?: string;
    rttMs?: number | null;
    lossPct?: number | null;
    jitterMs?: number | null;
  }[];
}

export interface ScheduleView {
  /** 'cn': follows China's working-day calendar. */
  workdays?: 'cn';
  id: string;
  title: string;
  start: string;
  durationMinutes: number;
  rrule: string | null;
  timezone: string;
  endpoints: string[];
  upstream: string | null;
  chair: string | null;
  createdBy: string;
  cancelled: boolean;
}

export interface OccurrenceView {
  scheduleId: string;
  title: string;
  start: string;
  end: string;
  /** skipped: the series follows the working-day calendar and this day is off (reason names the holiday). */
  state: 'pending' | 'preflight' | 'started' | 'ended' | 'missed' | 'cancelled' | 'skipped';
  /** Why the calendar moved it in or out: "make-up working day (补班, 国庆节)", "2027 not published yet…". */
  note?: string;
  conferenceId?: string;
  preflight?: PreflightReport;
  /** The schedule's zone, for showing local times. */
  timezone?: string;
  endpoints?: string[];
  /** Why it was missed / how it ended. */
  reason?: string;
  /** The start the rule generated when this occurrence was moved. */
  originalStart?: string;
}

export interface ScheduleAddParams {
  /** Needed unless the template gives one. */
  title?: string;
  /** A meeting template of the site config; the other params add to or override it. */
  template?: string;
  /** 'cn': follow China's official working-day calendar (调休): no meeting on holidays, make-up days worked. */
  workdays?: 'cn';
  /** ISO instant with offset, or a wall-clock time "2026-12-07 09:00" read in `timezone`. */
  start: string;
  /** Needed unless the template gives one. */
  durationMinutes?: number;
  /** RFC 5545 RRULE, e.g. "FREQ=WEEKLY;BYDAY=MO". */
  rrule?: string;
  /** IANA zone; default the site's. */
  timezone?: string;
  endpoints?: string[];
  group?: string;
  upstream?: string;
  chair?: string;
  mode?: ConferenceMode;
  /** Book despite conflicts (written to the audit log). */
  force?: boolean;
  /** Record every meeting of the booking from its start (also `record: true` in the template). */
  record?: boolean;
}

export interface ScheduleEditParams {
  id: string;
  /** Change this occurrence and the following ones only (the series is split there). */
  from?: string;
  /** Move this one occurrence to `start` (nothing else may change). */
  occurrence?: string;
  title?: string;
  start?: string;
  durationMinutes?: number;
  /** null: make it a one-off. */
  rrule?: string | null;
  timezone?: string;
  endpoints?: string[];
  group?: string;
  upstream?: string | null;
  chair?: string | null;
  mode?: ConferenceMode;
  /** 'cn': follow China's working-day calendar (调休) from now on; null: stop following it. */
  workdays?: 'cn' | null;
  force?: boolean;
}

export interface ScheduleConflict {
  kind: 'endpoint' | 'upstream' | 'capacity';
  /** The occurrence being booked that collides. */
  occurrenceStart: string;
  /** One line for people. */
  message: string;
  /** The meetings already booked that it collides with. */
  meetings: { scheduleId: string; title: string; start: string; end: string }[];
  endpoints?: string[];
}

export interface ScheduleDetail extends ScheduleView {
  mode: ConferenceMode | null;
  /** Cancelled occurrences (their original starts) and moved ones. */
  exceptions: { occurrenceStart: string; kind: 'cancelled' | 'moved'; newStart: string | null }[];
  /** The next occurrences (at most 10). */
  upcoming: OccurrenceView[];
  /** Last pre-flight report, if any. */
  lastPreflight: PreflightReport | null;
  /** Booked despite conflicts. */
  forced: boolean;
  /** What each meeting starts with besides its sites (from the template it was booked from, or --record). */
  plan: MeetingPlanView | null;
}

export interface MeetingPlanView {
  /** The template the series was booked from (its layout and polling as they were then). */
  template?: string;
  layout?: string;
  polling?: PlanPolling;
  record?: boolean;
}

export interface ScheduleBookResult {
  schedule: ScheduleDetail;
  /** Conflicts that were overridden with force (empty otherwise). */
  overridden: ScheduleConflict[];
  /** When an edit split the series: the earlier part that keeps the old settings. */
  previous?: ScheduleView;
}

export interface ScheduleListParams {
  /** ISO instants; default from 24 h ago to 14 days ahead. */
  from?: string;
  to?: string;
  scheduleId?: string;
  /** Include cancelled occurrences and series. */
  all?: boolean;
}

export interface ScheduleCancelParams {
  id: string;
  /** Cancel only this occurrence (its start, ISO); otherwise the whole series. */
  occurrence?: string;
}

export interface ScheduleCancelResult {
  id: string;
  scope: 'series' | 'occurrence';
  occurrence?: string;
  /** A running conference of this schedule that was ended. */
  endedConference?: string;
}

export interface ScheduleImportParams {
  ics: string;
  /** Calendar names (attendee CN or e-mail, LOCATION, SUMMARY, or ids in X-VCBRIDGE-ENDPOINTS) to endpoint ids. */
  map?: Record<string, string[]>;
  /** Participants for events that name none. */
  endpoints?: string[];
  group?: string;
  force?: boolean;
}

export interface ScheduleImportResult {
  imported: ScheduleView[];
  skipped: { uid: string; summary: string; reason: string }[];
}

/** One special day of the working-day calendar. */
export interface CalendarDayView {
  day: string;
  /** off: a holiday (or a site day off); work: a make-up working day (补班). */
  kind: 'off' | 'work';
  name: string;
  /** official: the State Council's arrangement; statutory: a year not published yet; site: imported. */
  source: 'official' | 'statutory' | 'site';
}

export interface CalendarListResult {
  year: number;
  /** The year's arrangement is published (or the site imported it). */
  confirmed: boolean;
  days: CalendarDayView[];
}

export interface CalendarImportResult {
  /** Days taken from the file (days off and make-up days). */
  offDays: number;
  workDays: number;
  /** Years whose site days the import replaced. */
  years: number[];
  skipped: { summary: string; line: number; reason: string }[];
}
