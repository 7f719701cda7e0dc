// Who may talk SIP to the daemon (issue "SIP layer" §2). Fed from the config's endpoints (their
// URI hosts plus allowFrom) and replaced on reload. Everything else gets 403, rate-limited per
// source; past the limit requests are dropped without a reply. Refusals are logged at most once
// a minute per source. Neither path creates a transaction (the stack answers statelessly).
import { lookup } from 'node:dns/promises';
import { resolveCredentials } from '../config/validate.js';
import { isIP } from 'node:net';
import type { Endpoint } from '../config/schema.js';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { parseUri, uriString, type SipMessage } from './message.js';
import { RateLimiter } from '../util/RateLimiter.js';
import type { SipSource } from './message.js';
import type { DigestCredentials } from './digest.js';

export interface AccessEndpoint {
  id: string;
  uri: string;
  allowFrom?: readonly string[];
  credentials?: DigestCredentials;
  /** Dial-ins from this endpoint must answer a digest challenge with `credentials`. */
  challengeDialIn?: boolean;
}

export type AllowDecision =
  | { action: 'allow'; endpointId?: string; challenge?: DigestCredentials }
  | { action: 'reject'; status?: number; reason?: string }
  | { action: 'drop' };

interface Entry {
  ep: AccessEndpoint;
  /** The URI's port (for telling apart endpoints that share an address). */
  port: number;
  user?: string;
}

export class AccessControl {
  readonly #log: Logger;
  readonly #rejects: RateLimiter;
  readonly #logOnce: RateLimiter;
  #byAddress = new Map<string, Entry[]>();
  #rejected = 0;
  #dropped = 0;

  constructor({
    log,
    clock = systemClock,
    rejectsPerSecond = 5,
    rejectBurst = 10,
  }: {
    log: Logger;
    clock?: Clock;
    rejectsPerSecond?: number;
    rejectBurst?: number;
  }) {
    this.#log = log.child({ component: 'sip-access' });
    this.#rejects = new RateLimiter({ perSecond: rejectsPerSecond, burst: rejectBurst, clock });
    this.#logOnce = new RateLimiter({ perSecond: 1 / 60, burst: 1, clock });
  }

  /** The allow-list entries for the config's endpoints (secrets resolved). */
  static fromConfig(endpoints: readonly Endpoint[]): AccessEndpoint[] {
    return endpoints.map((e) => ({
      id: e.id,
      uri: e.uri,
      allowFrom: e.allowFrom,
      credentials: resolveCredentials(e.credentials),
      challengeDialIn: e.challengeDialIn,
    }));
  }

  /** Replace the allow-list (at start and on reload). Host names are looked up (incl. /etc/hosts). */
  async update(endpoints: readonly AccessEndpoint[]): Promise<void> {
    const next = new Map<string, Entry[]>();
    const add = (address: string, entry: Entry): void => {
      const list = next.get(address) ?? [];
      list.push(entry);
      next.set(address, list);
    };
    for (const ep of endpoints) {
      const u = parseUri(ep.uri);
      if (!u) {
        this.#log.warn({ endpoint: ep.id, uri: ep.uri }, 'endpoint URI is not a SIP URI; it cannot dial in');
        continue;
      }
      const entry: Entry = { ep, port: u.port || (u.schema === 'sips' ? 5061 : 5060), user: u.user };
      for (const host of [u.host, ...(ep.allowFrom ?? [])]) {
        for (const address of await this.#addresses(host, ep.id)) add(address, entry);
      }
    }
    this.#byAddress = next;
  }

  /** The decision for one new request (the stack's `isAllowed`). */
  decide = (src: SipSource, msg: SipMessage): AllowDecision => {
    const entries = this.#byAddress.get(src.address);
    if (!entries || entries.length === 0) return this.#refuse(src, msg);
    const entry = this.#pick(entries, src, msg);
    const ep = entry.ep;
    if (
      ep.challengeDialIn &&
      ep.credentials &&
      msg.method !== 'OPTIONS' &&
      msg.method !== 'ACK' &&
      msg.method !== 'CANCEL'
    ) {
      return { action: 'allow', endpointId: ep.id, challenge: ep.credentials };
    }
    return { action: 'allow', endpointId: ep.id };
  };

  /** Is `address` a configured endpoint's (URI host or allowFrom)? (SIP connection limits) */
  knows = (address: string): boolean => (this.#byAddress.get(address)?.length ?? 0) > 0;

  /** The endpoint a source most likely is (for incoming calls and OPTIONS), if any. */
  identify(src: SipSource, msg?: SipMessage): string | undefined {
    const entries = this.#byAddress.get(src.address);
    return entries && entries.length ? this.#pick(entries, src, msg).ep.id : undefined;
  }

  stats(): { rejected: number; dropped: number; addresses: number } {
    return { rejected: this.#rejected, dropped: this.#dropped, addresses: this.#byAddress.size };
  }

  #pick(entries: Entry[], src: SipSource, msg?: SipMessage): Entry {
    if (entries.length === 1) return entries[0]!;
    const byPort = entries.filter((e) => e.port === src.port);
    if (byPort.length === 1) return byPort[0]!;
    const fromUser = msg?.headers.from ? parseUri(uriString(msg.headers.from.uri))?.user : undefined;
    const pool = byPort.length ? byPort : entries;
    return pool.find((e) => fromUser !== undefined && e.user === fromUser) ?? pool[0]!;
  }

  #refuse(src: SipSource, msg: SipMessage): AllowDecision {
    if (this.#logOnce.take(src.address)) {
      this.#log.warn(
        { source: `${src.address}:${src.port}`, transport: src.transport, method: msg.method },
        'SIP request from a source that is not a configured endpoint refused (403); further refusals from it are logged at most once a minute',
      );
    }
    if (this.#rejects.take(src.address)) {
      this.#rejected++;
      return { action: 'reject', status: 403, reason: 'Forbidden' };
    }
    this.#dropped++;
    return { action: 'drop' };
  }

  async #addresses(host: string, id: string): Promise<string[]> {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(bare)) return [bare];
    try {
      return (await lookup(bare, { all: true })).map((a) => a.address);
    } catch (e) {
      this.#log.warn(
        { endpoint: id, host: bare, err: (e as Error).message },
        'cannot resolve an endpoint host for the SIP allow-list',
      );
      return [];
    }
  }
}
