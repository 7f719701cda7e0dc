// Shapes the health layer shares with the layers around it. The prober is whatever can send one
// SIP OPTIONS (the daemon hands in the SipStack); health never imports sip internals.
// Probe and check results are the control API's own shapes (protocol/endpoints.ts), returned as they are.
import type { EndpointState, OptionsProbeResult, RegistrationState, SipTransport } from '../../protocol/index.js';

export interface OptionsTarget {
  uri: string;
  transport: SipTransport;
}

/** One OPTIONS request; must resolve (never reject) for a network failure. */
export interface OptionsProber {
  options(target: OptionsTarget, opts: { timeoutMs: number }): Promise<OptionsProbeResult>;
}

/** What the monitor emits on every state change (same shape as the `endpoint.state` notification). */
export interface EndpointStateChange {
  id: string;
  from: EndpointState;
  to: EndpointState;
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
  state: EndpointState;
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

/** The `health` section of the site config, as the monitor reads it. */
export interface HealthSettings {
  intervalSeconds: number;
  timeoutMs: number;
  concurrency: number;
  degradedRttMs: number;
}
