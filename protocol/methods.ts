// The control API's method table: each method's params, result and least role. The client's
// calls and the server's handlers are both checked against it.
import type {
  ConferenceInviteParams,
  ConferenceInviteResult,
  ConferenceListParams,
  ConferenceMode,
  ConferenceMuteParams,
  ConferencePollParams,
  ConferenceStartParams,
  ConferenceStreamStartParams,
  ConferenceStreamStartResult,
  ConferenceView,
  HandView,
  ParticipantView,
  TemplateView,
} from './conferences.js';
import type { AuditEntry, AuditListParams, StatusResult, SubscribeParams } from './daemon.js';
import type {
  EndpointCheckResult,
  EndpointDetail,
  EndpointDiagnoseResult,
  EndpointView,
  EndpointsListParams,
} from './endpoints.js';
import type { RecordStartResult, RecordingDeleteResult, RecordingListParams, RecordingView } from './recordings.js';
import type { CdrListParams, CdrRow, DailyReport, ReportDailyParams } from './reports.js';
import type { Role } from './rpc.js';
import type {
  CalendarImportResult,
  CalendarListResult,
  OccurrenceView,
  PreflightReport,
  ScheduleAddParams,
  ScheduleBookResult,
  ScheduleCancelParams,
  ScheduleCancelResult,
  ScheduleDetail,
  ScheduleEditParams,
  ScheduleImportParams,
  ScheduleImportResult,
  ScheduleListParams,
} from './schedules.js';

// Each entry: what the method takes and gives back. Who may call it, and whether it is audited, is METHODS below.

export interface Methods {
  status: { params: Record<string, never> | undefined; result: StatusResult };
  'audit.list': { params: AuditListParams | undefined; result: AuditEntry[] };
  subscribe: { params: SubscribeParams; result: { topics: string[] } };
  unsubscribe: { params: SubscribeParams; result: { topics: string[] } };
  'daemon.stop': { params: Record<string, never> | undefined; result: { stopping: true } };
  'daemon.reload': { params: Record<string, never> | undefined; result: { reloaded: boolean; changes: string[] } };
  'schedule.add': { params: ScheduleAddParams; result: ScheduleBookResult };
  'schedule.list': { params: ScheduleListParams | undefined; result: OccurrenceView[] };
  'schedule.show': { params: { id: string }; result: ScheduleDetail };
  'schedule.edit': { params: ScheduleEditParams; result: ScheduleBookResult };
  'schedule.cancel': { params: ScheduleCancelParams; result: ScheduleCancelResult };
  'schedule.preflight': { params: { id: string; occurrence?: string }; result: PreflightReport };
  'schedule.export': { params: { ids?: string[] } | undefined; result: { ics: string; count: number } };
  'schedule.import': { params: ScheduleImportParams; result: ScheduleImportResult };
  'endpoints.list': { params: EndpointsListParams | undefined; result: EndpointView[] };
  'endpoint.show': { params: { id: string }; result: EndpointDetail };
  'endpoint.check': { params: { id: string }; result: EndpointCheckResult };
  'endpoint.diagnose': { params: { id: string }; result: EndpointDiagnoseResult };
  'conference.start': { params: ConferenceStartParams; result: ConferenceView };
  'conference.list': { params: ConferenceListParams | undefined; result: ConferenceView[] };
  'conference.show': { params: { id: string }; result: ConferenceView };
  'conference.end': { params: { id: string; reason?: string }; result: ConferenceView };
  'conference.mute': { params: ConferenceMuteParams; result: ConferenceView };
  'conference.unmute': { params: ConferenceMuteParams; result: ConferenceView };
  'conference.muteAll': { params: { id: string; exceptChair?: boolean }; result: ConferenceView };
  'conference.floor': { params: { id: string; endpointId: string | null }; result: ConferenceView };
  'conference.mode': { params: { id: string; mode: ConferenceMode; floor?: string }; result: ConferenceView };
  'conference.view': { params: { id: string; endpointId: string; source: string | null }; result: ConferenceView };
  'conference.layout': { params: { id: string; layout: string; for?: string }; result: ConferenceView };
  'conference.pane': { params: { id: string; pane: number; site: string; for?: string }; result: ConferenceView };
  'conference.banner': { params: { id: string; text: string | null }; result: ConferenceView };
  'conference.dial': { params: { id: string; endpointId: string }; result: ParticipantView };
  'conference.hangup': { params: { id: string; endpointId: string }; result: ParticipantView };
  'conference.lock': { params: { id: string }; result: ConferenceView };
  'conference.unlock': { params: { id: string }; result: ConferenceView };
  'conference.extend': { params: { id: string; minutes: number }; result: ConferenceView };
  'conference.invite': { params: ConferenceInviteParams; result: ConferenceInviteResult };
  'conference.stream.start': { params: ConferenceStreamStartParams; result: ConferenceStreamStartResult };
  'conference.stream.stop': { params: { id: string }; result: ConferenceView };
  'conference.floorStep': {
    params: { id: string; direction: 'next' | 'previous'; sites?: string[] };
    result: ConferenceView;
  };
  'conference.poll': { params: ConferencePollParams; result: ConferenceView };
  'conference.hands': { params: { id: string }; result: HandView[] };
  'conference.clearHands': { params: { id: string; endpointId?: string }; result: ConferenceView };
  'cdr.list': { params: CdrListParams | undefined; result: CdrRow[] };
  'report.daily': { params: ReportDailyParams | undefined; result: DailyReport };
  'template.list': { params: Record<string, never> | undefined; result: TemplateView[] };
  'calendar.list': { params: { year: number }; result: CalendarListResult };
  'calendar.import': { params: { ics: string }; result: CalendarImportResult };
  'template.show': { params: { id: string }; result: TemplateView };
  'conference.record.start': { params: { id: string }; result: RecordStartResult };
  'conference.record.stop': { params: { id: string }; result: RecordingView | null };
  'recording.list': { params: RecordingListParams | undefined; result: RecordingView[] };
  'recording.show': { params: { id: string }; result: RecordingView };
  'recording.delete': { params: { id: string }; result: RecordingDeleteResult };
}

