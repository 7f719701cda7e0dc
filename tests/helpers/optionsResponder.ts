import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';

// A small real SIP peer for health tests and the health benchmark: it answers OPTIONS on many
// UDP (and optionally TCP) sockets on 127.0.x.y, each one an "endpoint" that can be told to go
// silent, answer slowly or answer with another status. Only OPTIONS is understood; anything else
// gets no answer.

export interface ResponderAddress {
  host: string;
  port: number;
}

interface Behaviour {
  silent: boolean;
  delayMs: number;
  status: number;
  reason: string;
}

export interface OptionsResponderOptions {
  addresses: ResponderAddress[];
  tcp?: boolean;
  /** Server header of the answers. */
  server?: string;
}

const key = (a: ResponderAddress) => `${a.host}:${a.port}`;

export class OptionsResponder {
  readonly server: string;
  readonly #udp = new Map<string, Socket>();
  readonly #tcp = new Map<string, Server>();
  readonly #conns = new Set<TcpSocket>();
  readonly #behaviour = new Map<string, Behaviour>();
  readonly #counts = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(server: string) {
    this.server = server;
  }

  static async start(opts: OptionsResponderOptions): Promise<OptionsResponder> {
    const r = new OptionsResponder(opts.server ?? 'test-responder/1.0');
    try {
      await Promise.all(opts.addresses.map((a) => r.#bindUdp(a)));
      if (opts.tcp) await Promise.all(opts.addresses.map((a) => r.#listenTcp(a)));
    } catch (err) {
      await r.close();
      throw err;
    }
    return r;
  }

  /** OPTIONS received by this address (UDP and TCP). */
  count(a: ResponderAddress): number {
    return this.#counts.get(key(a)) ?? 0;
  }

  get total(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c;
    return n;
  }

  set(a: ResponderAddress, b: Partial<Behaviour>): void {
    this.#behaviour.set(key(a), { ...this.#get(key(a)), ...b });
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (const c of this.#conns) c.destroy();
    await Promise.all([...this.#udp.values()].map((s) => new Promise<void>((res) => s.close(() => res()))));
    await Promise.all([...this.#tcp.values()].map((s) => new Promise<void>((res) => s.close(() => res()))));
    this.#udp.clear();
    this.#tcp.clear();
  }

  #get(k: string): Behaviour {
    return this.#behaviour.get(k) ?? { silent: false, delayMs: 0, status: 200, reason: 'OK' };
  }

  #bindUdp(a: ResponderAddress): Promise<void> {
    const s = createSocket('udp4');
    this.#udp.set(key(a), s);
    s.on('message', (msg, rinfo) => {
      this.#answer(key(a), msg.toString('latin1'), (out) => s.send(out, rinfo.port, rinfo.address));
    });
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(a.port, a.host, () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        resolve();
      });
    });
  }

  #listenTcp(a: ResponderAddress): Promise<void> {
    const srv = createServer((c) => {
      this.#conns.add(c);
      c.setNoDelay(true);
      let buf = '';
      c.on('data', (d) => {
        buf += d.toString('latin1');
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const len = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
          if (buf.length < end + 4 + len) return;
          const msg = buf.slice(0, end + 4 + len);
          buf = buf.slice(end + 4 + len);
          this.#answer(key(a), msg, (out) => {
            if (!c.destroyed) c.write(out);
          });
        }
      });
      c.on('error', () => undefined);
      c.on('close', () => this.#conns.delete(c));
    });
    this.#tcp.set(key(a), srv);
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(a.port, a.host, () => resolve());
    });
  }

  #answer(k: string, text: string, send: (out: Buffer) => void): void {
    if (!/^OPTIONS /.test(text)) return;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
    const b = this.#get(k);
    if (b.silent) return;
    const head = text
      .slice(0, text.indexOf('\r\n\r\n') >= 0 ? text.indexOf('\r\n\r\n') : text.length)
      .split('\r\n')
      .slice(1);
    const pick = (names: string[]) =>
      head.filter((h) => names.includes(h.slice(0, h.indexOf(':')).trim().toLowerCase()));
    const to = pick(['to', 't'])[0] ?? 'To: <sip:unknown@invalid>';
    const lines = [
      `SIP/2.0 ${b.status} ${b.reason}`,
      ...pick(['via', 'v']),
      ...pick(['from', 'f']),
      /;\s*tag=/i.test(to) ? to : `${to};tag=r${Math.floor(Math.random() * 1e9)}`,
      ...pick(['call-id', 'i']),
      ...pick(['cseq']),
      `Server: ${this.server}`,
      'Content-Length: 0',
      '',
      '',
    ];
    const out = Buffer.from(lines.join('\r\n'), 'latin1');
    if (b.delayMs <= 0) send(out);
    else {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        send(out);
      }, b.delayMs);
      this.#timers.add(t);
    }
  }
}
