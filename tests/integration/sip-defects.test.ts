// Regression tests for the nine defects of the npm `sip` package listed in NOTES.md, each
// replaying the input that triggered it against a real stack on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSocket } from 'node:dgram';
import { createServer, Socket } from 'node:net';
import digest from 'sip/digest.js';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import { generateBranch, parseMessage, parseUri, resolveUri } from '../../daemon/sip/sipLibrary.js';
import { buildOffer } from '../../daemon/sip/sdp.js';
import { isVcError } from '../../daemon/errors.js';
import { startTestStack, uriOf } from '../helpers/sipTestStack.js';
import { freePort } from '../helpers/ports.js';
import { newId, rawSip, sipRequest, statusOf, headerOf, type RawSip } from '../peers/rawsip.js';
import { sleep } from '../helpers/wait.js';

const SDP = buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMU'] } });

let stack: SipStack;
const uncaught: unknown[] = [];
const onUncaught = (e: unknown): void => void uncaught.push(e);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  stack = await startTestStack({ timers: { t1: 50, t2: 400 } });
  stack.on('invite', (inc) => {
    inc.ring();
    void inc.accept(SDP).catch(() => undefined);
  });
});
afterAll(async () => {
  await stack.close();
  process.off('uncaughtException', onUncaught);
});

async function optionsOk(): Promise<void> {
  for (const transport of ['udp', 'tcp'] as const) {
    const r = await stack.options({ uri: uriOf(stack, transport), transport }, { timeoutMs: 1000 });
    expect(r).toMatchObject({ ok: true, status: 200 });
  }
}

/** Answer the first INVITE a raw peer receives with a 200 OK carrying `contact`. */
async function answerWith(peer: RawSip, contact: string): Promise<string> {
  const invite = await peer.waitFor((m) => m.startsWith('INVITE '));
  const h = (n: string): string => headerOf(invite, n)!;
  peer.send(
    [
      'SIP/2.0 200 OK',
      `Via: ${h('Via')}`,
      `From: ${h('From')}`,
      `To: ${h('To')};tag=${newId()}`,
      `Call-ID: ${h('Call-ID')}`,
      `CSeq: ${h('CSeq')}`,
      `Contact: <${contact}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${SDP.length}`,
      '',
      SDP,
    ].join('\r\n'),
  );
  return invite;
}

