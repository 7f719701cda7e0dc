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

// ---------------------------------------------------------------- shared shapes

export type EndpointState = 'unknown' | 'reachable' | 'degraded' | 'unreachable';
export type RegistrationState = 'none' | 'registering' | 'registered' | 'failed';

export interface StatusResult {
  site: string;
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  timezone: string;
  api: { url: string };
  endpoints: { total: number; byState: Record<EndpointState, number> };
  conferences: { active: number };
  schedules: { upcoming24h: number };
  you: { name: string; role: Role };
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: string;
  method: string;
  params: unknown;
  result: 'ok' | 'error';
  errorCode?: string;
}

export interface AuditListParams {
  since?: string;
  limit?: number;
}

export interface SubscribeParams {
  /** Notification method names or prefixes ending in '*' (e.g. 'endpoint.*'); '*' for all. */
  topics: string[];
}


export type EndpointKind = 'upstream' | 'town' | 'subdistrict' | 'bureau';

export interface EndpointView {
  id: string;
  name: { zh: string; en: string };
  kind: EndpointKind;
  uri: string;
  transport: 'udp' | 'tcp' | 'tls';
  groups: string[];
  state: EndpointState;
  /** Last OPTIONS round-trip time, null when the last probe failed. */
  rttMs: number | null;
  /** When the endpoint entered its current state (ISO). */
  since: string | null;
  /** Registration to this endpoint (only the upstream registers). */
  registration: RegistrationState;
  /** Why it is not reachable, in plain words (timeout, 403, ...). */
  reason?: string;
  /** Conference it is in right now, if any. */
  conferenceId?: string;
}

export interface EndpointTransition {
  at: string;
  from: EndpointState;
  to: EndpointState;
  reason?: string;
  rttMs?: number | null;
}

export interface EndpointsListParams {
  group?: string;
  state?: EndpointState;
}

export interface EndpointDetail extends EndpointView {
  /** Percent (0–100) of the known time the endpoint answered OPTIONS; null when nothing is known. */
  uptime: { last24h: number | null; last7d: number | null };
  transitions: EndpointTransition[];
  lastUserAgent?: string;
}

export interface ProbeResult {
  transport: 'udp' | 'tcp' | 'tls';
  ok: boolean;
  status?: number;
  reason?: string;
  rttMs?: number;
  server?: string;
  error?: 'timeout' | 'unreachable' | 'refused' | 'dns' | 'transport' | 'forbidden' | 'auth';
  /** Plain-language likely cause on failure. */
  likelyCause?: string;
}

export interface EndpointCheckResult {
  id: string;
  uri: string;
  probes: ProbeResult[];
  verdict: 'ok' | 'degraded' | 'failed';
  likelyCause?: string;
}

/** endpoint.check plus a short test call: did the call set up, did media flow both ways. */
export interface EndpointDiagnoseResult extends EndpointCheckResult {
  call?: { ok: boolean; status?: number; reason?: string; setupMs?: number; audioCodec?: string; videoCodec?: string };
  media?: { ok: boolean; lossPct: number | null; jitterMs: number | null; rttMs: number | null; kbpsIn: number | null; kbpsOut: number | null };
}

export type ConferenceMode = 'broadcast' | 'rollcall' | 'voice' | 'select';
export type LegState = 'idle' | 'calling' | 'ringing' | 'connected' | 'failed' | 'redialing' | 'hungup' | 'ended';

export interface LegStats {
  at: string;
  lossPct: number | null;
  jitterMs: number | null;
  rttMs: number | null;
  bitrateInKbps: number | null;
  bitrateOutKbps: number | null;
  audioCodec?: string;
  videoCodec?: string;
}

export interface ParticipantView {
  endpointId: string;
  name: { zh: string; en: string };
  kind: EndpointKind | 'browser';
  state: LegState;
  /** Why the last attempt failed / why it ended. */
  reason?: string;
  muted: boolean;
  hasFloor: boolean;
  /** What this participant is shown (endpoint id of the source), null when nothing. */
  viewing: string | null;
  direction: 'out' | 'in';
  connectedAt?: string;
  attempts: number;
  nextRedialAt?: string;
  stats?: LegStats;
}

export interface ConferenceView {
  id: string;
  title: string;
  state: 'starting' | 'active' | 'ending' | 'ended';
  mode: ConferenceMode;
  chair: string | null;
  upstream: string | null;
  /** Source everyone sees in broadcast/rollcall; the active speaker in voice mode. */
  floor: string | null;
  locked: boolean;
  startedAt: string;
  endsAt: string | null;
  scheduleId?: string;
  participants: ParticipantView[];
}

export interface ConferenceStartParams {
  title: string;
  endpoints?: string[];
  group?: string;
  upstream?: string;
  chair?: string;
  mode?: ConferenceMode;
  durationMinutes?: number;
}

export interface ConferenceListParams {
  /** Also conferences that ended (newest 100). */
  all?: boolean;
  /** With all: only those started at or after this ISO instant. */
  since?: string;
}

export interface ConferenceMuteParams {
  id: string;
  endpointId?: string;
  endpointIds?: string[];
  /** Every site; with exceptChair the chair stays (or becomes) unmuted. */
  all?: boolean;
  exceptChair?: boolean;
}

export interface ConferenceInviteParams {
  id: string;
  /** Shown to everyone in the meeting, e.g. 教育局. */
  name: string;
  /** How long the link works (default 240 minutes). */
  ttlMinutes?: number;
}

export interface ConferenceInviteResult {
  /** The join page with its signed token: https://host:port/join?t=... */
  url: string;
  expiresAt: string;
  /** The id the browser will have in the conference (conference.show, floor, mute). */
  participantId: string;
}

export interface CdrListParams {
  /** ISO instant: legs started at or after it. */
  since?: string;
  conferenceId?: string;
  endpointId?: string;
  limit?: number;
}

export interface CdrRow {
  id: number;
  conferenceId: string;
  endpointId: string;
  direction: 'out' | 'in';
  callId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  endReason: string | null;
  audioCodec: string | null;
  videoCodec: string | null;
  stats: unknown;
}

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
