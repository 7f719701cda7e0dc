// The SIP stack against real peers from Debian: baresip (room system), linphonec, kamailio
// (registrar with digest auth). Media here is a plain Node RTP endpoint sending a 1 kHz tone;
// baresip plays a 440 Hz tone and records what it decodes, so each side's RTP is checked on the
// OTHER side.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import type { IncomingCall } from '../../daemon/sip/IncomingCall.js';
import type { RegistrationSnapshot } from '../../daemon/sip/Registration.js';
import { buildOffer } from '../../daemon/sip/sdp.js';
import { buildAnswer, negotiate } from '../../daemon/sip/sdpNegotiate.js';
import { startTestStack } from '../helpers/sipTestStack.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';
import { startLinphone } from '../peers/linphone.js';
import { startKamailio, disposeKamailio, type Kamailio } from '../peers/kamailio.js';
import { startRtpEndpoint, type RtpEndpoint } from '../peers/rtp.js';
import { removeDir, tempDir } from '../peers/proc.js';
import { sleep } from '../helpers/wait.js';
import { readWav, toneShare } from '../peers/wav.js';

let stack: SipStack;
let bob: Baresip;
let recordDir: string;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  recordDir = tempDir('bob-rec');
  [stack, bob] = await Promise.all([
    startTestStack({ timers: { t1: 100, t2: 800 } }),
    startBaresip({ name: 'bob', recordDir }),
  ]);
});
afterAll(async () => {
  await stack?.close();
  await bob?.stop();
  removeDir(recordDir);
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function rtp(): Promise<RtpEndpoint> {
  const r = await startRtpEndpoint();
  cleanup.push(() => r.close());
  return r;
}

const caps = { audio: { codecs: ['PCMU', 'PCMA'] as const } };

/** Point our RTP endpoint at the audio address in `sdp`. */
function sendToward(r: RtpEndpoint, sdp: string): void {
  const a = negotiate(sdp, caps).audio!;
  r.sendTo(a.remote.address, a.remote.port, a.codec.payloadType, 1000);
}

/** The newest "-dec.wav" baresip recorded (what it decoded from us) has our 1 kHz tone. */
function bobHeardOurTone(): { seconds: number; share: number } {
  const files = readdirSync(recordDir)
    .filter((f) => f.endsWith('-dec.wav'))
    .sort();
  const { samples, rate } = readWav(join(recordDir, files[files.length - 1]!));
  return { seconds: samples.length / rate, share: toneShare(samples, rate, 1000) };
}

function nextInvite(): Promise<IncomingCall> {
  return new Promise((r) => stack.once('invite', r));
}

describe('OPTIONS to real peers', () => {
  it('baresip (UDP and TCP) and linphonec answer 200 and say who they are', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const r = await stack.options({ uri: bob.uri, transport });
      expect(r).toMatchObject({ ok: true, status: 200 });
      expect(r.server).toMatch(/baresip/);
      expect(r.rttMs).toBeGreaterThan(0);
    }
    const lin = await startLinphone({ name: 'lin' });
    cleanup.push(() => lin.stop());
    // linphonec (belle-sip) answers OPTIONS with a bare 200: no Server or User-Agent header
    const r = await stack.options({ uri: lin.uri, transport: 'udp' });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.rttMs).toBeGreaterThan(0);
  });

  it('a stopped baresip: timeout over UDP, refused over TCP', async () => {
    const gone = await startBaresip({ name: 'gone' });
    await gone.stop();
    expect(await stack.options({ uri: gone.uri, transport: 'udp' }, { timeoutMs: 600 })).toMatchObject({
      ok: false,
      error: 'timeout',
    });
    expect(await stack.options({ uri: gone.uri, transport: 'tcp' }, { timeoutMs: 600 })).toMatchObject({
      ok: false,
      error: 'unreachable',
    });
  });
});

