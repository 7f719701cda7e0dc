// From the config's listen list to the library's transport options.
import { readFileSync } from 'node:fs';
import { VcError } from '../errors.js';
import type { LibStackOptions } from './sipLibrary.js';
import type { SipTransport } from './message.js';

export interface SipListen {
  transport: SipTransport;
  host: string;
  /** 0 = any free port (tests); see SipStack.ports for the bound one. */
  port: number;
}

export interface SipTlsOptions {
  /** PEM text or a file path. */
  cert: string;
  key: string;
  /**
   * Check the peer's certificate when we connect out. Default false: room systems present
   * self-signed certificates; TLS then protects against passive listeners only.
   */
  rejectUnauthorized?: boolean;
  ca?: string;
}

export function listenOptions(listen: readonly SipListen[]): LibStackOptions & { address: string; tls?: Record<string, unknown> } {
  if (listen.length === 0) throw new VcError('CONFIG_INVALID', 'sip.listen: at least one transport is needed');
  const host = listen[0]!.host;
  const seen = new Set<SipTransport>();
  for (const l of listen) {
    if (l.host !== host) throw new VcError('CONFIG_INVALID', `sip.listen: all transports must use one host (got ${host} and ${l.host})`);
    if (seen.has(l.transport)) throw new VcError('CONFIG_INVALID', `sip.listen: ${l.transport} is listed twice`);
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65535) throw new VcError('CONFIG_INVALID', `sip.listen: bad port ${l.port}`);
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
    throw new VcError('CONFIG_INVALID', `sip.tls.${what}: cannot read ${v}: ${(e as Error).message}`, undefined, { cause: e });
  }
}

export function stackTlsOptions(tls: SipTlsOptions | undefined): Pick<LibStackOptions, 'tls' | 'tlsClient'> {
  if (!tls) throw new VcError('CONFIG_INVALID', 'sip.listen has tls but sip.tls (cert, key) is not configured');
  const cert = pem(tls.cert, 'cert');
  const key = pem(tls.key, 'key');
  const ca = tls.ca ? pem(tls.ca, 'ca') : undefined;
  return {
    tls: { cert, key },
    tlsClient: { cert, key, rejectUnauthorized: tls.rejectUnauthorized ?? false, ...(ca ? { ca } : {}) },
  };
}
