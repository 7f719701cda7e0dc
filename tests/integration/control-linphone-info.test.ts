// A room that asks to speak by SIP INFO DTMF: a real linphonec, configured to send its keypad
// digits as INFO (use_info=1), keys * then 1 during a meeting; the bridge raises its hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinphone, type Linphone } from '../peers/linphone.js';
import { startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { until } from '../helpers/wait.js';

let lin: Linphone;
let bridge: Bridge;

beforeAll(async () => {
  lin = await startLinphone({ name: 'dengfeng', autoAnswer: true, dtmfInfo: true });
  bridge = await startBridge({
    endpoints: [
      {
        id: 'dengfeng',
        name: { zh: '登封', en: 'Dengfeng' },
        kind: 'town',
        uri: lin.uri,
        groups: ['towns'],
        codecs: { audio: ['PCMU', 'PCMA'], video: [] },
      },
    ],
  });
}, 30_000);

afterAll(async () => {
  await bridge?.close();
  await lin?.stop();
}, 20_000);

describe('raised hand by SIP INFO DTMF from a real linphonec', () => {
  it("*1 keyed on linphonec arrives as INFO and raises the site's hand", async () => {
    const conf = await bridge.manager.start({ title: 'INFO 测试', group: 'towns' });
    await until(
      'linphonec connected',
      () => bridge.manager.show(conf.id).participants[0]?.state === 'connected',
      15_000,
    );
    lin.command('*');
    await new Promise((r) => setTimeout(r, 400));
    lin.command('1');
    await until(
      'the hand is up',
      () => (bridge.manager.show(conf.id).hands ?? []).some((h) => h.endpointId === 'dengfeng'),
      10_000,
    );
    expect(bridge.manager.show(conf.id).hands).toEqual([
      expect.objectContaining({ endpointId: 'dengfeng', via: 'dtmf' }),
    ]);
    expect(
      bridge.notifications.some(
        (n) =>
          n.method === 'conference.event' &&
          /hand raised: dengfeng \(DTMF \*1 by SIP INFO\)/.test((n.params as { message: string }).message),
      ),
    ).toBe(true);
  }, 40_000);
});