export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];

export interface MethodInfo {
  /** The least role allowed to call it (viewer < technician < operator); the server enforces it. */
  role: Role;
  /** Every call is written to the audit log: the methods that change state or act on the outside
   *  (probes, test calls, exports); plain reads are not. */
  audited: boolean;
}

/** Per method, at run time: the server enforces and audits by it, the CLI can explain it. */
export const METHODS = {
  status: { role: 'viewer', audited: false },
  'audit.list': { role: 'viewer', audited: false },
  subscribe: { role: 'viewer', audited: false },
  unsubscribe: { role: 'viewer', audited: false },
  'daemon.stop': { role: 'operator', audited: true },
  'daemon.reload': { role: 'operator', audited: true },
  'schedule.add': { role: 'operator', audited: true },
  'schedule.list': { role: 'viewer', audited: false },
  'schedule.show': { role: 'viewer', audited: false },
  'schedule.edit': { role: 'operator', audited: true },
  'schedule.cancel': { role: 'operator', audited: true },
  'schedule.preflight': { role: 'technician', audited: true },
  'schedule.export': { role: 'viewer', audited: true },
  'schedule.import': { role: 'operator', audited: true },
  'endpoints.list': { role: 'viewer', audited: false },
  'endpoint.show': { role: 'viewer', audited: false },
  'endpoint.check': { role: 'technician', audited: true },
  'endpoint.diagnose': { role: 'technician', audited: true },
  'conference.start': { role: 'operator', audited: true },
  'conference.list': { role: 'viewer', audited: false },
  'conference.show': { role: 'viewer', audited: false },
  'conference.end': { role: 'operator', audited: true },
  'conference.mute': { role: 'operator', audited: true },
  'conference.unmute': { role: 'operator', audited: true },
  'conference.muteAll': { role: 'operator', audited: true },
  'conference.floor': { role: 'operator', audited: true },
  'conference.mode': { role: 'operator', audited: true },
  'conference.view': { role: 'operator', audited: true },
  'conference.layout': { role: 'operator', audited: true },
  'conference.pane': { role: 'operator', audited: true },
  'conference.banner': { role: 'operator', audited: true },
  'conference.dial': { role: 'operator', audited: true },
  'conference.hangup': { role: 'operator', audited: true },
  'conference.lock': { role: 'operator', audited: true },
  'conference.unlock': { role: 'operator', audited: true },
  'conference.extend': { role: 'operator', audited: true },
  'conference.invite': { role: 'operator', audited: true },
  'conference.stream.start': { role: 'operator', audited: true },
  'conference.stream.stop': { role: 'operator', audited: true },
  'conference.floorStep': { role: 'operator', audited: true },
  'conference.poll': { role: 'operator', audited: true },
  'conference.hands': { role: 'viewer', audited: false },
  'conference.clearHands': { role: 'operator', audited: true },
  'cdr.list': { role: 'viewer', audited: false },
  'report.daily': { role: 'viewer', audited: false },
  'template.list': { role: 'viewer', audited: false },
  'calendar.list': { role: 'viewer', audited: false },
  'calendar.import': { role: 'operator', audited: true },
  'template.show': { role: 'viewer', audited: false },
  'conference.record.start': { role: 'operator', audited: true },
  'conference.record.stop': { role: 'operator', audited: true },
  'recording.list': { role: 'viewer', audited: false },
  'recording.show': { role: 'viewer', audited: false },
  'recording.delete': { role: 'operator', audited: true },
} as const satisfies { [M in MethodName]: MethodInfo };
