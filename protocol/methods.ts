// The control API's method table: each method's params, result and least role. The client's
// calls and the server's handlers are both checked against it.
import type { ConferenceInviteParams, ConferenceInviteResult, ConferenceListParams, ConferenceMode, ConferenceMuteParams, ConferenceStartParams, ConferenceView, ParticipantView } from './conferences.js';
import type { AuditEntry, AuditListParams, StatusResult, SubscribeParams } from './daemon.js';
import type { EndpointCheckResult, EndpointDetail, EndpointDiagnoseResult, EndpointView, EndpointsListParams } from './endpoints.js';
import type { CdrListParams, CdrRow, DailyReport, ReportDailyParams } from './reports.js';
import type { OccurrenceView, PreflightReport, ScheduleAddParams, ScheduleBookResult, ScheduleCancelParams, ScheduleCancelResult, ScheduleDetail, ScheduleEditParams, ScheduleImportParams, ScheduleImportResult, ScheduleListParams } from './schedules.js';

// Each entry: params, result, and the least role allowed to call it (viewer < technician < operator).

export interface Methods {
  status: { params: Record<string, never> | undefined; result: StatusResult; role: 'viewer' };
  'audit.list': { params: AuditListParams | undefined; result: AuditEntry[]; role: 'viewer' };
  subscribe: { params: SubscribeParams; result: { topics: string[] }; role: 'viewer' };
  unsubscribe: { params: SubscribeParams; result: { topics: string[] }; role: 'viewer' };
  'daemon.stop': { params: Record<string, never> | undefined; result: { stopping: true }; role: 'operator' };
  'daemon.reload': { params: Record<string, never> | undefined; result: { reloaded: boolean; changes: string[] }; role: 'operator' };
  'schedule.add': { params: ScheduleAddParams; result: ScheduleBookResult; role: 'operator' };
  'schedule.list': { params: ScheduleListParams | undefined; result: OccurrenceView[]; role: 'viewer' };
  'schedule.show': { params: { id: string }; result: ScheduleDetail; role: 'viewer' };
  'schedule.edit': { params: ScheduleEditParams; result: ScheduleBookResult; role: 'operator' };
  'schedule.cancel': { params: ScheduleCancelParams; result: ScheduleCancelResult; role: 'operator' };
  'schedule.preflight': { params: { id: string; occurrence?: string }; result: PreflightReport; role: 'technician' };
  'schedule.export': { params: { ids?: string[] } | undefined; result: { ics: string; count: number }; role: 'viewer' };
  'schedule.import': { params: ScheduleImportParams; result: ScheduleImportResult; role: 'operator' };
  'endpoints.list': { params: EndpointsListParams | undefined; result: EndpointView[]; role: 'viewer' };
  'endpoint.show': { params: { id: string }; result: EndpointDetail; role: 'viewer' };
  'endpoint.check': { params: { id: string }; result: EndpointCheckResult; role: 'technician' };
  'endpoint.diagnose': { params: { id: string }; result: EndpointDiagnoseResult; role: 'technician' };
  'conference.start': { params: ConferenceStartParams; result: ConferenceView; role: 'operator' };
  'conference.list': { params: ConferenceListParams | undefined; result: ConferenceView[]; role: 'viewer' };
  'conference.show': { params: { id: string }; result: ConferenceView; role: 'viewer' };
  'conference.end': { params: { id: string; reason?: string }; result: ConferenceView; role: 'operator' };
  'conference.mute': { params: ConferenceMuteParams; result: ConferenceView; role: 'operator' };
  'conference.unmute': { params: ConferenceMuteParams; result: ConferenceView; role: 'operator' };
  'conference.muteAll': { params: { id: string; exceptChair?: boolean }; result: ConferenceView; role: 'operator' };
  'conference.floor': { params: { id: string; endpointId: string | null }; result: ConferenceView; role: 'operator' };
  'conference.mode': { params: { id: string; mode: ConferenceMode; floor?: string }; result: ConferenceView; role: 'operator' };
  'conference.view': { params: { id: string; endpointId: string; source: string | null }; result: ConferenceView; role: 'operator' };
  'conference.dial': { params: { id: string; endpointId: string }; result: ParticipantView; role: 'operator' };
  'conference.hangup': { params: { id: string; endpointId: string }; result: ParticipantView; role: 'operator' };
  'conference.lock': { params: { id: string }; result: ConferenceView; role: 'operator' };
  'conference.unlock': { params: { id: string }; result: ConferenceView; role: 'operator' };
  'conference.extend': { params: { id: string; minutes: number }; result: ConferenceView; role: 'operator' };
  'conference.invite': { params: ConferenceInviteParams; result: ConferenceInviteResult; role: 'operator' };
  'cdr.list': { params: CdrListParams | undefined; result: CdrRow[]; role: 'viewer' };
  'report.daily': { params: ReportDailyParams | undefined; result: DailyReport; role: 'viewer' };
}

export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];

/** Least role per method, at run time (the server enforces it; the CLI can explain it). */
export const METHOD_ROLES: { [M in MethodName]: Methods[M]['role'] } = {
  status: 'viewer',
  'audit.list': 'viewer',
  subscribe: 'viewer',
  unsubscribe: 'viewer',
  'daemon.stop': 'operator',
  'daemon.reload': 'operator',
  'schedule.add': 'operator',
  'schedule.list': 'viewer',
  'schedule.show': 'viewer',
  'schedule.edit': 'operator',
  'schedule.cancel': 'operator',
  'schedule.preflight': 'technician',
  'schedule.export': 'viewer',
  'schedule.import': 'operator',
  'endpoints.list': 'viewer',
  'endpoint.show': 'viewer',
  'endpoint.check': 'technician',
  'endpoint.diagnose': 'technician',
  'conference.start': 'operator',
  'conference.list': 'viewer',
  'conference.show': 'viewer',
  'conference.end': 'operator',
  'conference.mute': 'operator',
  'conference.unmute': 'operator',
  'conference.muteAll': 'operator',
  'conference.floor': 'operator',
  'conference.mode': 'operator',
  'conference.view': 'operator',
  'conference.dial': 'operator',
  'conference.hangup': 'operator',
  'conference.lock': 'operator',
  'conference.unlock': 'operator',
  'conference.extend': 'operator',
  'conference.invite': 'operator',
  'cdr.list': 'viewer',
  'report.daily': 'viewer',
};

/** Methods that change state; each call is written to the audit log. */
export function isStateChanging(method: string): boolean {
  return !(method === 'status' || method === 'subscribe' || method === 'unsubscribe' || method.startsWith('report.') ||
    method.endsWith('.list') || method.endsWith('.show') || method.endsWith('.get'));
}
