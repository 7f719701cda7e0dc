// Our dialog layer against itself and against raw sockets playing a peer: calls both ways over
// UDP/TCP/TLS, BYE, CANCEL, re-INVITE, 481, 2xx retransmission until ACK, ACK branches, session
// timers, maximum call duration, digest both ways, access control, INFO DTMF / key frames.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import type { Call, CallEnded } from '../../daemon/sip/Call.js';
import type { IncomingCall } from '../../daemon/sip/IncomingCall.js';
import { AccessControl } from '../../daemon/sip/AccessControl.js';
import { buildOffer, setOriginVersion } from '../../daemon/sip/sdp.js';
import { isVcError } from '../../daemon/errors.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { startTestStack, uriOf } from '../helpers/sipTestStack.js';
import { headerOf, newId, rawSip, sipRequest, statusOf, type RawSip } from '../peers/rawsip.js';
import { removeDir, tempDir } from '../peers/proc.js';
import { sleep } from '../helpers/wait.js';

const SDP_A = buildOffer({
  address: '127.0.0.1',
  sessionId: '1',
  version: 1,
  audio: { port: 41000, codecs: ['PCMU'] },
});
const SDP_B = buildOffer({
  address: '127.0.0.1',
  sessionId: '2',
  version: 1,
  audio: { port: 42000, codecs: ['PCMU'] },
});
const FAST = { timers: { t1: 50, t2: 400 } };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function pair(
  a: Parameters<typeof startTestStack>[0] = {},
  b: Parameters<typeof startTestStack>[0] = {},
): Promise<[SipStack, SipStack]> {
  const A = await startTestStack({ userAgent: 'A', ...FAST, ...a });
  cleanup.push(() => A.close());
  const B = await startTestStack({ userAgent: 'B', ...FAST, ...b });
  cleanup.push(() => B.close());
  return [A, B];
}

function nextInvite(stack: SipStack): Promise<IncomingCall> {
  return new Promise((r) => stack.once('invite', r));
}

function ended(call: Call): Promise<CallEnded> {
  return new Promise((r) => call.once('ended', r));
}

/** A call A→B over `transport`, B answering at once. */
async function connect(A: SipStack, B: SipStack, transport: 'udp' | 'tcp' | 'tls' = 'udp'): Promise<[Call, Call]> {
  const incoming = nextInvite(B);
  const dialled = A.dial({ target: { uri: `sip:b@127.0.0.1:${B.ports[transport]}`, transport }, sdpOffer: SDP_A });
  const inc = await incoming;
  const answered = inc.accept(SDP_B);
  return [await dialled, await answered];
}

async function rawPeer(stack: SipStack): Promise<RawSip> {
  const p = await rawSip('udp', stack.ports.udp!);
  cleanup.push(() => p.close());
  return p;
}

function tagOf(header: string | undefined): string {
  return /;tag=([^;>\s]+)/.exec(header ?? '')?.[1] ?? '';
}

