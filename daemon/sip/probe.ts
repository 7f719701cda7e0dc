// Two stateless helpers of SipStack: the OPTIONS probe the health monitor calls, and the checks a
// new INVITE must pass before it is offered to the application.
import { performance } from 'node:perf_hooks';
import type { OptionsProbeResult } from '../../protocol/index.js';
import { say } from '../../protocol/index.js';
import type { SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import { failureKind, transportReason } from './requests.js';
import { parseRemoteSdp } from './sdpNegotiate.js';
import {
  bodyText,
  contentType,
  header,
  hostFamily,
  newCallId,
  newTag,
  routableUri,
  uriString,
  type SipSource,
  type SipTarget,
} from './message.js';

/** The distinct a=crypto suites of an OPTIONS answer's SDP body (RFC 3261 11.2: it may carry one). */
function cryptoSuitesOf(rs: SipMessage): string[] | undefined {
  if (!/application\/sdp/i.test(contentType(rs) ?? '')) return undefined;
  try {
    const sdp = parseRemoteSdp(bodyText(rs));
    return [...new Set(sdp.media.flatMap((m) => (m.crypto ?? []).map((c) => String(c.suite).slice(0, 64))))];
  } catch {
    // an unreadable body tells nothing about crypto; the probe's answer still counts
    return undefined;
  }
}

/** One OPTIONS to `target`; resolves (never rejects) with what came back. */
export function probeOptions(core: SipCore, target: SipTarget, timeoutMs: number): Promise<OptionsProbeResult> {
  let uri;
  try {
    uri = routableUri(target.uri, target.transport, 'options');
  } catch (e) {
    return Promise.resolve({ ok: false, error: 'transport', reason: (e as Error).message });
  }
  const host = hostFamily(core.publicHost) === 6 ? `[${core.publicHost}]` : core.publicHost;
  const req: SipMessage = {
    method: 'OPTIONS',
    uri,
    headers: {
      to: { uri: target.uri, params: {} },
      from: { uri: `sip:vcbridge@${host}`, params: { tag: newTag() } },
      'call-id': newCallId(),
      cseq: { seq: 1, method: 'OPTIONS' },
      'max-forwards': '70',
      accept: 'application/sdp',
      'user-agent': core.config.userAgent,
    },
  };
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const timer = core.clock.setTimeout(() => {
      if (done) return;
      done = true;
      handle.abort();
      resolve({ ok: false, error: 'timeout', reason: say('probe.noAnswerMs', { ms: timeoutMs }) });
    }, timeoutMs);
    const handle = core.send(req, (rs) => {
      if (done || (rs.status ?? 0) < 200) return;
      done = true;
      core.clock.clearTimeout(timer);
      const kind = failureKind(rs);
      if (kind) {
        resolve({
          ok: false,
          error: kind,
          status: rs.status,
          reason: transportReason(rs) ?? rs.resolveError ?? rs.reason,
        });
        return;
      }
      const status = rs.status ?? 0;
      const cryptoSuites = cryptoSuitesOf(rs);
      resolve({
        ok: status >= 200 && status < 300,
        status,
        reason: rs.reason,
        rttMs: performance.now() - t0,
        server: header(rs, 'server') ?? header(rs, 'user-agent'),
        ...(cryptoSuites ? { cryptoSuites } : {}),
      });
    });
  });
}

export interface InviteProblem {
  status: number;
  reason: string;
  headers?: Record<string, string>;
  /** Text for a Warning header (already safe to quote). */
  warning?: string;
  /** Counted as a malformed message with this reason. */
  bad?: string;
}

function safe(s: string): string {
  return s.replace(/[^\x20-\x7e]|"/g, '?').slice(0, 120);
}

/** RFC 3261 8.2.3 / 21.4.7: an INVITE whose Accept excludes SDP cannot take our answer (RFC 4475 3.3.15). */
function acceptsSdp(m: SipMessage): boolean {
  const accept = header(m, 'accept');
  if (accept === undefined || accept === '') return true;
  return accept.split(',').some((a) => {
    const t = a.split(';')[0]!.trim().toLowerCase();
    return t === 'application/sdp' || t === 'application/*' || t === '*/*';
  });
}

/** Why a new INVITE cannot be offered to the application (undefined: it can). */
export function checkInvite(m: SipMessage, src: SipSource): InviteProblem | undefined {
  const contact = Array.isArray(m.headers.contact) ? m.headers.contact[0] : undefined;
  try {
    if (m.headers.contact === undefined) {
      // RFC 2543 INVITE (RFC 4475 3.4.1): no Contact; the From URI is the peer's target then
      routableUri(uriString(m.headers.from!.uri), src.transport, 'fromNoContact');
    } else {
      if (!contact) throw new Error('bad Contact');
      routableUri(uriString(contact.uri), src.transport, 'contact');
    }
  } catch (e) {
    return { status: 400, reason: 'Bad Contact', warning: safe((e as Error).message), bad: (e as Error).message };
  }
  // (Require is checked for every request by SipStack before this)
  if (!acceptsSdp(m))
    return {
      status: 406,
      reason: 'Not Acceptable',
      headers: { accept: 'application/sdp' },
      warning: 'our answer is SDP, which the Accept header excludes',
    };
  if (m.content && contentType(m) !== 'application/sdp')
    return { status: 415, reason: 'Unsupported Media Type', headers: { accept: 'application/sdp' } };
  if (m.content) {
    try {
      parseRemoteSdp(bodyText(m));
    } catch (e) {
      return {
        status: 488,
        reason: 'Not Acceptable Here',
        warning: safe((e as Error).message),
        bad: (e as Error).message,
      };
    }
  }
  return undefined;
}
