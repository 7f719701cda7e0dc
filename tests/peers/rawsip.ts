// A raw SIP socket for tests that must send exactly the bytes they mean (malformed messages,
// fake peers that answer oddly) and see exactly what comes back.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawSip {
  readonly transport: 'udp' | 'tcp';
  readonly localPort: number;
  /** Complete messages received (TCP split by Content-Length), latin1. */
  readonly received: string[];
  send(data: string | Buffer): void;
  /** The first received message (already or later) for which `pred` holds. */
  waitFor(pred: (m: string) => boolean, timeoutMs?: number): Promise<string>;
  /** TCP: resolves when the server closed the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

function splitStream(buf: string, out: string[]): string {
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return buf;
    const head = buf.slice(0, end);
    const cl = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (buf.length < end + 4 + cl) return buf;
    out.push(buf.slice(0, end + 4 + cl));
    buf = buf.slice(end + 4 + cl);
  }
}

export async function rawSip(transport: 'udp' | 'tcp', port: number, host = '127.0.0.1'): Promise<RawSip> {
  const received: string[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());
  let send: (d: string | Buffer) => void;
  let close: () => void;
  let localPort: number;
  let closed: Promise<void>;
  if (transport === 'udp') {
    const s: UdpSocket = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.on('message', (m) => {
      received.push(m.toString('latin1'));
      notify();
    });
    localPort = s.address().port;
    send = (d) => s.send(typeof d === 'string' ? Buffer.from(d, 'latin1') : d, port, host);
    close = () => s.close();
    closed = new Promise(() => undefined);
  } else {
    const s: Socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    s.setNoDelay(true);
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      buf = splitStream(buf + d, received);
      notify();
    });
    s.on('error', () => undefined); // a reset is what some tests expect
    closed = new Promise((r) => s.once('close', () => r()));
    localPort = s.localPort!;
    send = (d) => void s.write(typeof d === 'string' ? Buffer.from(d, 'latin1') : d);
    close = () => s.destroy();
  }
  return {
    transport,
    get localPort() {
      return localPort;
    },
    received,
    send: (d) => send(d),
    waitFor(pred, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = received.find(pred);
          if (m !== undefined) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(m);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching SIP message within ${timeoutMs} ms; got:\n${received.map((r) => r.split('\r\n')[0]).join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closed,
    close: () => close(),
  };
}

export interface RequestSpec {
  method: string;
  uri: string;
  transport: 'udp' | 'tcp';
  localPort: number;
  branch?: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  headers?: string[];
  body?: string;
  contentType?: string;
}

export function newId(): string {
  return randomBytes(8).toString('hex');
}

/** A well-formed request text (tests then break it on purpose). */
export function sipRequest(r: RequestSpec): string {
  const body = r.body ?? '';
  const lines = [
    `${r.method} ${r.uri} SIP/2.0`,
    `Via: SIP/2.0/${r.transport.toUpperCase()} 127.0.0.1:${r.localPort};branch=z9hG4bK${r.branch ?? newId()};rport`,
    `From: <sip:tester@127.0.0.1:${r.localPort}>;tag=${r.fromTag ?? newId()}`,
    `To: <${r.uri}>${r.toTag ? `;tag=${r.toTag}` : ''}`,
    `Call-ID: ${r.callId ?? newId()}`,
    `CSeq: ${r.cseq ?? 1} ${r.method}`,
    `Contact: <sip:tester@127.0.0.1:${r.localPort}${r.transport === 'tcp' ? ';transport=tcp' : ''}>`,
    'Max-Forwards: 70',
    ...(r.headers ?? []),
    ...(body ? [`Content-Type: ${r.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

export function statusOf(m: string): number {
  return Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1] ?? 0);
}

export function headerOf(m: string, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}\\s*:\\s*([^\\r\\n]*)`, 'i').exec(m)?.[1];
}
