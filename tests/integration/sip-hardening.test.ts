// Attacks on the SIP side of the built daemon (issue #11 items 3, 6, 9), on 127.0.0.x, bounded in
// count and time:
//   - a room answering `Session-Expires: 4294968` (beyond Node's timer limit once in ms) must not
//     set off a refresh storm, nor a registrar granting `Expires: 4294968` a REGISTER storm;
//   - 2,100 idle TCP connections from unconfigured addresses, kept alive with CRLF, must not keep
//     a configured room from talking SIP over TCP, and are all closed by their deadline;
//   - a BYE inside a live dialog from an address that is neither the dialog's peer nor configured
//     is refused (403) and the call stays up; the room's own BYE ends it.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { call, participantStates } from '../faults/helpers.js';
import { sleep, until } from '../helpers/wait.js';
import { startRawRoom, type RawRoom } from '../peers/rawRoom.js';
import { headerOf, newId, rawSip, sipRequest, statusOf } from '../peers/rawsip.js';
import { startTestStack, uriOf } from '../helpers/sipTestStack.js';
import { buildOffer } from '../../daemon/sip/sdp.js';
import type { Call } from '../../daemon/sip/Call.js';

let d: RunningDaemon;
let room: RawRoom;
let registrar: RawRoom;
let conferenceId: string;

beforeAll(async () => {
  room = await startRawRoom({
    extraHeaders: ['Session-Expires: 4294968;refresher=uac', 'Require: timer', 'Supported: timer'],
  });
  registrar = await startRawRoom({ user: 'mcu', registerExpires: '4294968' });
  d = await startDaemon({
    config: testConfig(await freePort(), await freePort(), {
      endpoints: [
        {
          id: 'room',
          name: { zh: '房间', en: 'Room' },
          kind: 'town',
          uri: room.uri,
          groups: ['towns'],
          codecs: { audio: ['PCMU'], video: [] },
        },
        {
          id: 'mcu',
          name: { zh: '上级', en: 'MCU' },
          kind: 'upstream',
          uri: registrar.uri,
          register: { expires: 600 },
          credentials: { username: 'gongyi', password: 'not-asked-for' },
        },
      ],
    }),
  });
}, 30_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  await room?.close();
  await registrar?.close();
}, 20_000);

const registers = (): number => registrar.requests.filter((m) => m.startsWith('REGISTER ')).length;

const invites = (): number => room.requests.filter((m) => m.startsWith('INVITE ') || m.startsWith('UPDATE ')).length;

