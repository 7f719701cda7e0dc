// Which rooms' certificates we verify when we open a TLS connection to them, by the address the SIP
// library connects to. The library resolves names itself and hands us the address, so a hostname
// URI is resolved here too (at start and on reload) to know the name the certificate must carry.
import { lookup } from 'node:dns/promises';
import type { Endpoint } from '../config/schema.js';
import { parseSipUri } from '../config/uri.js';
import type { Logger } from '../util/logger.js';
import type { TlsPeerPolicy } from './listen.js';

export class TlsPeers {
  readonly #log: Logger;
  #byAddress = new Map<string, TlsPeerPolicy>();

  constructor(log: Logger) {
    this.#log = log.child({ component: 'sip.tls' });
  }

  /** For SipTlsOptions.peerPolicy: undefined means "verify against the address". */
  readonly policy = (host: string, port: number): TlsPeerPolicy | undefined =>
    this.#byAddress.get(`${host.replace(/^\[|\]$/g, '')}:${port}`);

  async update(endpoints: readonly Endpoint[]): Promise<void> {
    const next = new Map<string, TlsPeerPolicy>();
    for (const e of endpoints) {
      if (e.transport !== 'tls') continue;
      const u = parseSipUri(e.uri);
      if (!u) continue;
      const port = u.port ?? 5061;
      const verify = e.tlsVerify !== false;
      if (u.hostType !== 'hostname') {
        next.set(`${u.host.replace(/^\[|\]$/g, '')}:${port}`, { verify });
        continue;
      }
      try {
        for (const a of await lookup(u.host, { all: true }))
          next.set(`${a.address}:${port}`, { verify, servername: u.host });
      } catch (err) {
        // unresolvable now: a later connection is verified against its address (and most likely fails, visibly)
        this.#log.warn(
          { endpoint: e.id, host: u.host, err: (err as Error).message },
          "cannot resolve a TLS room's hostname for certificate checks",
        );
      }
    }
    this.#byAddress = next;
  }
}
