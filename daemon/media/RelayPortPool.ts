// Hands out bound UDP socket pairs (RTP on an even port, RTCP on the next) for the relays that face
// room systems, from config `media.relayPorts`. A range with min 0 means "ephemeral ports" (tests).
import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import { mediaSocket } from './udp.js';
import { VcError } from '../errors.js';

export interface SocketPair {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  port: number;
  rtcpPort: number;
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
      throw new VcError('CONFIG_INVALID', `media.relayPorts ${range.min}-${range.max} holds no even/odd port pair`);
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
    return this.#min === 0 ? this.#allocateEphemeral() : this.#allocateFromRange();
  }

  release(pair: SocketPair): void {
    this.#held.delete(pair.port);
    for (const s of [pair.rtp, pair.rtcp]) {
      try {
        s.close();
      } catch (e) {
        // Already closed by its owner: nothing left to free.
        if ((e as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw e;
      }
    }
  }

  async #allocateFromRange(): Promise<SocketPair> {
    const pairs = Math.floor((this.#max - this.#min + 1) / 2);
    for (let i = 0; i < pairs; i++) {
      const port = this.#next;
      this.#next = port + 2 > this.#max - 1 ? this.#min : port + 2;
      if (this.#held.has(port)) continue;
      const pair = await this.#tryPair(port, port + 1);
      if (pair) return pair;
    }
    throw new VcError(
      'CAPACITY_EXCEEDED',
      `no free RTP relay port pair in ${this.#min}-${this.#max} (media.relayPorts)`,
    );
  }

  async #allocateEphemeral(): Promise<SocketPair> {
    for (let i = 0; i < 50; i++) {
      const rtp = await bind(0, this.#address);
      const port = rtp.address().port;
      if (port >= 65535) {
        rtp.close();
        continue;
      }
      try {
        const rtcp = await bind(port + 1, this.#address);
        this.#held.add(port);
        return { rtp, rtcp, port, rtcpPort: port + 1 };
      } catch (e) {
        rtp.close();
        if (!isInUse(e)) throw e;
      }
    }
    throw new VcError('PORT_IN_USE', 'could not find an RTP/RTCP port pair on ' + this.#address);
  }

  async #tryPair(port: number, rtcpPort: number): Promise<SocketPair | undefined> {
    let rtp: dgram.Socket | undefined;
    try {
      rtp = await bind(port, this.#address);
      const rtcp = await bind(rtcpPort, this.#address);
      this.#held.add(port);
      return { rtp, rtcp, port, rtcpPort };
    } catch (e) {
      rtp?.close();
      if (isInUse(e)) return undefined;
      throw new VcError(
        'MEDIA_FAILED',
        `cannot bind RTP relay port ${port} on ${this.#address}: ${(e as Error).message}`,
        undefined,
        { cause: e },
      );
    }
  }
}
