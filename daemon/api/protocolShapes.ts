// Shapes of the control API's params, results and notifications: part of the typed contract
// (daemon/api/protocol.ts re-exports all of it). Types only: the CLI imports this too.
import type { Role } from './protocol.js';

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


export type EndpointKind = 'city' | 'upstream' | 'town' | 'subdistrict' | 'bureau';

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

