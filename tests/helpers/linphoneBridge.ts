// One real linphonec as the town "dengfeng" (auto-answer, PCMU/PCMA, no video) and an in-process
// bridge that lists it: the set-up of the tests that check what linphonec does in a meeting. The
// returned object is filled in by the beforeAll this registers; afterAll stops both.
import { afterAll, beforeAll } from 'vitest';
import { startLinphone, type Linphone, type LinphoneOptions } from '../peers/linphone.js';
import { startBridge, type Bridge } from './conferenceBridge.js';

export interface LinphoneBridge {
  lin: Linphone;
  bridge: Bridge;
}

export function useLinphoneTown(opts: Omit<LinphoneOptions, 'name' | 'autoAnswer'>): LinphoneBridge {
  const env = {} as LinphoneBridge;
  beforeAll(async () => {
    env.lin = await startLinphone({ name: 'dengfeng', autoAnswer: true, ...opts });
    env.bridge = await startBridge({
      endpoints: [
        {
          id: 'dengfeng',
          name: { zh: '登封', en: 'Dengfeng' },
          kind: 'town',
          uri: env.lin.uri,
          groups: ['towns'],
          codecs: { audio: ['PCMU', 'PCMA'], video: [] },
        },
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await env.bridge?.close();
    await env.lin?.stop();
  }, 20_000);
  return env;
}
