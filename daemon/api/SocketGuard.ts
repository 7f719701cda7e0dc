import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../util/logger.js';
import { timerDelay } from '../util/clock.js';
import { say } from '../../protocol/index.js';

export interface SocketLimits {
  /** TCP connections to the control port in all (control API, join page, /metrics, live). */
  readonly maxSockets: number;
  /** … from one source address. */
  readonly maxSocketsPerAddress: number;
  /** A connection must send its first request (or upgrade) within this long, or it is closed. */
  readonly firstRequestMs: number;
}

/** Raw TCP connections to the control port, whatever they turn out to be, until their first request.
 *  Node's own HTTP timers start only with a request: a socket that connects and sends nothing would
 *  hold its file descriptor forever, and nothing would cap how many of them one address opens. */
export class SocketGuard {
  readonly #limits: SocketLimits;
  readonly #log: Logger;
  readonly #perAddress = new Map<string, number>();
  /** Sockets still waiting for their first request, by remote address and port (the same for a TLS
   *  socket and the TCP socket under it). */
  readonly #waiting = new Map<string, NodeJS.Timeout>();
  #open = 0;
  #refused = 0;
  #expired = 0;

  constructor(limits: SocketLimits, log: Logger) {
    this.#limits = limits;
    this.#log = log;
  }

  /** Sockets open now / refused at the door so far / closed for sending nothing in time. */
  get stats(): { open: number; refused: number; expired: number } {
    return { open: this.#open, refused: this.#refused, expired: this.#expired };
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
    const started = (req: { socket: Socket }) => this.#started(req.socket);
    server.on('request', started);
    server.on('upgrade', started);
  }

  #admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '?';
    const L = this.#limits;
    const here = this.#perAddress.get(address) ?? 0;
    if (this.#open >= L.maxSockets || here >= L.maxSocketsPerAddress) {
      this.#refused++;
      // debug only: a flood would otherwise become a log flood
      this.#log.debug(
        { address, open: this.#open, fromAddress: here },
        this.#open >= L.maxSockets
          ? say('api.portFull', { n: L.maxSockets })
          : say('api.socketsFrom', { address, limit: L.maxSocketsPerAddress }),
      );
      socket.destroy();
      return;
    }
    this.#open++;
    this.#perAddress.set(address, here + 1);
    const key = `${address}|${socket.remotePort ?? 0}`;
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.#expired++;
      this.#log.debug({ address }, `no request within ${L.firstRequestMs} ms: connection closed`);
      socket.destroy();
    }, timerDelay(L.firstRequestMs));
    this.#waiting.set(key, timer);
    socket.once('close', () => {
      this.#open--;
      const n = (this.#perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.#perAddress.delete(address);
      else this.#perAddress.set(address, n);
      const t = this.#waiting.get(key);
      if (t) {
        clearTimeout(t);
        this.#waiting.delete(key);
      }
    });
  }

  #started(socket: Socket): void {
    const key = `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? 0}`;
    const t = this.#waiting.get(key);
    if (t) {
      clearTimeout(t);
      this.#waiting.delete(key);
    }
  }
}