describe('SIP attacks on the built daemon', () => {
  it('a registrar granting Expires: 4294968 gets no REGISTER storm (one REGISTER, then none for 4 s)', async () => {
    await until('registered', () => registers() >= 1, 10_000);
    const first = registers();
    await sleep(4000);
    // before the fix: the refresh timer overflowed and fired every millisecond
    expect(registers() - first).toBe(0);
  }, 20_000);

  it('a room answering Session-Expires: 4294968 gets no refresh storm (at most one refresh in 4 s)', async () => {
    const r = await call(d, 'conference.start', { title: 'session timer', endpoints: ['room'] });
    expect(r.error, r.error?.message).toBeUndefined();
    conferenceId = r.result.id;
    await until(
      'the room connected',
      async () => (await participantStates(d, conferenceId)).room === 'connected',
      15_000,
    );
    const before = invites();
    await sleep(4000);
    // before the fix: a re-INVITE every millisecond or so, hundreds in this window
    expect(invites() - before).toBeLessThanOrEqual(1);
    expect((await participantStates(d, conferenceId)).room).toBe('connected');
  }, 30_000);

  it('a BYE in the live dialog from an unconfigured address is refused (403) and the call stays up', async () => {
    const dlg = room.dialog()!;
    expect(dlg).toBeDefined();
    const bye = (localPort: number, host: string, cseq: number): string =>
      [
        `BYE ${dlg.remoteContact} SIP/2.0`,
        `Via: SIP/2.0/UDP ${host}:${localPort};branch=z9hG4bK${newId()};rport`,
        `From: <${room.uri}>;tag=${dlg.localTag}`,
        `To: <${dlg.remoteUri}>;tag=${dlg.remoteTag}`,
        `Call-ID: ${dlg.callId}`,
        `CSeq: ${cseq} BYE`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.9', () => r()));
    const answers: string[] = [];
    stranger.on('message', (m) => answers.push(m.toString('latin1')));
    try {
      stranger.send(bye(stranger.address().port, '127.0.0.9', 100), d.sipPort, '127.0.0.1');
      await until('an answer to the stranger', () => answers.length > 0, 5000);
      expect(statusOf(answers[0]!)).toBe(403);
    } finally {
      stranger.close();
    }
    await sleep(500);
    expect((await participantStates(d, conferenceId)).room).toBe('connected');
    // the room itself may end its call
    const byes = room.requests.length;
    room.send(bye(room.port, '127.0.0.1', 101), d.sipPort);
    await until(
      'the room disconnected',
      async () => (await participantStates(d, conferenceId)).room !== 'connected',
      5000,
    );
    expect(room.requests.length).toBeGreaterThanOrEqual(byes);
    await call(d, 'conference.end', { id: conferenceId });
  }, 30_000);

  it('2,100 idle TCP connections from unconfigured addresses, kept alive with CRLF: a configured room still gets 200 to OPTIONS over TCP, and every idle one is closed by its deadline', async () => {
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    const open = (localAddress: string): Promise<void> =>
      new Promise((resolve) => {
        const s = connect({ port: d.sipPort, host: '127.0.0.1', localAddress });
        sockets.push(s);
        s.on('error', () => undefined); // resets are expected
        s.once('close', () => {
          closed.add(s);
          resolve();
        });
        s.once('connect', () => {
          s.write('\r\n\r\n');
          resolve();
        });
      });
    const keepAlive = setInterval(() => {
      for (const s of sockets) if (!closed.has(s)) s.write('\r\n\r\n');
    }, 1000);
    try {
      for (let a = 2; a <= 22; a++) await Promise.all(Array.from({ length: 100 }, () => open(`127.0.0.${a}`)));
      expect(sockets.length).toBe(2100);
      await sleep(300);
      // the configured room (127.0.0.1) talks SIP over TCP as usual
      const c = await rawSip('tcp', d.sipPort);
      try {
        c.send(
          sipRequest({
            method: 'OPTIONS',
            uri: `sip:bridge@127.0.0.1:${d.sipPort};transport=tcp`,
            transport: 'tcp',
            localPort: c.localPort,
          }),
        );
        const rs = await c.waitFor(() => true, 5000);
        expect(statusOf(rs)).toBe(200);
      } finally {
        c.close();
      }
      // keep-alives do not extend a stranger's deadline: every connection closes (5 s deadline)
      await until('every idle connection closed', () => closed.size === sockets.length, 20_000, 250);
    } finally {
      clearInterval(keepAlive);
      for (const s of sockets) s.destroy();
    }
    expect(d.proc.exitCode).toBeNull();
  }, 60_000);
});

describe('in-dialog requests from strangers (SIP stack with an allow-list of 127.0.0.1)', () => {
  it("an ACK from elsewhere neither confirms our answer nor reaches the call; the peer's ACK does", async () => {
    const stack = await startTestStack({
      timers: { t1: 100, t2: 400 },
      isAllowed: (src) => (src.address === '127.0.0.1' ? { action: 'allow' } : { action: 'reject', status: 403 }),
      isKnownAddress: (a) => a === '127.0.0.1',
    });
    const stranger = createSocket('udp4');
    try {
      let accepted: Promise<Call> | undefined;
      let confirmed = false;
      stack.on('invite', (inc) => {
        accepted = inc.accept(buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMU'] } }));
        accepted.then(
          () => (confirmed = true),
          () => undefined,
        );
      });
      const peer = await rawSip('udp', stack.ports.udp!);
      const sdp = buildOffer({ address: '127.0.0.1', audio: { port: 40002, codecs: ['PCMU'] } });
      peer.send(
        sipRequest({ method: 'INVITE', uri: uriOf(stack), transport: 'udp', localPort: peer.localPort, body: sdp }),
      );
      const ok = await peer.waitFor((m) => statusOf(m) === 200, 4000);
      const h = (n: string): string => headerOf(ok, n)!;
      const ack = (port: number, host: string): string =>
        [
          `ACK ${/<([^>]+)>/.exec(h('Contact'))![1]} SIP/2.0`,
          `Via: SIP/2.0/UDP ${host}:${port};branch=z9hG4bK${newId()}`,
          `From: ${h('From')}`,
          `To: ${h('To')}`,
          `Call-ID: ${h('Call-ID')}`,
          `CSeq: ${h('CSeq').split(' ')[0]} ACK`,
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      await new Promise<void>((r) => stranger.bind(0, '127.0.0.9', () => r()));
      stranger.send(ack(stranger.address().port, '127.0.0.9'), stack.ports.udp!, '127.0.0.1');
      await sleep(500);
      expect(confirmed).toBe(false);
      peer.send(ack(peer.localPort, '127.0.0.1'));
      await until("confirmed by the peer's ACK", () => confirmed, 4000);
      expect(stack.stats().dropped).toBeGreaterThanOrEqual(1);
      peer.close();
    } finally {
      stranger.close();
      await stack.close();
    }
  }, 20_000);
});
