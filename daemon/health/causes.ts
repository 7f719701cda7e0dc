import type { ProbeOutcome } from './Reachability.js';
import {
  reason,
  say,
  type OptionsProbeResult,
  type ProbeError,
  type Reason,
  type SipTransport,
} from '../../protocol/index.js';
import type { OptionsTarget } from './types.js';

// Turning an OPTIONS reply into plain words: the monitor's short reason ("no answer within 2000 ms
// over UDP") and the technician's likely cause ("the host is down, or a firewall drops SIP").

/** Any SIP answer means the endpoint is alive, whatever it thinks of OPTIONS or of us. */
export function isAnswer(r: OptionsProbeResult): boolean {
  return r.error === undefined && r.status !== undefined;
}

/** A check probe passes on 2xx, and on "I don't do OPTIONS" answers (405, 501): the device is up. */
export function isGoodAnswer(r: OptionsProbeResult): boolean {
  return (
    isAnswer(r) &&
    r.status !== undefined &&
    ((r.status >= 200 && r.status < 300) || r.status === 405 || r.status === 501)
  );
}

export function statusText(r: OptionsProbeResult): string {
  return `${r.status ?? '?'}${r.reason ? ` ${r.reason}` : ''}`;
}

/** The monitor's view of one reply. */
export function describeReply(r: OptionsProbeResult, transport: SipTransport, timeoutMs: number): ProbeOutcome {
  if (isAnswer(r)) {
    const o: ProbeOutcome = { answered: true, rttMs: r.rttMs ?? null };
    if (!isGoodAnswer(r)) o.reason = say('probe.answers', { answer: statusText(r) });
    return o;
  }
  return { answered: false, rttMs: null, reason: failureReason(r, transport, timeoutMs) };
}

function failureReason(r: OptionsProbeResult, transport: SipTransport, timeoutMs: number): string {
  const t = transport.toUpperCase();
  switch (r.error) {
    case 'unreachable':
      return transport === 'udp' ? say('probe.portUnreachable') : say('probe.refused', { transport: t });
    case 'dns':
      return say('probe.dns');
    case 'transport':
      return r.reason
        ? say('probe.sendFailedWhy', { transport: t, detail: r.reason })
        : say('probe.sendFailed', { transport: t });
    default:
      return say('probe.timeout', { ms: timeoutMs, transport: t });
  }
}

/** The error class the check reports for a reply. */
export function probeError(r: OptionsProbeResult, transport: SipTransport): ProbeError | undefined {
  if (r.error === 'unreachable') return transport === 'udp' ? 'unreachable' : 'refused';
  if (r.error) return r.error;
  if (r.status === 403) return 'forbidden';
  if (r.status === 401 || r.status === 407) return 'auth';
  return undefined;
}

/** What probably went wrong, for people; undefined when nothing did. */
export function likelyCause(
  r: OptionsProbeResult,
  target: OptionsTarget,
  host: string,
  port: number,
  timeoutMs: number,
): Reason | undefined {
  if (isGoodAnswer(r)) return undefined;
  const t = target.transport.toUpperCase();
  const where = `${host}:${port}`;
  switch (r.error) {
    case 'timeout':
      return target.transport === 'udp'
        ? reason('cause.timeoutUdp', { ms: timeoutMs, port })
        : reason('cause.timeout', { transport: t, ms: timeoutMs, port });
    case 'unreachable':
      return target.transport === 'udp'
        ? reason('cause.icmp', { where, port })
        : reason('cause.refused', { where, transport: t, port });
    case 'dns':
      return reason('cause.dns', { host });
    case 'transport':
      return r.reason
        ? reason('cause.sendFailedWhy', { transport: t, detail: r.reason })
        : reason('cause.sendFailed', { transport: t });
    default:
      break;
  }
  const s = r.status ?? 0;
  const user = /^sips?:([^@;]+)@/i.exec(target.uri)?.[1];
  const answer = statusText(r);
  if (s === 403) return reason('cause.forbidden', { phrase: r.reason ?? 'Forbidden' });
  if (s === 404)
    return user ? reason('cause.noUser', { user, uri: target.uri }) : reason('cause.noUserPart', { uri: target.uri });
  if (s === 401 || s === 407) return reason('cause.auth', { status: s });
  if (s === 408 || s === 480) return reason('cause.unavailable', { answer });
  if (s === 486 || s === 600) return reason('cause.busy', { answer });
  if (s >= 500) return reason('cause.failing', { answer });
  return reason('cause.answered', { answer });
}
