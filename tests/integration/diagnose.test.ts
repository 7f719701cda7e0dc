import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { TOKENS, rawConnect, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

// endpoint.diagnose through the real daemon: OPTIONS per transport, then a short test call to a real
// baresip room, with media measured both ways.
let room: BaresipRoom | undefined;
let d: RunningDaemon | undefined;
let deadPort: number;

beforeAll(async () => {
  room = await BaresipRoom.start({ name: 'xiaoguan', toneHz: 440 });
  deadPort = await freePort();
  const cfg = testConfig(await freePort(), await freePort(), {
    endpoints: [
      {
        id: 'xiaoguan',
        name: { zh: '小关镇', en: 'Xiaoguan' },
        kind: 'town',
        uri: room.uri,
        groups: ['towns'],
        testCall: true,
      },
      {
        id: 'zhulin',
        name: { zh: '竹林镇', en: 'Zhulin' },
        kind: 'town',
        uri: `sip:zhulin@127.0.0.1:${deadPort}`,
        groups: ['towns'],
      },
    ],
  });
  d = await startDaemon({ config: cfg });
}, 60_000);

afterAll(async () => {
  await d?.stop();
  await room?.stop();
});

describe('endpoint.diagnose', () => {
  it('a live room: OPTIONS answered, the test call sets up and media flows both ways; the call is in the CDR', async () => {
    const c = await rawConnect(d!.url, TOKENS.technician);
    const r: any = await c.call('endpoint.diagnose', { id: 'xiaoguan' });
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.result.probes[0]).toMatchObject({ ok: true, status: 200 });
    expect(r.result.call).toMatchObject({ ok: true });
    expect(r.result.media.ok).toBe(true);
    expect(r.result.media.kbpsIn).toBeGreaterThan(10);
    expect(r.result.media.kbpsOut).toBeGreaterThan(10);
    expect(r.result.verdict).toMatch(/ok|degraded/);
    const op = await rawConnect(d!.url, TOKENS.operator);
    const cdr: any = await op.call('cdr.list', {});
    expect(cdr.result.some((row: any) => row.endpointId === 'xiaoguan' && row.answeredAt && row.endedAt)).toBe(true);
    c.close();
    op.close();
  }, 40_000);

  it('a dead address fails at OPTIONS with a likely cause, without a test call; a viewer may not diagnose', async () => {
    const c = await rawConnect(d!.url, TOKENS.technician);
    const r: any = await c.call('endpoint.diagnose', { id: 'zhulin' });
    expect(r.result.verdict).toBe('failed');
    expect(r.result.call).toBeUndefined();
    expect(r.result.likelyCause).toBeTruthy();
    const v = await rawConnect(d!.url, TOKENS.viewer);
    expect(((await v.call('endpoint.diagnose', { id: 'zhulin' })) as any).error.data.code).toBe('FORBIDDEN');
    expect(((await c.call('endpoint.diagnose', { id: 'nope' })) as any).error.data.code).toBe('ENDPOINT_UNKNOWN');
    c.close();
    v.close();
  }, 30_000);
});
