// Peer-supplied timer values are clamped into documented ranges (README "Security notes and
// limits"), and no delay reaches setTimeout beyond what Node honours.
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, systemClock, timerDelay } from '../../daemon/util/clock.js';
import { REGISTER_EXPIRES, SESSION_EXPIRES, peerSeconds } from '../../daemon/sip/limits.js';
import { SessionTimer, minSEOf, uacSessionTimerResult, uasSessionTimer } from '../../daemon/sip/SessionTimer.js';
import { parseMessage, type SipMessage } from '../../daemon/sip/sipLibrary.js';
import { ManualClock } from '../helpers/manualClock.js';

const CFG = { expires: 1800, minSE: 90 };

function msg(start: string, extra: string[]): SipMessage {
  return parseMessage(
    [
      start,
      'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
      'From: <sip:a@h>;tag=1',
      'To: <sip:b@h>;tag=2',
      'Call-ID: c',
      'CSeq: 1 INVITE',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  )!;
}
const request = (extra: string[]): SipMessage => msg('INVITE sip:b@h SIP/2.0', extra);
const answer = (extra: string[], status = 200): SipMessage => msg(`SIP/2.0 ${status} X`, extra);

describe('timer bounds', () => {
  it('timerDelay keeps every delay within what setTimeout honours; NaN means never, not now', () => {
    expect(timerDelay((4294968 * 1000) / 2)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Infinity)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.NaN)).toBe(MAX_TIMER_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(1500)).toBe(1500);
  });

  it('the system clock does not fire an overflowing delay at once', async () => {
    let fired = false;
    const t = systemClock.setTimeout(() => (fired = true), 2 ** 32);
    await new Promise((r) => setTimeout(r, 50));
    systemClock.clearTimeout(t);
    expect(fired).toBe(false);
  });

  it('peerSeconds takes 1*DIGIT only and clamps it', () => {
    expect(peerSeconds('4294968', SESSION_EXPIRES)).toBe(86_400);
    expect(peerSeconds('99999999999999999999999', REGISTER_EXPIRES)).toBe(86_400);
    expect(peerSeconds('10', SESSION_EXPIRES)).toBe(90);
    expect(peerSeconds(' 1800 ', SESSION_EXPIRES)).toBe(1800);
    for (const bad of ['', '-1', '1e9', '0x10', '12.5', 'abc', undefined, null, -3, 1.5])
      expect(peerSeconds(bad, SESSION_EXPIRES)).toBeUndefined();
  });
});

describe('session timers with overlarge peer values', () => {
  it('a 2xx with Session-Expires: 4294968 is taken as 24 h; the refresh comes after 12 h, not after 1 ms', async () => {
    const st = uacSessionTimerResult(answer(['Session-Expires: 4294968;refresher=uac']), CFG);
    expect(st).toEqual({ interval: SESSION_EXPIRES.max, refresher: 'local' });
    const clock = new ManualClock(0);
    let refreshes = 0;
    const timer = new SessionTimer({ clock, refresh: () => refreshes++, expire: () => undefined });
    timer.arm(st);
    await clock.advance(3600_000);
    expect(refreshes).toBe(0);
    await clock.advance(12 * 3600_000);
    expect(refreshes).toBe(1);
  });

  it('an INVITE asking Session-Expires: 4294968 gets an answer lowered to 24 h (RFC 4028 9: the UAS may lower it)', () => {
    const d = uasSessionTimer(request(['Supported: timer', 'Session-Expires: 4294968;refresher=uas']), CFG);
    expect(d).toMatchObject({
      reject: false,
      headers: { 'session-expires': '86400;refresher=uas' },
      state: { interval: 86_400, refresher: 'local' },
    });
    const big = uasSessionTimer(request(['Supported: timer', 'Min-SE: 99999999999']), CFG);
    expect(big).toMatchObject({ reject: false, state: { interval: 86_400 } });
  });

  it('a 422 naming Min-SE: 4294968 is taken as 24 h', () => {
    expect(minSEOf(answer(['Min-SE: 4294968'], 422))).toBe(86_400);
    expect(minSEOf(answer(['Min-SE: -4'], 422))).toBeUndefined();
  });
});