describe('defects of the npm sip package (NOTES.md), replayed', () => {
  it('1: TCP "Content-Length: abc" followed by megabytes closes the connection at once; memory stays flat', async () => {
    const heap0 = process.memoryUsage().heapUsed;
    const c = await rawSip('tcp', stack.ports.tcp!);
    c.send(
      sipRequest({ method: 'OPTIONS', uri: uriOf(stack, 'tcp'), transport: 'tcp', localPort: c.localPort }).replace(
        'Content-Length: 0',
        'Content-Length: abc',
      ),
    );
    const chunk = 'x'.repeat(1 << 20);
    let sent = 0;
    const closed = await Promise.race([
      c.closed.then(() => true),
      (async () => {
        for (; sent < 64; sent++) {
          c.send(chunk);
          await sleep(10);
        }
        return false;
      })(),
    ]);
    c.close();
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(16);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(64 * 1024 * 1024);
    await optionsOk();
  });

  it('2: a 200 OK with Contact port 99999 fails the dial with a VcError, and a BYE to such a target fails cleanly', async () => {
    const peer = await rawSip('udp', stack.ports.udp!);
    const dial = stack.dial({
      target: { uri: `sip:fake@127.0.0.1:${peer.localPort}`, transport: 'udp' },
      sdpOffer: SDP,
    });
    await answerWith(peer, 'sip:x@127.0.0.1:99999');
    const err = await dial.catch((e: unknown) => e);
    expect(isVcError(err) && err.code).toBe('SIP_FAILED');
    expect(String((err as Error).message)).toMatch(/invalid port 99999/);

    // an established call whose peer moves its target to port 99999 with a re-INVITE
    const dial2 = stack.dial({
      target: { uri: `sip:fake@127.0.0.1:${peer.localPort}`, transport: 'udp' },
      sdpOffer: SDP,
    });
    const invite2 = await (async () => {
      peer.received.length = 0;
      return answerWith(peer, `sip:fake@127.0.0.1:${peer.localPort}`);
    })();
    const call = await dial2;
    const h = (n: string): string => headerOf(invite2, n)!;
    const ourTag = /;tag=([^;>\s]+)/.exec(h('From'))![1];
    const ok = await peer.waitFor((m) => m.startsWith('ACK '));
    const peerTag = /;tag=([^;>\s]+)/.exec(headerOf(ok, 'To')!)![1];
    peer.received.length = 0;
    peer.send(
      sipRequest({
        method: 'INVITE',
        uri: `sip:vcbridge@127.0.0.1:${stack.ports.udp}`,
        transport: 'udp',
        localPort: peer.localPort,
        callId: h('Call-ID'),
        fromTag: peerTag,
        toTag: ourTag,
        cseq: 2,
        body: SDP,
      })
        .replace(/Contact: <[^>]*>/, 'Contact: <sip:fake@127.0.0.1:99999>')
        .replace(/To: <[^>]*>/, `To: <sip:vcbridge@127.0.0.1>`),
    );
    expect(statusOf(await peer.waitFor((m) => statusOf(m) === 200))).toBe(200);
    const bye = await call.hangup().catch((e: unknown) => e);
    expect(isVcError(bye) && bye.code).toBe('SIP_FAILED');
    expect(String((bye as Error).message)).toMatch(/99999/);
    expect(call.state).toBe('ended');
    peer.close();
    await sleep(50);
    expect(uncaught).toEqual([]);
  });

  it('3: a port already in use is VcError PORT_IN_USE at start, for UDP and for TCP', async () => {
    const port = await freePort();
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(port, '127.0.0.1', () => r()));
    const e1 = await startTestStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port }] }).catch(
      (e: unknown) => e,
    );
    udp.close();
    expect(isVcError(e1) && e1.code).toBe('PORT_IN_USE');
    expect(String((e1 as Error).message)).toContain(`udp 127.0.0.1:${port}`);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    const e2 = await startTestStack({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port },
      ],
    }).catch((e: unknown) => e);
    srv.close();
    expect(isVcError(e2) && e2.code).toBe('PORT_IN_USE');
  });

  // what it costs the event loop is bench/sip-junk.ts's figure (a test asserts no timings)
  it('4: one 63 KB datagram of " \\r\\n" x 21,000 is dropped, and the stack keeps answering', async () => {
    const junk = Buffer.from(' \r\n'.repeat(21_000), 'latin1');
    expect(parseMessage(junk)).toBeUndefined();
    const s = createSocket('udp4');
    for (let i = 0; i < 5; i++) s.send(junk, stack.ports.udp!, '127.0.0.1');
    await sleep(150);
    s.close();
    await optionsOk();
  });

  it('5: 400 pipelined OPTIONS (~110 KB) in one TCP write are all answered', async () => {
    const c = await rawSip('tcp', stack.ports.tcp!);
    const batch = Array.from({ length: 400 }, (_, i) =>
      sipRequest({
        method: 'OPTIONS',
        uri: uriOf(stack, 'tcp'),
        transport: 'tcp',
        localPort: c.localPort,
        callId: `pipe-${i}`,
      }),
    ).join('');
    expect(batch.length).toBeGreaterThan(60_480);
    c.send(batch);
    for (let i = 0; i < 100 && c.received.length < 400; i++) await sleep(20);
    c.close();
    expect(c.received.filter((m) => statusOf(m) === 200)).toHaveLength(400);
  });

  it('6: a peer on our own address (another port) really gets requests: OPTIONS and a whole call', async () => {
    const other = await startTestStack({ userAgent: 'other-on-same-address' });
    try {
      other.on('invite', (inc) => void inc.accept(SDP));
      expect(await stack.options({ uri: uriOf(other), transport: 'udp' })).toMatchObject({
        ok: true,
        server: 'other-on-same-address',
      });
      const call = await stack.dial({ target: { uri: uriOf(other), transport: 'udp' }, sdpOffer: SDP });
      await call.hangup();
    } finally {
      await other.close();
    }
  });

  it('7: /etc/hosts names resolve; IPv6 literals parse and give a clear error on an IPv4 stack; unknown names are "dns"', async () => {
    expect(await stack.options({ uri: `sip:bridge@localhost:${stack.ports.udp}`, transport: 'udp' })).toMatchObject({
      ok: true,
      status: 200,
    });
    expect(parseUri('sip:room@[::1]:5070;transport=tcp')).toMatchObject({
      host: '::1',
      port: 5070,
      params: { transport: 'tcp' },
    });
    const v6 = await new Promise((r) => resolveUri(parseUri('sip:room@[::1]:5070')!, r));
    expect(v6).toEqual([{ protocol: 'UDP', address: '::1', port: 5070 }]);
    const r = await stack.options({ uri: 'sip:room@[::1]:5070', transport: 'udp' });
    expect(r).toMatchObject({ ok: false, error: 'transport' });
    expect(r.reason).toMatch(/IPv6.*IPv4 only/);
    expect(await stack.options({ uri: 'sip:room@no-such-host.invalid:5060', transport: 'udp' })).toMatchObject({
      ok: false,
      error: 'dns',
    });
  });

  it('8: TCP_NODELAY: Nagle is off on the TCP connections of the stack; 180 and 200 both arrive (20 calls on one connection)', async () => {
    // asserted on the socket option itself: the stall it prevents is a timing (40 ms), not a fact
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    const c = await rawSip('tcp', stack.ports.tcp!);
    const gaps: number[] = [];
    for (let i = 0; i < 20; i++) {
      const callId = `nagle-${i}-${newId()}`;
      const fromTag = newId();
      let t180 = 0;
      const got180 = c.waitFor((m) => m.includes(callId) && statusOf(m) === 180).then(() => (t180 = performance.now()));
      c.send(
        sipRequest({
          method: 'INVITE',
          uri: uriOf(stack, 'tcp'),
          transport: 'tcp',
          localPort: c.localPort,
          callId,
          fromTag,
          body: SDP,
        }),
      );
      const ok = await c.waitFor((m) => m.includes(callId) && statusOf(m) === 200);
      await got180;
      gaps.push(performance.now() - t180);
      const toTag = /;tag=([^;>\s]+)/.exec(headerOf(ok, 'To')!)![1];
      c.send(
        sipRequest({
          method: 'ACK',
          uri: uriOf(stack, 'tcp'),
          transport: 'tcp',
          localPort: c.localPort,
          callId,
          fromTag,
          toTag,
        }),
      );
      c.send(
        sipRequest({
          method: 'BYE',
          uri: uriOf(stack, 'tcp'),
          transport: 'tcp',
          localPort: c.localPort,
          callId,
          fromTag,
          toTag,
          cseq: 2,
        }),
      );
      await c.waitFor((m) => m.includes(callId) && / BYE\r\n/.test(m) && statusOf(m) === 200);
    }
    c.close();
    expect(gaps).toHaveLength(20);
    // the stack's side of the connection: the socket whose local port is the stack's
    const stackSide = noDelay.mock.calls.filter(
      (_, i) => (noDelay.mock.contexts[i] as Socket).localPort === stack.ports.tcp,
    );
    noDelay.mockRestore();
    expect(stackSide.length).toBeGreaterThanOrEqual(1);
    expect(stackSide.every((args) => args[0] === true || args[0] === undefined)).toBe(true);
  });

  it('9: branch ids carry 96 random bits (crypto); digest keeps the "algorithm" parameter', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => generateBranch()));
    expect(ids.size).toBe(10_000);
    for (const b of [...ids].slice(0, 10)) expect(b).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
    // the library's own digest helper: challenge() used to drop algorithm (typo "algoritm")
    const rq = parseMessage(sipRequest({ method: 'REGISTER', uri: 'sip:127.0.0.1', transport: 'udp', localPort: 1 }))!;
    const rs = digest.challenge(
      { realm: 'r', algorithm: 'MD5' },
      { status: 401, reason: 'Unauthorized', headers: { ...rq.headers } },
    );
    expect(rs.headers['www-authenticate']?.[0]?.algorithm).toBe('MD5');
    const ctx = digest.signRequest(null, rq, rs, { user: 'u', password: 'p' });
    expect(rq.headers.authorization?.[0]?.algorithm).toBe('MD5');
    expect(ctx).not.toBeNull();
  });
});