describe('calls with baresip', () => {
  it('we call baresip: RTP flows both ways, our BYE ends its call', async () => {
    const media = await rtp();
    const since = bob.events.length;
    const call = await stack.dial({
      target: { uri: bob.uri, transport: 'udp' },
      sdpOffer: buildOffer({ address: '127.0.0.1', audio: { port: media.port, codecs: ['PCMU', 'PCMA'] } }),
    });
    await bob.waitEvent('CALL_ESTABLISHED', 5000, since);
    sendToward(media, call.remoteSdp);
    await sleep(1200);
    await call.hangup();
    await bob.waitEvent('CALL_CLOSED', 5000, since);
    expect(media.received.total).toBeGreaterThan(30);
    await sleep(200); // baresip closes the WAV when the call is gone
    const heard = bobHeardOurTone();
    expect(heard.seconds).toBeGreaterThan(0.5);
    expect(heard.share).toBeGreaterThan(0.5);
  });

  it('baresip calls us over TCP: we answer, RTP both ways, its hangup (BYE) ends our call', async () => {
    const media = await rtp();
    const since = bob.events.length;
    const incoming = nextInvite();
    await bob.dial(`sip:bridge@127.0.0.1:${stack.ports.tcp};transport=tcp`);
    const inc = await incoming;
    expect(inc.source.transport).toBe('tcp');
    const neg = negotiate(inc.offer!, caps);
    const call = await inc.accept(buildAnswer(neg, { address: '127.0.0.1', audio: { port: media.port } }).sdp);
    const ended = new Promise((r) => call.once('ended', r));
    await bob.waitEvent('CALL_ESTABLISHED', 5000, since);
    sendToward(media, call.remoteSdp);
    await sleep(1200);
    await bob.hangup();
    expect(await ended).toEqual({ by: 'remote', reason: 'bye' });
    expect(media.received.total).toBeGreaterThan(30);
    await sleep(200);
    expect(bobHeardOurTone().share).toBeGreaterThan(0.5);
  });

  it('CANCEL before the answer, both ways', async () => {
    const carol = await startBaresip({ name: 'carol', answer: 'manual' });
    cleanup.push(() => carol.stop());
    // we give up while carol rings
    const ac = new AbortController();
    const dialled = stack.dial({
      target: { uri: carol.uri, transport: 'udp' },
      sdpOffer: buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMU'] } }),
      signal: ac.signal,
    });
    await carol.waitEvent('CALL_INCOMING');
    ac.abort();
    await expect(dialled).rejects.toMatchObject({ code: 'SIP_FAILED', details: { reason: 'cancelled' } });
    await carol.waitEvent('CALL_CLOSED');
    // carol gives up while we ring
    const incoming = nextInvite();
    const since = carol.events.length;
    await carol.dial(`sip:bridge@127.0.0.1:${stack.ports.udp}`);
    const inc = await incoming;
    inc.ring();
    await carol.waitEvent('CALL_RINGING', 5000, since);
    const cancelled = new Promise((r) => inc.once('cancelled', r));
    await carol.hangup();
    expect(await cancelled).toEqual({ reason: 'cancelled by the caller' });
  });

  it("re-INVITE: our re-offer moves baresip's RTP to a new port; its own re-INVITE reaches us as a re-offer", async () => {
    const first = await rtp();
    const second = await rtp();
    const since = bob.events.length;
    const offer = (port: number, version: number): string =>
      buildOffer({ address: '127.0.0.1', sessionId: '77', version, audio: { port, codecs: ['PCMU'] } });
    const call = await stack.dial({ target: { uri: bob.uri, transport: 'udp' }, sdpOffer: offer(first.port, 1) });
    await bob.waitEvent('CALL_ESTABLISHED', 5000, since);
    await sleep(500);
    expect(first.received.total).toBeGreaterThan(5);
    await call.reinvite(offer(second.port, 2));
    await sleep(600);
    const before = first.received.total;
    await sleep(400);
    expect(first.received.total - before).toBeLessThan(3);
    expect(second.received.total).toBeGreaterThan(10);
    // baresip re-offers (hold: sendonly); we answer
    const reoffer = new Promise<string>((resolve) =>
      call.once('reinvite', (o) => {
        resolve(o.sdp);
        o.accept(buildAnswer(negotiate(o.sdp, caps), { address: '127.0.0.1', audio: { port: second.port } }).sdp);
      }),
    );
    await bob.command('hold');
    expect(await reoffer).toMatch(/a=sendonly/);
    await call.hangup();
    await bob.waitEvent('CALL_CLOSED', 5000, since);
  });
});