describe('SIP dialogs between two stacks', () => {
  it.each(['udp', 'tcp'] as const)(
    'a call over %s: SDP both ways, progress events, BYE ends both sides',
    async (transport) => {
      const [A, B] = await pair();
      const progress: string[] = [];
      const incoming = nextInvite(B);
      const dialled = A.dial({
        target: { uri: `sip:b@127.0.0.1:${B.ports[transport]}`, transport },
        sdpOffer: SDP_A,
        displayName: '巩义 bridge',
        onProgress: (p) => progress.push(p.state),
      });
      const inc = await incoming;
      expect(inc.offer).toBe(SDP_A);
      expect(inc.source.transport).toBe(transport);
      expect(inc.from.displayName).toBe('巩义 bridge');
      inc.ring();
      await sleep(30);
      const bCall = inc.accept(SDP_B);
      const aCall = await dialled;
      const b = await bCall;
      expect(progress).toEqual(['calling', 'ringing', 'connected']);
      expect(aCall.remoteSdp).toBe(SDP_B);
      expect(b.remoteSdp).toBe(SDP_A);
      expect(aCall.callId).toBe(b.callId);
      const bEnded = ended(b);
      await aCall.hangup('done');
      expect(await bEnded).toEqual({ by: 'remote', reason: 'bye' });
      expect(aCall.state).toBe('ended');
      await sleep(20);
      expect(A.stats().dialogs + B.stats().dialogs).toBe(0);
    },
  );

  it('the callee can hang up too', async () => {
    const [A, B] = await pair();
    const [a, b] = await connect(A, B);
    const aEnded = ended(a);
    await b.hangup();
    expect(await aEnded).toEqual({ by: 'remote', reason: 'bye' });
  });

  it('CANCEL before the answer: the callee sees "cancelled", the caller gets a VcError, nothing is left behind', async () => {
    const [A, B] = await pair();
    const ac = new AbortController();
    const incoming = nextInvite(B);
    const dialled = A.dial({ target: { uri: uriOf(B), transport: 'udp' }, sdpOffer: SDP_A, signal: ac.signal });
    const inc = await incoming;
    inc.ring();
    const cancelled = new Promise((r) => inc.once('cancelled', r));
    await sleep(50);
    ac.abort();
    const err = await dialled.catch((e: unknown) => e);
    expect(isVcError(err) && err.details).toMatchObject({ reason: 'cancelled' });
    expect(await cancelled).toEqual({ reason: 'cancelled by the caller' });
    expect(inc.state).toBe('cancelled');
    await expect(inc.accept(SDP_B)).rejects.toThrow(/cancelled/);
    await sleep(50);
    expect(B.stats()).toMatchObject({ dialogs: 0, pendingInvites: 0 });
  });

  it('a call nobody answers in time is cancelled with SIP_TIMEOUT; a rejected call fails with its status', async () => {
    const [A, B] = await pair();
    B.once('invite', (inc) => inc.ring());
    await expect(
      A.dial({ target: { uri: uriOf(B), transport: 'udp' }, sdpOffer: SDP_A, ringTimeoutMs: 200 }),
    ).rejects.toMatchObject({ code: 'SIP_TIMEOUT' });
    B.once('invite', (inc) => inc.reject(486));
    await expect(A.dial({ target: { uri: uriOf(B), transport: 'udp' }, sdpOffer: SDP_A })).rejects.toMatchObject({
      code: 'SIP_FAILED',
      details: { status: 486 },
    });
  });

  it('re-INVITE in both directions: the other side gets the new offer, its answer comes back', async () => {
    const [A, B] = await pair();
    const [a, b] = await connect(A, B, 'tcp');
    const moved = SDP_A.replace('m=audio 41000', 'm=audio 41100');
    b.once('reinvite', (offer) => {
      expect(offer.sdp).toContain('m=audio 41100');
      offer.accept(setOriginVersion(SDP_B.replace('m=audio 42000', 'm=audio 42100'), 2));
    });
    const answer = await a.reinvite(moved);
    expect(answer).toContain('m=audio 42100');
    expect(a.remoteSdp).toBe(answer);
    expect(b.remoteSdp).toContain('m=audio 41100');
    // the other way round, and a refusal keeps the old session
    a.once('reinvite', (offer) => offer.reject(488));
    await expect(b.reinvite(SDP_B.replace('m=audio 42000', 'm=audio 42200'))).rejects.toMatchObject({
      code: 'SIP_FAILED',
      details: { status: 488 },
    });
    expect(b.state).toBe('confirmed');
    a.once('reinvite', (offer) => offer.accept(a.localSdp));
    await expect(b.reinvite(SDP_B.replace('m=audio 42000', 'm=audio 42300'))).resolves.toContain('m=audio 41100');
    await a.hangup();
  });

  it('INFO: DTMF digits and a key frame request reach the other side as events', async () => {
    const [A, B] = await pair();
    const [a, b] = await connect(A, B);
    const digits: string[] = [];
    b.on('dtmf', (d) => digits.push(d.digit));
    const kf = new Promise<void>((r) => b.once('keyframeRequest', () => r()));
    await a.sendDtmf('12#', { method: 'info' });
    await a.requestKeyframe();
    await kf;
    expect(digits).toEqual(['1', '2', '#']);
    await expect(a.sendDtmf('12x')).rejects.toMatchObject({ code: 'USAGE' });
    await a.hangup();
  });

  it('session timer: the refresher refreshes with UPDATE and the call stays up past the interval', async () => {
    const timer = { sessionTimer: { expires: 1, minSE: 1 } };
    const [A, B] = await pair(timer, timer);
    const [a, b] = await connect(A, B);
    expect(a.sessionTimer).toEqual({ interval: 1, refresher: 'local' });
    expect(b.sessionTimer).toEqual({ interval: 1, refresher: 'remote' });
    await sleep(1700);
    expect(B.stats().requestsIn.UPDATE ?? 0).toBeGreaterThanOrEqual(2);
    expect(a.state).toBe('confirmed');
    expect(b.state).toBe('confirmed');
    await a.hangup();
  });

  it('maximum call duration: the call is hung up with reason max-duration', async () => {
    const [A, B] = await pair({ maxCallSeconds: 0.5 });
    const [a, b] = await connect(A, B);
    const [ea, eb] = await Promise.all([ended(a), ended(b)]);
    expect(ea).toEqual({ by: 'local', reason: 'max-duration' });
    expect(eb).toEqual({ by: 'remote', reason: 'bye' });
  });

  it('TLS: OPTIONS and a call between two stacks with a self-signed certificate each trusts (sip.tls.ca)', async () => {
    const dir = tempDir('tls');
    cleanup.push(() => removeDir(dir));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tls = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'cert.pem') };
    const listen = [
      { transport: 'udp' as const, host: '127.0.0.1', port: 0 },
      { transport: 'tls' as const, host: '127.0.0.1', port: 0 },
    ];
    const [A, B] = await pair({ listen, tls }, { listen, tls });
    expect(await A.options({ uri: `sip:b@127.0.0.1:${B.ports.tls}`, transport: 'tls' })).toMatchObject({
      ok: true,
      server: 'B',
    });
    const [a, b] = await connect(A, B, 'tls');
    expect(b.source?.transport).toBe('tls');
    const gone = ended(b);
    await a.hangup();
    expect((await gone).by).toBe('remote');
  });
});

