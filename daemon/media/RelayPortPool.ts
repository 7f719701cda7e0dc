// Hands out bound UDP socket pairs (RTP on an even port, RTCP on the next) for the relays that face
// room systems, from config `media.relayPorts`. A range with min 0 means "ephemeral ports" (tests).
// The pool binds the pair itself (allocate) or lets its owner bind it where the relay runs
// (allocateWith: the media plane worker binds in its own thread — a socket cannot move between
// threads, and closing ours for the worker to bind again would let another process take the port).
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import { mediaSocket } from './udp.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';

export interface PortPair {
  port: number;
  rtcpPort: number;
}

export interface SocketPair extends PortPair {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
}

export interface RelayPortPoolOptions {
  /** Inclusive range; { min: 0, max: 0 } lets the OS choose. */
  range: { min: number; max: number };
  /** Address the sockets bind to (config media.listenAddress). */
  address: string;
}

function bind(port: number, address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = mediaSocket();
    const onError = (e: Error): void => {
      s.close();
      reject(e);
    };
    s.once('error', onError);
    s.bind(port, address, () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

function isInUse(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EADDRINUSE' || code === 'EACCES';
}

export class RelayPortPool {
  readonly #min: number;
  readonly #max: number;
  readonly #address: string;
  /** Even ports we currently hold. */
  readonly #held = new Set<number>();
  #next: number;

  constructor({ range, address }: RelayPortPoolOptions) {
    this.#address = address;
    this.#min = range.min === 0 ? 0 : range.min + (range.min % 2);
    this.#max = range.max;
    // Start at a random pair: a restarted daemon must not hand a new call the ports an old call's
    // room may still be sending to.
    const pairs = this.#min === 0 ? 0 : Math.floor((this.#max - this.#min + 1) / 2);
    this.#next = pairs > 0 ? this.#min + 2 * randomInt(pairs) : this.#min;
    if (this.#min !== 0 && this.#max < this.#min + 1) {
      throw new VcError('CONFIG_INVALID', say('media.relayPortsNoPair', { min: range.min, max: range.max }));
    }
  }

  get address(): string {
    return this.#address;
  }

  /** Number of pairs held now. */
  get inUse(): number {
    return this.#held.size;
  }

  async allocate(): Promise<SocketPair> {
    return this.allocateWith((port) => bindPair(this.#address, port));
  }

  /**
   * A pair bound by `bind`, tried on the pool's candidates in turn until one binds (`bind` answers
   * undefined for a pair another process holds; 0 means "any free pair" in an ephemeral pool). The
   * pair is held until released.
   */
  async allocateWith<T extends PortPair>(bind: (port: number) => Promise<T | undefined>): Promise<T> {
    if (this.#min === 0) {
      const pair = await bind(0);
      if (!pair) throw new VcError('PORT_IN_USE', say('media.noPortPair', { address: this.#address }));
      this.#held.add(pair.port);
      return pair;
    }
    const pairs = Math.floor((this.#max - this.#min + 1) / 2);
    for (let i = 0; i < pairs; i++) {
      const port = this.#next;
      this.#next = port + 2 > this.#max - 1 ? this.#min : port + 2;
      if (this.#held.has(port)) continue;
      const pair = await bind(port);
      if (pair) {
        this.#held.add(pair.port);
        return pair;
      }
    }
    throw new VcError('CAPACITY_EXCEEDED', say('media.relayPortsFull', { min: this.#min, max: this.#max }));
  }

  /** Frees the pair's ports (and closes its sockets, if the pool bound them). */
  release(pair: PortPair | SocketPair): void {
    this.#held.delete(pair.port);
    if (!('rtp' in pair)) return;
    for (const s of [pair.rtp, pair.rtcp]) {
      try {
        s.close();
      } catch (e) {
        // Already closed by its owner: nothing left to free.
        if ((e as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw e;
      }
    }
  }
}

/**
 * Binds RTP on `port` and RTCP on the next one (`port` 0: the OS picks an RTP port with a free
 * neighbour); undefined if another socket holds either. Used by the pool and by the media plane worker.
 */
export async function bindPair(address: string, port: number): Promise<SocketPair | undefined> {
  return port === 0 ? bindEphemeral(address) : tryPair(address, port, port + 1);
}

async function bindEphemeral(address: string): Promise<SocketPair> {
  for (let i = 0; i < 50; i++) {
    const rtp = await bind(0, address);
    const port = rtp.address().port;
    if (port >= 65535) {
      rtp.close();
      continue;
    }
    try {
      const rtcp = await bind(port + 1, address);
      return { rtp, rtcp, port, rtcpPort: port + 1 };
    } catch (e) {
      rtp.close();
      if (!isInUse(e)) throw e;
    }
  }
  throw new VcError('PORT_IN_USE', say('media.noPortPair', { address }));
}

async function tryPair(address: string, port: number, rtcpPort: number): Promise<SocketPair | undefined> {
  let rtp: dgram.Socket | undefined;
  try {
    rtp = await bind(port, address);
    const rtcp = await bind(rtcpPort, address);
    return { rtp, rtcp, port, rtcpPort };
  } catch (e) {
    rtp?.close();
    if (isInUse(e)) return undefined;
    throw new VcError('MEDIA_FAILED', say('media.bindRelay', { port, address, why: (e as Error).message }), undefined, {
      cause: e,
    });
  }
}
