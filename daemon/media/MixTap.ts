// The mixer's socket for audio that comes through mediasoup (browsers' Opus): one PlainTransport's
// consumers send here, each with its own SSRC, and every packet goes to its source's jitter buffer.
// Bound in whichever thread runs the mixer (AudioMixer's, or the media plane worker).
import type dgram from 'node:dgram';
import { mediaSocket } from './udp.js';
import type { Logger } from '../util/logger.js';
import { isRtcp, parseRtp, PROBATION_PT } from './rtp/packet.js';
import type { MixCore, MixPush } from './MixCore.js';

export class MixTap {
  readonly #socket: dgram.Socket;
  readonly #core: MixCore;
  readonly #bySsrc = new Map<number, { id: string; push: MixPush }>();

  /** Bound on 127.0.0.1 at `port` (0: any; a restarted worker takes its old one again). */
  static async open(core: MixCore, log: Logger, port = 0): Promise<MixTap> {
    const socket = mediaSocket();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new MixTap(socket, core, log);
  }

  private constructor(socket: dgram.Socket, core: MixCore, log: Logger) {
    this.#socket = socket;
    this.#core = core;
    socket.on('error', (e) => log.warn({ err: e }, 'mixer socket error'));
    socket.on('message', (msg) => this.#packet(msg));
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Packets with this SSRC belong to source `id`. */
  route(ssrc: number, id: string, push: MixPush): void {
    this.#bySsrc.set(ssrc, { id, push });
  }

  /** Forget the routes of source `id`. */
  unroute(id: string): void {
    for (const [ssrc, r] of this.#bySsrc) if (r.id === id) this.#bySsrc.delete(ssrc);
  }

  close(): void {
    this.#bySsrc.clear();
    this.#socket.close();
  }

  #packet(msg: Buffer): void {
    if (isRtcp(msg)) return;
    const t = performance.now();
    const v = parseRtp(msg);
    if (!v || v.pt === PROBATION_PT) return;
    this.#bySsrc.get(v.ssrc)?.push(v.ts, msg.subarray(v.payloadOffset, v.payloadEnd));
    this.#core.addBusy(performance.now() - t);
  }
}
