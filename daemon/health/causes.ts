import type { ProbeOutcome } from './Reachability.js';
import type { OptionsProbeResult, ProbeError, SipTransport } from '../../protocol/index.js';
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
    if (!isGoodAnswer(r)) o.reason = `answers OPTIONS with ${statusText(r)}`;
    return o;
  }
  return { answered: false, rttMs: null, reason: failureReason(r, transport, timeoutMs) };
}

function failureReason(r: OptionsProbeResult, transport: SipTransport, timeoutMs: number): string {
  const t = transport.toUpperCase();
  switch (r.error) {
    case 'unreachable':
      return transport === 'udp' ? 'port unreachable over UDP' : `connection refused over ${t}`;
    case 'dns':
      return 'hostname does not resolve';
    case 'transport':
      return `cannot send over ${t}${r.reason ? `: ${r.reason}` : ''}`;
    default:
      return `no answer within ${timeoutMs} ms over ${t}`;
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
): string | undefined {
  if (isGoodAnswer(r)) return undefined;
  const t = target.transport.toUpperCase();
  const where = `${host}:${port}`;
  switch (r.error) {
    case 'timeout':
      return target.transport === 'udp'
        ? `no answer over UDP within ${timeoutMs} ms: the host is down, or a firewall drops SIP (UDP ${port}) on the way`
        : `no answer over ${t} within ${timeoutMs} ms: the host is down, or a firewall drops ${t} port ${port} without refusing it`;
    case 'unreachable':
      return target.transport === 'udp'
        ? `${where} answered "port unreachable" (ICMP): the host is up but nothing listens for SIP on UDP ${port}`
        : `${where} refused the ${t} connection: the host is up but nothing listens for SIP on ${t} ${port}`;
    case 'dns':
      return `the hostname ${host} does not resolve: check the name in the endpoint's URI, or the DNS server`;
    case 'transport':
      return `could not send the request over ${t}${r.reason ? ` (${r.reason})` : ''}: check the bridge's own SIP listeners for ${t}`;
    default:
      break;
  }
  const s = r.status ?? 0;
  const user = /^sips?:([^@;]+)@/i.exec(target.uri)?.[1];
  if (s === 403)
    return `the endpoint refuses us (403 ${r.reason ?? 'Forbidden'}): check its allow-list / trusted hosts for the bridge's address`;
  if (s === 404)
    return `the endpoint does not know ${user ? `the user "${user}"` : 'the user part'} of ${target.uri} (404): check the user part of the URI`;
  if (s === 401 || s === 407)
    return `the endpoint wants credentials (${s}): configure credentials for it in the site config`;
  if (s === 408 || s === 480) return `the endpoint answered ${statusText(r)}: it is up but its user is not available`;
  if (s === 486 || s === 600) return `the endpoint answered ${statusText(r)}: it is busy`;
  if (s >= 500) return `the endpoint answered ${statusText(r)}: it is up but failing or overloaded`;
  return `the endpoint answered ${statusText(r)}`;
}
