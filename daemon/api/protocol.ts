// The control API's typed contract: the one module of the daemon the CLI imports.
// JSON-RPC 2.0 over WebSocket. Keep this file free of runtime imports from the daemon.

export const PROTOCOL_VERSION = 1;
export const DEFAULT_API_URL = 'ws://127.0.0.1:7443';
/** Largest JSON-RPC frame the server accepts. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export type Role = 'operator' | 'technician' | 'viewer';

/** JSON-RPC error codes: the standard ones, plus one server code per VcError code family. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** Every application error uses this JSON-RPC code; `data.code` carries the VcError code. */
export const RPC_APP_ERROR = -32000;

export interface RpcErrorData {
  code: string;
  details?: unknown;
}

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: string | number | null;
  method: string;
  params?: unknown;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: RpcErrorData };
}

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params: unknown;
}

import type { AuditEntry, AuditListParams, CdrListParams, CdrRow, ConferenceInviteParams, ConferenceInviteResult, ConferenceListParams, ConferenceMode, ConferenceMuteParams, ConferenceStartParams, ConferenceView, EndpointCheckResult, EndpointDetail, EndpointDiagnoseResult, EndpointState, EndpointView, EndpointsListParams, LegStats, ParticipantView, RegistrationState, StatusResult, SubscribeParams } from './protocolShapes.js';
import type { DailyReport, OccurrenceView, PreflightReport, ReportDailyParams, ScheduleAddParams, ScheduleBookResult, ScheduleCancelParams, ScheduleCancelResult, ScheduleDetail, ScheduleEditParams, ScheduleImportParams, ScheduleImportResult, ScheduleListParams } from './scheduleShapes.js';
export type * from './protocolShapes.js';
export type * from './scheduleShapes.js';

// ---------------------------------------------------------------- method table
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

export const ROLE_RANK: Record<Role, number> = { viewer: 0, technician: 1, operator: 2 };

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

// ---------------------------------------------------------------- notifications

export interface Notifications {
  'daemon.reloaded': { changes: string[] };
  'daemon.stopping': { reason: string };
  'endpoint.state': { id: string; from: EndpointState; to: EndpointState; at: string; reason?: string; rttMs?: number | null };
  'endpoint.registration': { id: string; state: RegistrationState; reason?: string };
  'conference.state': ConferenceView;
  'conference.participant': { conferenceId: string; participant: ParticipantView };
  'conference.event': { conferenceId: string; at: string; message: string };
  stats: { conferenceId: string; endpointId: string; stats: LegStats };
  'schedule.preflight': PreflightReport;
  'schedule.occurrence': OccurrenceView;
  'schedule.notice': { scheduleId: string; conferenceId?: string; message: string };
}
export type NotificationName = keyof Notifications;
