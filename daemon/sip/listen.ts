// From the config's listen list to the library's transport options.
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { LibStackOptions } from './sipLibrary.js';
import type { SipTransport } from './message.js';

export interface SipListen {
  transport: SipTransport;
  host: string;
  /** 0 = any free port (tests); see SipStack.ports for the bound one. */
  port: number;
}

/** How we treat the certificate of the peer at one address when we connect out over TLS. */
export interface TlsPeerPolicy {
  /** Verify chain and name (default); false is the per-endpoint opt-out. */
  verify: boolean;
  /** The name the certificate must carry when it is not the address (a hostname URI). */
  servername?: string;
}

export interface SipTlsOptions {
  /** PEM text or a file path. */
  cert: string;
  key: string;
  /** A CA (PEM text or file) trusted for peers' certificates besides the system store. */
  ca?: string;
  /** Per-peer policy by the address and port we connect to; default: verify against the address. */
  peerPolicy?: (host: string, port: number) => TlsPeerPolicy | undefined;
}

// Debian's store (ca-certificates); Node's bundled Mozilla list where that file does not exist
const SYSTEM_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';
let systemCa: string[] | undefined;

function systemCas(): string[] {
  systemCa ??= existsSync(SYSTEM_CA_FILE) ? [readFileSync(SYSTEM_CA_FILE, 'utf8')] : [...rootCertificates];
  return systemCa;
}

export function listenOptions(
  listen: readonly SipListen[],
): LibStackOptions & { address: string; tls?: Record<string, unknown> } {
  if (listen.length === 0) throw new VcError('CONFIG_INVALID', say('sip.listenNone'));
  const host = listen[0]!.host;
  const seen = new Set<SipTransport>();
  for (const l of listen) {
    if (l.host !== host) throw new VcError('CONFIG_INVALID', say('sip.listenHosts', { host, other: l.host }));
    if (seen.has(l.transport)) throw new VcError('CONFIG_INVALID', say('sip.listenTwice', { transport: l.transport }));
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65535)
      throw new VcError('CONFIG_INVALID', say('sip.listenPort', { port: String(l.port) }));
    seen.add(l.transport);
  }
  const port = (t: SipTransport): number | undefined => listen.find((l) => l.transport === t)?.port;
  return {
    address: host,
    udp: seen.has('udp'),
    tcp: seen.has('tcp'),
    ...(seen.has('udp') ? { udp_port: port('udp') } : {}),
    ...(seen.has('tcp') ? { tcp_port: port('tcp') } : {}),
    ...(seen.has('tls') ? { tls: {}, tls_port: port('tls') } : {}),
  };
}

function pem(v: string, what: string): string {
  if (v.includes('-----BEGIN')) return v;
  try {
    return readFileSync(v, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const key = code === 'ENOENT' ? 'sip.tlsNoFile' : code === 'EACCES' ? 'sip.tlsNoAccess' : 'sip.tlsUnreadable';
    throw new VcError('CONFIG_INVALID', say(key, { what, file: v, detail: (e as Error).message }), undefined, {
      cause: e,
    });
  }
}

export function stackTlsOptions(tls: SipTlsOptions | undefined): Pick<LibStackOptions, 'tls' | 'tlsClient'> {
  if (!tls) throw new VcError('CONFIG_INVALID', say('sip.tlsMissing'));
  const cert = pem(tls.cert, 'cert');
  const key = pem(tls.key, 'key');
  const ca = [...systemCas(), ...(tls.ca ? [pem(tls.ca, 'ca')] : [])];
  const policy = tls.peerPolicy;
  return {
    tls: { cert, key },
    // asked for each connection we open: certificates are verified unless the endpoint opted out
    tlsClient: (host: string, port: number) => {
      const p = policy?.(host, port);
      return {
        cert,
        key,
        ca,
        rejectUnauthorized: p?.verify ?? true,
        ...(p?.servername ? { servername: p.servername } : {}),
      };
    },
  };
}