describe('SIP dialogs against a raw peer', () => {
  it('an unknown dialog gets 481; an out-of-dialog BYE too', async () => {
    const A = await startTestStack(FAST);
    cleanup.push(() => A.close());
    const p = await rawPeer(A);
    p.send(sipRequest({ method: 'BYE', uri: uriOf(A), transport: 'udp', localPort: p.localPort, toTag: 'nosuchtag' }));
    p.send(sipRequest({ method: 'BYE', uri: uriOf(A), transport: 'udp', localPort: p.localPort }));
    await p.waitFor(() => p.received.filter((m) => statusOf(m) === 481).length === 2);
  });

  it('our 2xx is retransmitted (T1 doubling to T2) until the ACK; without one we BYE after 64*T1', async () => {
    const A = await startTestStack({ timers: { t1: 25, t2: 200 } });
    cleanup.push(() => A.close());
    let accepted: Promise<Call> | undefined;
    A.on('invite', (inc) => {
      accepted = inc.accept(SDP_A);
      accepted.catch(() => undefined); // asserted below
    });
    const p = await rawPeer(A);
    const t0 = performance.now();
    const times: number[] = [];
    p.send(sipRequest({ method: 'INVITE', uri: uriOf(A), transport: 'udp', localPort: p.localPort, body: SDP_B }));
    p.received.length = 0;
    const seen = new Set<string>();
    const poll = setInterval(() => {
      p.received.forEach((m, i) => {
        if (statusOf(m) === 200 && !seen.has(String(i))) {
          seen.add(String(i));
          times.push(performance.now() - t0);
        }
      });
    }, 2);
    const bye = await p.waitFor((m) => m.startsWith('BYE '), 4000);
    clearInterval(poll);
    expect(bye).toMatch(/^BYE /);
    expect(performance.now() - t0).toBeGreaterThan(1500); // 64 * T1 = 1.6 s
    // the 2xx at 0, then after 25, 75, 175, 375, 575, ... ms: gaps double up to T2 = 200 ms
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(times.length).toBeGreaterThanOrEqual(9);
    expect(times.length).toBeLessThanOrEqual(13);
    expect(gaps[0]).toBeLessThan(gaps[2]!);
    await expect(accepted).rejects.toMatchObject({ code: 'SIP_TIMEOUT' });
  });

  it('the ACK for a 2xx has a new branch, and a retransmitted 2xx is ACKed again', async () => {
    const A = await startTestStack(FAST);
    cleanup.push(() => A.close());
    const p = await rawPeer(A);
    const dialled = A.dial({ target: { uri: `sip:raw@127.0.0.1:${p.localPort}`, transport: 'udp' }, sdpOffer: SDP_A });
    const invite = await p.waitFor((m) => m.startsWith('INVITE '));
    const h = (n: string): string => headerOf(invite, n)!;
    const ok = [
      'SIP/2.0 200 OK',
      `Via: ${h('Via')}`,
      `From: ${h('From')}`,
      `To: ${h('To')};tag=${newId()}`,
      `Call-ID: ${h('Call-ID')}`,
      `CSeq: ${h('CSeq')}`,
      `Contact: <sip:raw@127.0.0.1:${p.localPort}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${SDP_B.length}`,
      '',
      SDP_B,
    ].join('\r\n');
    p.send(ok);
    const call = await dialled;
    await p.waitFor((m) => m.startsWith('ACK '));
    p.send(ok);
    await p.waitFor(() => p.received.filter((m) => m.startsWith('ACK ')).length === 2);
    const branch = (m: string): string => /branch=([^;\s]+)/.exec(headerOf(m, 'Via')!)![1]!;
    const acks = p.received.filter((m) => m.startsWith('ACK '));
    expect(branch(acks[0]!)).not.toBe(branch(invite));
    expect(headerOf(acks[0]!, 'CSeq')).toBe(`${h('CSeq').split(' ')[0]} ACK`);
    const hungUp = call.hangup();
    const bye = await p.waitFor((m) => m.startsWith('BYE '));
    const bh = (n: string): string => headerOf(bye, n)!;
    p.send(
      [
        'SIP/2.0 200 OK',
        `Via: ${bh('Via')}`,
        `From: ${bh('From')}`,
        `To: ${bh('To')}`,
        `Call-ID: ${bh('Call-ID')}`,
        `CSeq: ${bh('CSeq')}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await hungUp;
  });

  it('the peer was to refresh the session and never did: we send BYE (reason session-expired)', async () => {
    const A = await startTestStack({ ...FAST, sessionTimer: { expires: 2, minSE: 1 } });
    cleanup.push(() => A.close());
    let reason: string | undefined;
    A.on('invite', (inc) => void inc.accept(SDP_A).then((c) => c.once('ended', (e) => (reason = e.reason))));
    const p = await rawPeer(A);
    const callId = newId();
    const fromTag = newId();
    p.send(
      sipRequest({
        method: 'INVITE',
        uri: uriOf(A),
        transport: 'udp',
        localPort: p.localPort,
        callId,
        fromTag,
        body: SDP_B,
        headers: ['Supported: timer', 'Session-Expires: 2;refresher=uac'],
      }),
    );
    const ok = await p.waitFor((m) => statusOf(m) === 200);
    expect(headerOf(ok, 'Session-Expires')).toBe('2;refresher=uac');
    expect(headerOf(ok, 'Require')).toBe('timer');
    const t0 = performance.now();
    p.send(
      sipRequest({
        method: 'ACK',
        uri: uriOf(A),
        transport: 'udp',
        localPort: p.localPort,
        callId,
        fromTag,
        toTag: tagOf(headerOf(ok, 'To')),
      }),
    );
    await p.waitFor((m) => m.startsWith('BYE '), 4000);
    // not before half the interval (RFC 4028: the refresher has until then); how late is not asserted
    expect(performance.now() - t0).toBeGreaterThan(1000);
    expect(reason).toBe('session-expired');
  });

  it('digest both ways: a challenged dial-in succeeds with the right password, fails with a wrong one', async () => {
    const ac = new AccessControl({ log: silentLogger() });
    await ac.update([
      {
        id: 'town',
        uri: 'sip:town@127.0.0.1',
        challengeDialIn: true,
        credentials: { username: 'town', password: 's3cret' },
      },
    ]);
    const [A, B] = await pair({}, { isAllowed: ac.decide, realm: 'gongyi' });
    B.on('invite', (inc) => {
      expect(inc.endpointId).toBe('town');
      void inc.accept(SDP_B);
    });
    const call = await A.dial({
      target: { uri: uriOf(B), transport: 'udp' },
      sdpOffer: SDP_A,
      credentials: { username: 'town', password: 's3cret' },
    });
    await call.hangup();
    await expect(
      A.dial({
        target: { uri: uriOf(B), transport: 'udp' },
        sdpOffer: SDP_A,
        credentials: { username: 'town', password: 'nope' },
      }),
    ).rejects.toMatchObject({ code: 'SIP_FAILED', details: { status: 401 } });
    await expect(A.dial({ target: { uri: uriOf(B), transport: 'udp' }, sdpOffer: SDP_A })).rejects.toMatchObject({
      details: { status: 401 },
    });
  });

  it('an unknown source gets 403 (rate-limited, then nothing) and leaves no state; OPTIONS from allowed peers get 200', async () => {
    const strict = new AccessControl({ log: silentLogger(), rejectsPerSecond: 1, rejectBurst: 3 });
    await strict.update([{ id: 'elsewhere', uri: 'sip:room@10.9.9.9' }]);
    const A = await startTestStack({ ...FAST, isAllowed: strict.decide });
    cleanup.push(() => A.close());
    A.on('invite', () => {
      throw new Error('an INVITE from an unknown source must not reach the application');
    });
    const p = await rawPeer(A);
    for (const method of ['INVITE', 'REGISTER', 'OPTIONS', 'MESSAGE', 'SUBSCRIBE']) {
      p.send(
        sipRequest({
          method,
          uri: uriOf(A),
          transport: 'udp',
          localPort: p.localPort,
          body: method === 'INVITE' ? SDP_B : undefined,
        }),
      );
    }
    await sleep(200);
    expect(p.received.map(statusOf)).toEqual([403, 403, 403]);
    expect(A.stats()).toMatchObject({ rejected: 3, dropped: 2, dialogs: 0, pendingInvites: 0 });
    // the same over TCP: the connection is closed after the 403
    const t = await rawSip('tcp', A.ports.tcp!);
    await sleep(1100);
    t.send(sipRequest({ method: 'OPTIONS', uri: uriOf(A, 'tcp'), transport: 'tcp', localPort: t.localPort }));
    await t.closed;
    expect(t.received.map(statusOf)).toEqual([403]);
    // an allowed peer
    const open = new AccessControl({ log: silentLogger() });
    await open.update([{ id: 'local', uri: 'sip:room@127.0.0.1' }]);
    const B = await startTestStack({ ...FAST, isAllowed: open.decide, userAgent: 'open' });
    cleanup.push(() => B.close());
    const probes: (string | undefined)[] = [];
    B.on('options', (o) => probes.push(o.endpointId));
    expect(await A.options({ uri: uriOf(B), transport: 'udp' })).toMatchObject({
      ok: true,
      status: 200,
      server: 'open',
    });
    expect(probes).toEqual(['local']);
  });
});
