// A real linphonec with SRTP mandatory (media_encryption=srtp, media_encryption_mandatory=1): the
// bridge dials it and it answers encrypted; then it hangs up and dials in to the conference itself,
// and that leg connects encrypted too (conf show names the suite and marks it 🔒).
import { describe, expect, it } from 'vitest';
import { useLinphoneTown } from '../helpers/linphoneBridge.js';
import { until } from '../helpers/wait.js';
import { renderConference } from '../../cli/confRender.js';
import type { ConferenceView, ParticipantView } from '../../protocol/index.js';

const SUITE = /^(AES_CM_128_HMAC_SHA1_(80|32)|AEAD_AES_128_GCM)$/;
let conf: ConferenceView;
const leg = (): ParticipantView | undefined =>
  env.bridge.manager.show(conf.id).participants.find((p) => p.endpointId === 'dengfeng');

const env = useLinphoneTown({ srtpMandatory: true });

describe('linphonec with SRTP mandatory', () => {
  it("answers the bridge's call encrypted", async () => {
    conf = await env.bridge.manager.start({ title: 'SRTP linphone', group: 'towns' });
    await until('linphonec connected', () => leg()?.state === 'connected', 15_000);
    expect(leg()?.direction).toBe('out');
    expect(leg()?.srtp).toMatch(SUITE);
  }, 30_000);

  it('dials in to the conference and connects encrypted; conf show marks the leg 🔒', async () => {
    await env.bridge.manager.get(conf.id).hangup('dengfeng');
    await until('the leg is down', () => leg()?.state === 'hungup', 10_000);
    await until('linphonec idle again', () => /Call 1 with \S+ ended/.test(env.lin.log()), 10_000);
    env.lin.command(`call sip:bridge@127.0.0.1:${env.bridge.sipPort}`);
    await until('linphonec in by dial-in', () => leg()?.state === 'connected', 15_000);
    const p = leg()!;
    expect(p.direction).toBe('in');
    await env.lin.waitFor(/Media streams established with sip:bridge@/, 10_000);
    expect(p.srtp).toMatch(SUITE);
    expect(renderConference(env.bridge.manager.show(conf.id), 'en')).toMatch(/dengfeng\s.*🔒/);
  }, 40_000);
});
