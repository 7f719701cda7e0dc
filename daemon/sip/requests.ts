// Sending one non-INVITE request and waiting for its final response, with one digest retry when
// challenged and an optional deadline after which the transaction is abandoned.
import { makeResponse, type SendHandle, type SipMessage } from './sipLibrary.js';
import { signRequest, type DigestCredentials } from './digest.js';
import { uriString } from './message.js';
import type { SipCore } from './SipCore.js';
import type { Timer } from '../util/clock.js';

export interface RequestOptions {
  credentials?: DigestCredentials;
  /** Give up after this long with a local 408 (default: the transaction's own 32 s). */
  timeoutMs?: number;
  onProvisional?: (rs: SipMessage) => void;
}

/** A response made here, not by the peer (timeout, transport failure). */
export function localResponse(
  rq: SipMessage,
  status: number,
  reason: string,
  extra: Partial<SipMessage> = {},
): SipMessage {
  const rs = makeResponse(rq, status, reason);
  return Object.assign(rs, { local: true }, extra);
}

/**
 * Send the request `build()` makes; on 401/407 with credentials, build a fresh one (new CSeq),
 * sign it and send once more. Resolves with the final response (never rejects: transport
 * failures and timeouts come back as local responses).
 */
export function sendRequest(core: SipCore, build: () => SipMessage, opts: RequestOptions = {}): Promise<SipMessage> {
  return new Promise((resolve) => {
    let handle: SendHandle | undefined;
    let timer: Timer | undefined;
    let done = false;
    let authTried = false;
    const finish = (rs: SipMessage): void => {
      if (done) return;
      done = true;
      core.clock.clearTimeout(timer);
      resolve(rs);
    };
    const go = (req: SipMessage): void => {
      handle = core.send(req, (rs) => {
        if (done) return;
        if ((rs.status ?? 0) < 200) {
          opts.onProvisional?.(rs);
          return;
        }
        if ((rs.status === 401 || rs.status === 407) && !rs.local && opts.credentials && !authTried) {
          authTried = true;
          const next = build();
          if (signRequest(next, rs, opts.credentials, uriString(next.uri!), next.content)) {
            go(next);
            return;
          }
        }
        finish(rs);
      });
    };
    const first = build();
    if (opts.timeoutMs !== undefined) {
      timer = core.clock.setTimeout(() => {
        handle?.abort();
        finish(localResponse(first, 408, 'Request Timeout'));
      }, opts.timeoutMs);
    }
    go(first);
  });
}

/** How a local failure response maps onto the error kinds of SipStack.options(). */
export function failureKind(rs: SipMessage): 'timeout' | 'unreachable' | 'dns' | 'transport' | undefined {
  if (!rs.local) return undefined;
  if (rs.resolveError) return 'dns';
  if (rs.status === 408) return 'timeout';
  const code = rs.transportError ?? '';
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|ERR_SOCKET_BAD_PORT|EADDRNOTAVAIL/.test(code))
    return 'unreachable';
  return 'transport';
}

// The SIP library reports a failed TLS connection by OpenSSL's/Node's code only: say what it means.
const TLS_REASONS: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: "the room's certificate is for another name or address",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the room's certificate is self-signed (trust it with sip.tls.ca, or set tlsVerify: false on the endpoint)",
  SELF_SIGNED_CERT_IN_CHAIN: "the room's certificate chain ends in a CA we do not trust (add it to sip.tls.ca)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the room's certificate is not signed by a CA we trust (add it to sip.tls.ca)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the room's certificate is not signed by a CA we trust (add it to sip.tls.ca)",
  CERT_HAS_EXPIRED: "the room's certificate has expired",
  CERT_NOT_YET_VALID: "the room's certificate is not valid yet",
};

/** The library's transport error code, explained when it is a certificate check that failed. */
export function transportReason(rs: SipMessage): string | undefined {
  const code = rs.transportError;
  if (code === undefined) return undefined;
  const why = TLS_REASONS[code];
  return why ? `TLS: ${why} [${code}]` : code;
}

/** `p`, or undefined after `ms` (without keeping the process alive past it). */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((r) => (t = globalThis.setTimeout(r, ms) as unknown as NodeJS.Timeout)),
    ]);
  } finally {
    clearTimeout(t);
  }
}
