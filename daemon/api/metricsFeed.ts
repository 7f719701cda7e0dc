import type { SipMessageSeen } from '../sip/SipStack.js';
import type { ParticipantView } from '../../protocol/index.js';
import type { Metrics } from './Metrics.js';

// Feeds the event-driven Prometheus series from the layers' typed events (the gauges read their
// sources at scrape time instead; see Metrics). Each is called as soon as its layer exists, so
// nothing it sends early (the first REGISTER, the first probes) is missed. Only structural shapes
// are taken.

interface On<E extends string, A> {
  on(event: E, listener: (arg: A) => void): unknown;
}

interface Off<E extends string, A> {
  off(event: E, listener: (arg: A) => void): unknown;
}

/** vcbridge_sip_messages_total by direction, method and response code (empty for requests). */
export function feedSipMetrics(metrics: Metrics, sip: On<'message', SipMessageSeen>): void {
  sip.on('message', (m) => {
    metrics.sipMessages.inc({
      direction: m.direction,
      method: m.method,
      code: m.status === undefined ? '' : String(m.status),
    });
  });
}

/** vcbridge_srtp_auth_failures_total by endpoint (the SIP leg's id is its endpoint id). The source
 *  is process-wide: the returned function detaches this daemon's listener when it stops. */
export function feedSrtpMetrics(
  metrics: Metrics,
  srtp: On<'authFailure', { legId: string }> & Off<'authFailure', { legId: string }>,
): () => void {
  const on = (e: { legId: string }): void => void metrics.srtpAuthFailures.inc({ endpoint: e.legId });
  srtp.on('authFailure', on);
  return () => void srtp.off('authFailure', on);
}

/** vcbridge_endpoint_rtt_ms from every answered scheduled OPTIONS probe. */
export function feedHealthMetrics(
  metrics: Metrics,
  health: On<'probe', { answered: boolean; rttMs: number | null }>,
): void {
  health.on('probe', (p) => {
    if (p.answered && p.rttMs !== null) metrics.endpointRtt.observe(p.rttMs);
  });
}

type ConferenceSource = On<'participant', { conferenceId: string; participant: ParticipantView }> &
  On<'ended', { conferenceId: string }>;

/** vcbridge_redials_total: a leg entering "redialing". The last state per leg is kept only while
 *  its conference lives, so the map is as small as the legs in progress. */
export function feedConferenceMetrics(metrics: Metrics, conferences: ConferenceSource): void {
  const last = new Map<string, Map<string, string>>();
  conferences.on('participant', ({ conferenceId, participant: p }) => {
    let legs = last.get(conferenceId);
    if (!legs) last.set(conferenceId, (legs = new Map()));
    if (p.state === 'redialing' && legs.get(p.endpointId) !== 'redialing') metrics.redials.inc();
    legs.set(p.endpointId, p.state);
  });
  conferences.on('ended', ({ conferenceId }) => last.delete(conferenceId));
}

/** vcbridge_mixer_cpu_percent: the mixers' CPU time since the previous scrape as a percentage of
 *  one core over the same wall time (a gauge read at scrape time; null before the first interval). */
export function mixerCpuPercent(
  busyMs: () => number,
  now: () => number = () => performance.now(),
): () => number | null {
  let last: { at: number; busy: number } | undefined;
  return () => {
    const at = now();
    const busy = busyMs();
    const prev = last;
    last = { at, busy };
    if (!prev || at - prev.at < 1) return null;
    return Math.max(0, Math.round(((busy - prev.busy) / (at - prev.at)) * 10_000) / 100);
  };
}
