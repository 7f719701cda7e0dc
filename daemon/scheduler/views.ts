import type {
  ConferenceMode,
  OccurrenceView,
  PreflightReport,
  ScheduleDetail,
  ScheduleView,
} from '../../protocol/index.js';
import type { OccurrenceDetailRow, ScheduleException, ScheduleRow } from '../store/ScheduleRepo.js';
import type { Occurrence } from './Recurrence.js';

// Rows -> the shapes the API returns.

export const iso = (ms: number): string => new Date(ms).toISOString();

export function scheduleView(row: ScheduleRow): ScheduleView {
  return {
    id: row.id,
    title: row.title,
    start: iso(row.startUtc),
    durationMinutes: Math.round(row.durationMs / 60_000),
    rrule: row.rrule,
    timezone: row.tz,
    endpoints: [...row.endpoints],
    upstream: row.upstream,
    chair: row.chair,
    createdBy: row.createdBy,
    cancelled: row.cancelledAt !== null,
    ...(row.workdays ? { workdays: row.workdays } : {}),
  };
}

export type OccurrenceStateName = OccurrenceView['state'];

export function occurrenceView(
  row: ScheduleRow,
  occ: Occurrence,
  o: {
    state: OccurrenceStateName;
    detail?: OccurrenceDetailRow;
    preflight?: PreflightReport;
    reason?: string;
  },
): OccurrenceView {
  const end = o.detail?.endsAt ?? occ.end;
  const v: OccurrenceView = {
    scheduleId: row.id,
    title: row.title,
    start: iso(occ.start),
    end: iso(end),
    state: o.state,
    timezone: row.tz,
    endpoints: [...row.endpoints, ...(row.upstream ? [row.upstream] : [])],
  };
  if (o.detail?.conferenceId) v.conferenceId = o.detail.conferenceId;
  if (o.preflight) v.preflight = o.preflight;
  const reason = o.reason ?? o.detail?.reason ?? undefined;
  if (reason) v.reason = reason;
  if (occ.key !== occ.start) v.originalStart = iso(occ.key);
  return v;
}

export function scheduleDetail(
  row: ScheduleRow,
  exceptions: readonly ScheduleException[],
  upcoming: OccurrenceView[],
  lastPreflight: PreflightReport | null,
): ScheduleDetail {
  return {
    ...scheduleView(row),
    mode: (row.mode as ConferenceMode | null) ?? null,
    exceptions: exceptions.map((e) => ({
      occurrenceStart: iso(e.occurrenceStartUtc),
      kind: e.kind,
      newStart: e.newStartUtc === null ? null : iso(e.newStartUtc),
    })),
    upcoming,
    lastPreflight,
    forced: row.forced,
    plan: row.plan ? { ...row.plan, ...(row.plan.polling ? { polling: { ...row.plan.polling } } : {}) } : null,
  };
}
