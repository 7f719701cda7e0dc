import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../daemon/sip/AccessControl.js';
import { RateLimiter } from '../../daemon/util/RateLimiter.js';
import { SessionTimer, uacSessionTimerResult, uasSessionTimer } from '../../daemon/sip/SessionTimer.js';
import { parseMessage, type SipMessage } from '../../daemon/sip/sipLibrary.js';
import type { SipSource } from '../../daemon/sip/message.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { ManualClock } from '../helpers/manualClock.js';

function req(method: string, extra: string[] = [], from = 'sip:x@h'): SipMessage {
  return parseMessage(
    [
      `${method} sip:bridge@127.0.0.1 SIP/2.0`,
      'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
      `From: <${from}>;tag=1`,
      'To: <sip:bridge@127.0.0.1>',
      'Call-ID: c',
      `CSeq: 1 ${method}`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  )!;
}
const src = (address: string, port = 5060): SipSource => ({ address, port, transport: 'udp' });

describe('SIP access control', () => {
  it('allows configured endpoints by URI host and allowFrom, refuses the rest with 403, then drops over the rate limit', async () => {
    const clock = new ManualClock(0);
    const ac = new AccessControl({ log: silentLogger(), clock, rejectsPerSecond: 1, rejectBurst: 2 });
    await ac.update([
      { id: 'xiaoguan', uri: 'sip:room@10.0.0.1:5060', allowFrom: ['10.0.0.9'] },
      { id: 'mcu', uri: 'sip:mcu@localhost:5070' },
    ]);
    expect(ac.decide(src('10.0.0.1'), req('INVITE'))).toEqual({ action: 'allow', endpointId: 'xiaoguan' });
    expect(ac.decide(src('10.0.0.9'), req('OPTIONS'))).toEqual({ action: 'allow', endpointId: 'xiaoguan' });
    // a host name from /etc/hosts
    expect(ac.decide(src('127.0.0.1', 5070), req('REGISTER'))).toEqual({ action: 'allow', endpointId: 'mcu' });
    const stranger = src('192.0.2.7');
    expect(ac.decide(stranger, req('INVITE'))).toMatchObject({ action: 'reject', status: 403 });
    expect(ac.decide(stranger, req('OPTIONS'))).toMatchObject({ action: 'reject', status: 403 });
    expect(ac.decide(stranger, req('REGISTER'))).toEqual({ action: 'drop' });
    await clock.advance(1000);
    expect(ac.decide(stranger, req('INVITE'))).toMatchObject({ action: 'reject' });
    expect(ac.stats()).toMatchObject({ rejected: 3, dropped: 1 });
  });

  it('endpoints sharing an address are told apart by port, then by From user; challengeDialIn asks for digest', async () => {
    const ac = new AccessControl({ log: silentLogger() });
    await ac.update([
      { id: 'a', uri: 'sip:town-a@127.0.0.1:6001' },
      {
        id: 'b',
        uri: 'sip:town-b@127.0.0.1:6002',
        challengeDialIn: true,
        credentials: { username: 'b', password: 'pw' },
      },
      { id: 'c', uri: 'sip:town-c@127.0.0.1:6003' },
    ]);
    expect(ac.decide(src('127.0.0.1', 6002), req('INVITE'))).toEqual({
      action: 'allow',
      endpointId: 'b',
      challenge: { username: 'b', password: 'pw' },
    });
    // OPTIONS are never challenged
    expect(ac.decide(src('127.0.0.1', 6002), req('OPTIONS'))).toEqual({ action: 'allow', endpointId: 'b' });
    expect(ac.identify(src('127.0.0.1', 40000), req('INVITE', [], 'sip:town-c@127.0.0.1'))).toBe('c');
  });

  it('a reload replaces the allow-list', async () => {
    const ac = new AccessControl({ log: silentLogger() });
    await ac.update([{ id: 'a', uri: 'sip:a@10.0.0.1' }]);
    expect(ac.decide(src('10.0.0.1'), req('INVITE')).action).toBe('allow');
    await ac.update([{ id: 'b', uri: 'sip:b@10.0.0.2' }]);
    expect(ac.decide(src('10.0.0.1'), req('INVITE')).action).toBe('reject');
    expect(ac.decide(src('10.0.0.2'), req('INVITE')).action).toBe('allow');
  });

  it('the rate limiter forgets refilled buckets and refuses new keys when full (bounded memory)', async () => {
    const clock = new ManualClock(0);
    const rl = new RateLimiter({ perSecond: 10, burst: 1, maxKeys: 100, clock });
    for (let i = 0; i < 100; i++) expect(rl.take(`k${i}`)).toBe(true);
    expect(rl.take('new')).toBe(false);
    expect(rl.size).toBe(100);
    await clock.advance(61_000);
    expect(rl.take('new')).toBe(true);
    expect(rl.size).toBe(1);
  });
});

describe('session timers (RFC 4028)', () => {
  const cfg = { expires: 1800, minSE: 90 };

  it('as UAS: too small an interval is 422, the requester refreshes when it supports timers, else we do', () => {
    expect(uasSessionTimer(req('INVITE', ['Session-Expires: 30']), cfg)).toEqual({ reject: true, minSE: 90 });
    expect(uasSessionTimer(req('INVITE', ['Session-Expires: 600;refresher=uac', 'Supported: timer']), cfg)).toEqual({
      reject: false,
      headers: { 'session-expires': '600;refresher=uac', require: 'timer' },
      state: { interval: 600, refresher: 'remote' },
    });
    expect(uasSessionTimer(req('INVITE', ['Supported: 100rel, timer']), cfg)).toMatchObject({
      state: { interval: 1800, refresher: 'remote' },
    });
    expect(uasSessionTimer(req('INVITE'), cfg)).toEqual({
      reject: false,
      headers: { 'session-expires': '1800;refresher=uas' },
      state: { interval: 1800, refresher: 'local' },
    });
    expect(uasSessionTimer(req('INVITE', ['Session-Expires: 600']), false)).toEqual({ reject: false, headers: {} });
  });

  it('as UAC: the 2xx says who refreshes; no Session-Expires means no timer', () => {
    const ok = (h: string[]): SipMessage =>
      parseMessage(
        [
          'SIP/2.0 200 OK',
          'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
          'From: <sip:a@h>;tag=1',
          'To: <sip:b@h>;tag=2',
          'Call-ID: c',
          'CSeq: 1 INVITE',
          ...h,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      )!;
    expect(uacSessionTimerResult(ok(['Session-Expires: 120;refresher=uac']), cfg)).toEqual({
      interval: 120,
      refresher: 'local',
    });
    expect(uacSessionTimerResult(ok(['x: 120;refresher=uas']), cfg)).toEqual({ interval: 120, refresher: 'remote' });
    expect(uacSessionTimerResult(ok([]), cfg)).toBeUndefined();
  });

  it('the refresher refreshes at half the interval; the other side gives up shortly before the end', async () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    const t = new SessionTimer({
      clock,
      refresh: () => seen.push(`refresh@${clock.now()}`),
      expire: () => seen.push(`expire@${clock.now()}`),
    });
    t.arm({ interval: 120, refresher: 'local' });
    await clock.advance(200_000);
    t.arm({ interval: 90, refresher: 'remote' });
    await clock.advance(100_000);
    expect(seen).toEqual(['refresh@60000', `expire@${200_000 + 60_000}`]);
  });
});
