import { say } from '../../protocol/index.js';
import { API_LIMITS } from './limits.js';

/** What the gate tracks of a connection. */
export interface Admitted {
  readonly address: string;
  readonly authenticated: boolean;
}

type Limits = Record<
  'maxConnections' | 'maxConnectionsPerAddress' | 'maxUnauthenticated' | 'maxUnauthenticatedPerAddress',
  number
>;

/**
 * Who may open a control connection. Connections without a valid token get a small share (total and
 * per address); the rest is reserved for token holders, and a token holder who finds the daemon full
 * takes the place of the oldest connection without one. So a flood of anonymous sockets can neither
 * exhaust file descriptors nor lock an operator out.
 */
export class Admission<C extends Admitted> {
  readonly #limits: Limits;
  /** In order of arrival: the first unauthenticated one found is the oldest. */
  readonly #open = new Set<C>();
  readonly #perAddress = new Map<string, { all: number; unauth: number }>();
  #unauth = 0;

  constructor(limits: Limits = API_LIMITS) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Decide on a new connection from `address`: refused with a reason, or admitted (possibly by
   *  evicting an older unauthenticated connection, which the caller must close). */
  decide(address: string, authenticated: boolean): { refused: string } | { evict?: C } {
    const L = this.#limits;
    const here = this.#perAddress.get(address) ?? { all: 0, unauth: 0 };
    if (!authenticated) {
      if (here.unauth >= L.maxUnauthenticatedPerAddress)
        return {
          refused: say('api.connAnonymousFrom', { address, limit: L.maxUnauthenticatedPerAddress }),
        };
      if (this.#unauth >= L.maxUnauthenticated)
        return { refused: say('api.connAnonymous', { limit: L.maxUnauthenticated }) };
      if (here.all >= L.maxConnectionsPerAddress || this.#open.size >= L.maxConnections)
        return { refused: say('api.connFull') };
      return {};
    }
    if (here.all >= L.maxConnectionsPerAddress) {
      const evict = this.#oldestUnauthenticated(address);
      return evict ? { evict } : { refused: say('api.connFrom', { address, limit: L.maxConnectionsPerAddress }) };
    }
    if (this.#open.size >= L.maxConnections) {
      const evict = this.#oldestUnauthenticated();
      return evict ? { evict } : { refused: say('api.connMany', { limit: L.maxConnections }) };
    }
    return {};
  }

  add(c: C): void {
    if (this.#open.has(c)) return;
    this.#open.add(c);
    const here = this.#perAddress.get(c.address) ?? { all: 0, unauth: 0 };
    here.all++;
    if (!c.authenticated) {
      here.unauth++;
      this.#unauth++;
    }
    this.#perAddress.set(c.address, here);
  }

  remove(c: C): void {
    if (!this.#open.delete(c)) return;
    const here = this.#perAddress.get(c.address);
    if (!here) return;
    here.all--;
    if (!c.authenticated) {
      here.unauth--;
      this.#unauth--;
    }
    if (here.all <= 0) this.#perAddress.delete(c.address);
  }

  #oldestUnauthenticated(address?: string): C | undefined {
    for (const c of this.#open) if (!c.authenticated && (address === undefined || c.address === address)) return c;
    return undefined;
  }
}
