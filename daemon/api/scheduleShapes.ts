// Shapes of schedules, pre-flight and reports in the control API (re-exported by protocol.ts). Types only.
import type { ConferenceMode, PreflightSiteStatus } from './protocolShapes.js';

export interface PreflightReport {
  scheduleId: string;
  occurrenceStart: string;
  at: string;
  title?: string;
  /** The schedule's zone, for showing local times. */
  timezone?: string;
  /** lead: at start minus the lead time; final: start minus 2 min; manual: asked for. */
  stage?: 'lead' | 'final' | 'manual';
  sites: { endpointId: string; status: PreflightSiteStatus; reason?: string; rttMs?: number | null; lossPct?: number | null; jitterMs?: number | null }[];
}

export interface ScheduleView {
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
  state: 'pending' | 'preflight' | 'started' | 'ended' | 'missed' | 'cancelled';
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
  title: string;
  /** ISO instant with offset, or a wall-clock time "2026-12-07 09:00" read in `timezone`. */
  start: string;
  durationMinutes: number;
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

// ---------------------------------------------------------------- reports

export interface ReportDailyParams {
  /** YYYY-MM-DD in the site's time zone; default today there. */
  date?: string;
}

export type AttendanceStatus = 'joined' | 'late' | 'missing';

export interface ReportMeeting {
  conferenceId: string;
  title: string;
  scheduleId: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number | null;
  endReason: string | null;
  /** Every site the meeting listed: answered in time, late (after lateAfterMinutes), or never. */
  sites: { endpointId: string; status: AttendanceStatus; answeredAt: string | null; lateMinutes: number | null }[];
}

export interface ReportSiteAttendance {
  endpointId: string;
  name: { zh: string; en: string };
  meetings: number;
  joined: number;
  late: number;
  missing: number;
}

export interface ReportUptime {
  endpointId: string;
  name: { zh: string; en: string };
  /** Percent of the known time the endpoint answered OPTIONS; null when nothing is known. */
  uptimePct: number | null;
  upMinutes: number;
  downMinutes: number;
  unknownMinutes: number;
}

export interface ReportLink {
  conferenceId: string;
  title: string;
  endpointId: string;
  name: { zh: string; en: string };
  samples: number;
  avgLossPct: number | null;
  maxLossPct: number | null;
  avgJitterMs: number | null;
  maxJitterMs: number | null;
  avgRttMs: number | null;
}

export interface DailyReport {
  site: string;
  /** The day, YYYY-MM-DD in `timezone`. */
  date: string;
  timezone: string;
  /** The day as UTC instants [from, to). */
  from: string;
  to: string;
  generatedAt: string;
  lateAfterMinutes: number;
  meetings: ReportMeeting[];
  /** Sites listed in at least one meeting of the day. */
  attendance: ReportSiteAttendance[];
  /** Every configured endpoint. */
  uptime: ReportUptime[];
  /** Legs with the highest loss (then jitter), at most 10. */
  worstLinks: ReportLink[];
}

