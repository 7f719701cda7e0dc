// Endpoints (the configured SIP sites) as the control API shows them: health, registration, checks.
import type { Reason } from './reasons.js';

export type EndpointState = 'unknown' | 'reachable' | 'degraded' | 'unreachable';
export type RegistrationState = 'none' | 'registering' | 'registered' | 'failed';

export type EndpointKind = 'city' | 'upstream' | 'town' | 'subdistrict' | 'bureau';

export interface EndpointView {
  id: string;
  name: { zh: string; en: string };
  kind: EndpointKind;
  uri: string;
  transport: SipTransport;
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

/** What one SIP OPTIONS probe brought back (the SIP stack's answer, the health monitor's input). */
export interface OptionsProbeResult {
  /** The peer answered 2xx. Any answer (error undefined, status set) means it is alive. */
  ok: boolean;
  /** Status code of the answer, when one came. */
  status?: number;
  reason?: string;
  rttMs?: number;
  /** The peer's Server (or User-Agent) header. */
  server?: string;
  /** SDES-SRTP suites (a=crypto) in the SDP of the answer ([] = SDP without a=crypto; absent: no SDP). */
  cryptoSuites?: string[];
  /** Why no answer came. */
  error?: 'timeout' | 'unreachable' | 'dns' | 'transport';
}

export type SipTransport = 'udp' | 'tcp' | 'tls';
export type ProbeError = 'timeout' | 'unreachable' | 'refused' | 'dns' | 'transport' | 'forbidden' | 'auth';

/** One probe of endpoint.check: an options probe on one transport, explained. */
export interface ProbeResult extends Omit<OptionsProbeResult, 'error'> {
  transport: SipTransport;
  error?: ProbeError;
  /** Plain-language likely cause on failure. */
  likelyCause?: string;
  /** The same cause as a key and parameters, for a client to say in its operator's language. */
  why?: Reason;
}

export interface EndpointCheckResult {
  id: string;
  uri: string;
  probes: ProbeResult[];
  verdict: 'ok' | 'degraded' | 'failed';
  likelyCause?: string;
  /** `likelyCause` as a key and parameters. */
  why?: Reason;
}

/** endpoint.check plus a short test call: did the call set up, did media flow both ways. */
export interface EndpointDiagnoseResult extends EndpointCheckResult {
  call?: { ok: boolean; status?: number; reason?: string; setupMs?: number; audioCodec?: string; videoCodec?: string };
  media?: {
    ok: boolean;
    lossPct: number | null;
    jitterMs: number | null;
    rttMs: number | null;
    kbpsIn: number | null;
    kbpsOut: number | null;
    /** RTP packets the bridge sent the endpoint / received from it during the test call. */
    packetsSent: number | null;
    packetsReceived: number | null;
  };
}
