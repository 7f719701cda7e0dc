import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { TOKENS, rawConnect, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { CliError } from '../../cli/errors.js';
import { runDiagnosis, type Diagnosis } from '../../cli/ui/data/diagnose.js';
import type { ConsoleApi } from '../../cli/ui/data/types.js';
import { translator } from '../../cli/ui/i18n/translate.js';
import type { EndpointDiagnoseResult } from '../../protocol/index.js';

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
    const media = (r.result as EndpointDiagnoseResult).media!;
    expect(media.packetsSent).toBeGreaterThan(50);
    expect(media.packetsReceived).toBeGreaterThan(50);
    expect(r.result.verdict).toMatch(/ok|degraded/);
    const op = await rawConnect(d!.url, TOKENS.operator);
    const cdr: any = await op.call('cdr.list', {});
    expect(cdr.result.some((row: any) => row.endpointId === 'xiaoguan' && row.answeredAt && row.endedAt)).toBe(true);
    c.close();
    op.close();
  }, 40_000);

  it("the console's diagnosis screen shows the packets the daemon counted both ways", async () => {
    const c = await rawConnect(d!.url, TOKENS.technician);
    const api: ConsoleApi = {
      call: (async (method: string, params?: unknown) => {
        const r = await c.call(method, params);
        if (r.error) throw new CliError(r.error.code, r.error.message);
        return r.result;
      }) as ConsoleApi['call'],
    };
    let final: Diagnosis;
    try {
      final = await runDiagnosis(api, 'xiaoguan', translator('en'), () => undefined);
    } finally {
      c.close();
    }
    const media = final.steps.find((s) => s.id === 'media');
    expect(media?.state, media?.detail).toMatch(/ok|warn/);
    const m = /sent (\d+) \/ received (\d+) packets/.exec(media?.detail ?? '');
    expect(m, media?.detail).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(50);
    expect(Number(m![2])).toBeGreaterThan(50);
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
