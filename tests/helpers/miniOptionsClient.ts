import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { OptionsProber, OptionsReply, OptionsTarget } from '../../daemon/health/types.js';

// Interim stand-in for the SipStack's options() while daemon/sip is being written: one UDP socket on
// 127.0.0.1, OPTIONS out, answers matched by Call-ID. UDP only (TCP answers 'transport').

export class MiniOptionsClient implements OptionsProber {
  readonly #sock: Socket;
  readonly #port: number;
  readonly #pending = new Map<string, { resolve: (r: OptionsReply) => void; t0: bigint; timer: NodeJS.Timeout }>();

  private constructor(sock: Socket, port: number) {
    this.#sock = sock;
    this.#port = port;
    sock.on('message', (m) => this.#onMessage(m.toString('latin1')));
  }

  static async start(): Promise<MiniOptionsClient> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new MiniOptionsClient(s, s.address().port);
  }

  options(target: OptionsTarget, opts: { timeoutMs: number }): Promise<OptionsReply> {
    if (target.transport !== 'udp') return Promise.resolve({ ok: false, error: 'transport', reason: 'mini client speaks UDP only' });
    const m = /^sip:(?:([^@]+)@)?([^:;]+)(?::(\d+))?/.exec(target.uri);
    if (!m?.[2]) return Promise.resolve({ ok: false, error: 'transport', reason: 'bad uri' });
    const host = m[2];
    const port = Number(m[3] ?? 5060);
    const callId = randomBytes(8).toString('hex');
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const msg = [
      `OPTIONS ${target.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.#port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:probe@127.0.0.1:${this.#port}>;tag=${randomBytes(4).toString('hex')}`,
      `To: <${target.uri}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      `Contact: <sip:probe@127.0.0.1:${this.#port}>`,
      'Accept: application/sdp',
      'Content-Length: 0',
      '', '',
    ].join('\r\n');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(callId);
        resolve({ ok: false, error: 'timeout' });
      }, opts.timeoutMs);
      this.#pending.set(callId, { resolve, t0: process.hrtime.bigint(), timer });
      this.#sock.send(msg, port, host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.#pending.delete(callId);
        resolve({ ok: false, error: 'transport', reason: err.message });
      });
    });
  }

  close(): void {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#sock.close();
  }

  #onMessage(text: string): void {
    const status = /^SIP\/2\.0 (\d{3}) ?([^\r\n]*)/.exec(text);
    const callId = /\r\n(?:call-id|i)\s*:\s*([^\r\n]+)/i.exec(text)?.[1]?.trim();
    if (!status || !callId) return;
    const p = this.#pending.get(callId);
    const code = Number(status[1]);
    if (!p || code < 200) return;
    this.#pending.delete(callId);
    clearTimeout(p.timer);
    const server = /\r\n(?:server|user-agent)\s*:\s*([^\r\n]+)/i.exec(text)?.[1]?.trim();
    const r: OptionsReply = { ok: code >= 200 && code < 300, status: code, reason: status[2] ?? '', rttMs: Number(process.hrtime.bigint() - p.t0) / 1e6 };
    if (server) r.server = server;
    p.resolve(r);
  }
}