describe('session timer with baresip', () => {
  it('baresip has no session timers: we refresh by re-INVITE at half the interval and the call stays up', async () => {
    const timed = await startTestStack({ sessionTimer: { expires: 2, minSE: 1 } });
    cleanup.push(() => timed.close());
    let call: Promise<import('../../daemon/sip/Call.js').Call> | undefined;
    timed.once('invite', (inc) => {
      call = inc.accept(buildAnswer(negotiate(inc.offer!, caps), { address: '127.0.0.1', audio: { port: 40000 } }).sdp);
    });
    const since = bob.events.length;
    await bob.dial(`sip:bridge@127.0.0.1:${timed.ports.udp}`);
    await bob.waitEvent('CALL_ESTABLISHED', 5000, since);
    const c = await call!;
    expect(c.sessionTimer).toEqual({ interval: 2, refresher: 'local' });
    const established = bob.events.length;
    await sleep(2600);
    // each refresh is a re-INVITE carrying our (unchanged) SDP offer
    expect(
      bob.events.slice(established).filter((e) => e.type === 'CALL_REMOTE_SDP' && e.param === 'offer').length,
    ).toBeGreaterThanOrEqual(2);
    expect(c.state).toBe('confirmed');
    await c.hangup();
    await bob.waitEvent('CALL_CLOSED', 5000, since);
  });
});

describe('REGISTER to kamailio', () => {
  let kam: Kamailio;
  beforeAll(async () => {
    kam = await startKamailio({ users: { zhengzhou: 'pa55word' }, minExpires: 1 });
  });
  afterAll(() => disposeKamailio(kam));

  it('registers with digest, is reachable through kamailio, re-registers after kamailio restarts', async () => {
    const states: RegistrationSnapshot[] = [];
    const reg = stack.register({
      registrar: { uri: kam.uri, transport: 'udp' },
      aor: `sip:zhengzhou@${kam.domain}`,
      credentials: { username: 'zhengzhou', password: 'pa55word' },
      expires: 2,
      retry: { minMs: 200, maxMs: 800 },
      timeoutMs: 500,
    });
    cleanup.push(() => reg.close());
    reg.on('state', (s) => states.push(s));
    const waitState = async (state: string, after = 0): Promise<void> => {
      for (let i = 0; i < 100 && !states.slice(after).some((s) => s.state === state); i++) await sleep(50);
      expect(states.slice(after).map((s) => s.state)).toContain(state);
    };
    await waitState('registered');
    expect(states[0]?.state).toBe('registering');
    // a request for the AOR sent to kamailio reaches us: the binding is there
    const viaKamailio = { uri: `sip:zhengzhou@127.0.0.1:${kam.port}`, transport: 'udp' as const };
    expect(await stack.options(viaKamailio)).toMatchObject({ ok: true, status: 200, server: 'vcbridge-test' });
    await kam.stop();
    const failedAt = states.length;
    await waitState('failed', failedAt);
    await kam.start();
    // the restarted kamailio knows nothing until we register again
    await waitState('registered', failedAt);
    expect(await stack.options(viaKamailio)).toMatchObject({ ok: true, status: 200, server: 'vcbridge-test' });
    // a call through kamailio: it record-routes the INVITE, so the caller's ACK and our BYE (the
    // callee's route set comes from the INVITE's Record-Route) go via kamailio
    const caller = await startTestStack({ userAgent: 'caller' });
    cleanup.push(() => caller.close());
    const sdp = buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMU'] } });
    let inbound: Promise<import('../../daemon/sip/Call.js').Call> | undefined;
    stack.once('invite', (inc) => void (inbound = inc.accept(sdp)));
    const out = await caller.dial({ target: viaKamailio, sdpOffer: sdp });
    const ours = await inbound!;
    expect(kam.log()).toMatch(/in-dialog ACK relayed/);
    const theirs = new Promise((r) => out.once('ended', r));
    await ours.hangup();
    expect(await theirs).toEqual({ by: 'remote', reason: 'bye' });
    expect(kam.log()).toMatch(/in-dialog BYE relayed/);
    // a wrong password fails with the status and keeps retrying
    const bad = stack.register({
      registrar: { uri: kam.uri, transport: 'udp' },
      aor: `sip:zhengzhou@${kam.domain}`,
      credentials: { username: 'zhengzhou', password: 'wrong' },
      expires: 60,
      retry: { minMs: 5000, maxMs: 5000 },
    });
    cleanup.push(() => bad.close());
    const failed = await new Promise<RegistrationSnapshot>((r) => bad.on('state', (s) => s.state === 'failed' && r(s)));
    expect(failed).toMatchObject({ status: 401, reason: expect.stringMatching(/authentication failed/) });
  });
});
