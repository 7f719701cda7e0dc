// Shapes the health layer shares with the layers around it. The prober is whatever can send one
// SIP OPTIONS (the daemon hands in the SipStack); health never imports sip internals.
// The result shapes mirror api/protocol.ts (EndpointCheckResult, ProbeResult) structurally, so the
// api layer can return them as they are without health importing the api layer.

export type SipTransport = 'udp' | 'tcp' | 'tls';
export type HealthState = 'unknown' | 'reachable' | 'degraded' | 'unreachable';
export type RegistrationState = 'none' | 'registering' | 'registered' | 'failed';

export interface OptionsTarget {
  uri: string;
  transport: SipTransport;
}

export interface OptionsReply {
  /** True for a 2xx answer. */
  ok: boolean;
  /** Status code of the answer, when one came. */
  status?: number;
  reason?: string;
  rttMs?: number;
  /** Server or User-Agent header of the answer. */
  server?: string;
  /** Why no answer came. */
  error?: 'timeout' | 'unreachable' | 'dns' | 'transport';
}

/** One OPTIONS request; must resolve (never reject) for a network failure. */
export interface OptionsProber {
  options(target: OptionsTarget, opts: { timeoutMs: number }): Promise<OptionsReply>;
}

/** What the monitor emits on every state change (same shape as the `endpoint.state` notification). */
export interface EndpointStateChange {
  id: string;
  from: HealthState;
  to: HealthState;
  /** ISO instant. */
  at: string;
  reason?: string;
  rttMs: number | null;
}

export interface RegistrationChange {
  id: string;
  state: RegistrationState;
  reason?: string;
}

/** The monitor's knowledge of one endpoint right now. */
export interface EndpointHealth {
  id: string;
  state: HealthState;
  /** UTC ms when it entered the state; null when never known. */
  since: number | null;
  /** RTT of the last answered probe; null when the last probe got no answer. */
  rttMs: number | null;
  reason?: string;
  registration: RegistrationState;
  registrationReason?: string;
  inCall: boolean;
  conferenceId?: string;
  /** Server / User-Agent header of the last answer. */
  lastServer?: string;
  /** UTC ms of the last finished probe. */
  lastProbeAt: number | null;
}

export type ProbeError = 'timeout' | 'unreachable' | 'refused' | 'dns' | 'transport' | 'forbidden' | 'auth';

export interface ProbeReport {
  transport: SipTransport;
  ok: boolean;
  status?: number;
  reason?: string;
  rttMs?: number;
  server?: string;
  error?: ProbeError;
  likelyCause?: string;
}

export interface CheckReport {
  id: string;
  uri: string;
  probes: ProbeReport[];
  verdict: 'ok' | 'degraded' | 'failed';
  likelyCause?: string;
}

/** The `health` section of the site config, as the monitor reads it. */
export interface HealthSettings {
  intervalSeconds: number;
  timeoutMs: number;
  concurrency: number;
  degradedRttMs: number;
}
