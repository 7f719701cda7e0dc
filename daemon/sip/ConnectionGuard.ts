// Who may hold a SIP TCP/TLS connection, and for how long (README "Security notes and limits").
// Asked by the transport for every accepted socket before the library keeps anything for it:
//   - all connections together, and per source address, are capped;
//   - addresses that are not configured endpoints share a small pool, a few per address, and get
//     a hard deadline from the moment they connect: keep-alives do not extend it (their first
//     request is refused with 403 and the connection closed anyway). A crowd of strangers holding
//     idle connections therefore never takes the slots configured rooms need.
import type { Socket } from 'node:net';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { RateLimiter } from '../util/RateLimiter.js';

export interface ConnectionLimits {
  /** SIP TCP/TLS connections accepted at once, in all. */
  maxTotal: number;
  /** Accepted connections from one address (a configured endpoint). */
  maxPerAddress: number;
  /** Connections from addresses that are not configured endpoints, together. */
  maxUnknown: number;
  /** … and from one such address. */
  maxUnknownPerAddress: number;
  /** Such a connection is closed this long after it was accepted, whatever it sends. */
  unknownDeadlineMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxTotal: 1024,
  maxPerAddress: 16,
  maxUnknown: 64,
  maxUnknownPerAddress: 4,
  unknownDeadlineMs: 5000,
};

export interface ConnectionStats {
  open: number;
  unknown: number;
  refused: number;
  deadlineClosed: number;
}

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #isKnown: (address: string) => boolean;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #logOnce: RateLimiter;
  readonly #perAddress = new Map<string, number>();
  #open = 0;
  #unknown = 0;
  #refused = 0;
  #deadlineClosed = 0;

  constructor(o: {
    limits?: Partial<ConnectionLimits>;
    isKnown: (address: string) => boolean;
    log: Logger;
    clock?: Clock;
  }) {
    this.#limits = { ...DEFAULT_CONNECTION_LIMITS, ...o.limits };
    this.#isKnown = o.isKnown;
    this.#clock = o.clock ?? systemClock;
    this.#log = o.log.child({ component: 'sip-connections' });
    this.#logOnce = new RateLimiter({ perSecond: 1 / 60, burst: 1, clock: this.#clock });
  }

  get limits(): Readonly<ConnectionLimits> {
    return this.#limits;
  }

  stats(): ConnectionStats {
    return { open: this.#open, unknown: this.#unknown, refused: this.#refused, deadlineClosed: this.#deadlineClosed };
  }

  /** A socket was accepted: false = close it now. Otherwise it is counted until it closes. */
  admit = (socket: Socket, transport: string): boolean => {
    const raw = socket.remoteAddress;
    if (!raw) return false; // already gone
    const address = raw.startsWith('::ffff:') ? raw.slice(7) : raw;
    const known = this.#isKnown(address);
    const here = this.#perAddress.get(address) ?? 0;
    const l = this.#limits;
    const why =
      this.#open >= l.maxTotal
        ? `${l.maxTotal} SIP connections open`
        : known && here >= l.maxPerAddress
          ? `${l.maxPerAddress} connections from ${address}`
          : !known && this.#unknown >= l.maxUnknown
            ? `${l.maxUnknown} connections from unconfigured addresses`
            : !known && here >= l.maxUnknownPerAddress
              ? `${l.maxUnknownPerAddress} connections from unconfigured ${address}`
              : undefined;
    if (why) {
      this.#refused++;
      if (this.#logOnce.take(address))
        this.#log.warn(
          { source: address, transport, limit: why },
          'SIP connection refused: limit reached (logged at most once a minute per source)',
        );
      return false;
    }
    this.#open++;
    this.#perAddress.set(address, here + 1);
    if (!known) this.#unknown++;
    let deadline: Timer | undefined;
    if (!known) {
      deadline = this.#clock.setTimeout(() => {
        this.#deadlineClosed++;
        socket.destroy();
      }, l.unknownDeadlineMs);
    }
    socket.once('close', () => {
      this.#clock.clearTimeout(deadline);
      this.#open--;
      if (!known) this.#unknown--;
      const n = (this.#perAddress.get(address) ?? 1) - 1;
      if (n > 0) this.#perAddress.set(address, n);
      else this.#perAddress.delete(address);
    });
    return true;
  };
}
