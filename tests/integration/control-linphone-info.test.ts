// A room that asks to speak by SIP INFO DTMF: a real linphonec, configured to send its keypad
// digits as INFO (use_info=1), keys * then 1 during a meeting; the bridge raises its hand.
import { describe, expect, it } from 'vitest';
import { useLinphoneTown } from '../helpers/linphoneBridge.js';
import { until } from '../helpers/wait.js';

const env = useLinphoneTown({ dtmfInfo: true });

describe('raised hand by SIP INFO DTMF from a real linphonec', () => {
  it("*1 keyed on linphonec arrives as INFO and raises the site's hand", async () => {
    const conf = await env.bridge.manager.start({ title: 'INFO 测试', group: 'towns' });
    await until(
      'linphonec connected',
      () => env.bridge.manager.show(conf.id).participants[0]?.state === 'connected',
      15_000,
    );
    env.lin.command('*');
    await new Promise((r) => setTimeout(r, 400));
    env.lin.command('1');
    await until(
      'the hand is up',
      () => (env.bridge.manager.show(conf.id).hands ?? []).some((h) => h.endpointId === 'dengfeng'),
      10_000,
    );
    expect(env.bridge.manager.show(conf.id).hands).toEqual([
      expect.objectContaining({ endpointId: 'dengfeng', via: 'dtmf' }),
    ]);
    expect(
      env.bridge.notifications.some(
        (n) =>
          n.method === 'conference.event' &&
          /hand raised: dengfeng \(DTMF \*1 by SIP INFO\)/.test((n.params as { message: string }).message),
      ),
    ).toBe(true);
  }, 40_000);
});
