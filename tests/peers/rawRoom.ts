// A SIP room over UDP written from raw bytes, for tests where a peer must answer in a way no real
// UA would (odd Session-Expires, odd registrar expiry, …): answers every INVITE and UPDATE with
// 200 OK (SDP towards its own RTP endpoint, or what `answer` makes of the offer, plus `extraHeaders`),
// REGISTER with 200 granting `registerExpires`, everything else with 200; records every request.
import { createSocket, type Socket } from 'node:dgram';
import { buildOffer } from '../../daemon/sip/sdp.js';
import { headerOf, newId } from './rawsip.js';
import { startRtpEndpoint, type RtpEndpoint } from './rtp.js';

export interface RawRoom {
  readonly port: number;
  readonly uri: string;
  /** Requests received (latin1 text), in order. */
  readonly requests: string[];
  readonly rtp: RtpEndpoint;
  /** The dialog of the last INVITE answered: ids as the room sees them. */
  dialog():
    { callId: string; localTag: string; remoteTag: string; remoteUri: string; remoteContact: string } | undefined;
  /** Send `text` from the room's socket (to the daemon's SIP port) or from another socket. */
  send(text: string, port: number): void;
  close(): Promise<void>;
}

const line = (m: string, name: string): string => `${name}: ${headerOf(m, name) ?? ''}`;

export async function startRawRoom(
  opts: {
    user?: string;
    extraHeaders?: string[];
    registerExpires?: string;
    /** The SDP answer to an INVITE's offer (default: PCMU audio towards `audioPort`, the room's RTP endpoint). */
    answer?: (offer: string, audioPort: number) => string;
  } = {},
): Promise<RawRoom> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const user = opts.user ?? 'room';
  const rtp = await startRtpEndpoint();
  const tag = newId();
  const requests: string[] = [];
  let dialog: ReturnType<RawRoom['dialog']>;
  const sdp = buildOffer({ address: '127.0.0.1', audio: { port: rtp.port, codecs: ['PCMU'] } });

  sock.on('message', (buf, rinfo) => {
    const m = buf.toString('latin1');
    const method = /^([A-Z]+) /.exec(m)?.[1];
    if (!method) return; // a response to something we sent
    requests.push(m);
    if (method === 'ACK') return;
    const withBody = method === 'INVITE' || method === 'UPDATE';
    const toTag = /;tag=/.test(headerOf(m, 'To') ?? '') ? '' : `;tag=${tag}`;
    const offer = m.slice(m.indexOf('\r\n\r\n') + 4);
    const body = method === 'INVITE' ? (opts.answer?.(offer, rtp.port) ?? sdp) : '';
    const contact =
      method === 'REGISTER'
        ? [
            `Contact: <${/<([^>]+)>/.exec(headerOf(m, 'Contact') ?? '')?.[1]}>;expires=${opts.registerExpires ?? '600'}`,
            `Expires: ${opts.registerExpires ?? '600'}`,
          ]
        : [`Contact: <sip:${user}@127.0.0.1:${port}>`];
    const reply = [
      'SIP/2.0 200 OK',
      line(m, 'Via'),
      line(m, 'From'),
      `${line(m, 'To')}${toTag}`,
      line(m, 'Call-ID'),
      line(m, 'CSeq'),
      ...contact,
      ...(withBody ? (opts.extraHeaders ?? []) : []),
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${body.length}`,
      '',
      body,
    ].join('\r\n');
    sock.send(Buffer.from(reply, 'latin1'), rinfo.port, rinfo.address);
    if (method === 'INVITE' && toTag) {
      const from = headerOf(m, 'From') ?? '';
      dialog = {
        callId: headerOf(m, 'Call-ID') ?? '',
        localTag: tag,
        remoteTag: /;tag=([^;>\s]+)/.exec(from)?.[1] ?? '',
        remoteUri: /<([^>]+)>/.exec(from)?.[1] ?? '',
        remoteContact: /<([^>]+)>/.exec(headerOf(m, 'Contact') ?? '')?.[1] ?? '',
      };
      const c = /c=IN IP4 (\S+)/.exec(m)?.[1];
      const p = Number(/m=audio (\d+)/.exec(m)?.[1]);
      if (c && p) rtp.sendTo(c, p, 0);
    }
  });

  return {
    port,
    uri: `sip:${user}@127.0.0.1:${port}`,
    requests,
    rtp,
    dialog: () => dialog,
    send: (text, to) => sock.send(Buffer.from(text, 'latin1'), to, '127.0.0.1'),
    async close() {
      await rtp.close();
      await new Promise<void>((r) => sock.close(() => r()));
    },
  };
}
