// The upstream goes away in the middle of a meeting and comes back: kamailio (the upstream's
// registrar and front door, digest auth) and the baresip MCU behind it are stopped, then started
// again on the same ports with an empty registrar. The daemon must register again and redial the
// upstream on its own, and the town room must hear the MCU (1100 Hz) again, and the MCU the town.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { KamailioUpstream } from '../peers/kamailioUpstream.js';
import { startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { HEARD_DB, call, childPids, participantStates, toneLevel } from './helpers.js';
import { sleep, until } from '../helpers/wait.js';

const PASSWORD = 'upstream-pass';
let mcu: BaresipRoom;
let town: BaresipRoom;
let kam: KamailioUpstream;
let kamPort: number;
let d: RunningDaemon;
let conferenceId: string;

const registration = async (): Promise<string | undefined> =>
  ((await call(d, 'endpoints.list')).result as { id: string; registration: string }[] | undefined)?.find(
    (e) => e.id === 'zhengzhou',
  )?.registration;
const registersAt = (k: KamailioUpstream): number => (k.log.match(/REGISTER ok sip:gongyi@/g) ?? []).length;

beforeAll(async () => {
  [mcu, town] = await Promise.all([
    BaresipRoom.start({ name: 'mcu', toneHz: 1100, audioCodecs: ['PCMA'] }),
    BaresipRoom.start({ name: 'mihe', toneHz: 440, audioCodecs: ['PCMA'] }),
  ]);
  kamPort = await freePort();
  kam = await KamailioUpstream.start({ password: PASSWORD, mcu: mcu.uri, port: kamPort });
  d = await startDaemon({
    config: testConfig(await freePort(), await freePort(), {
      health: { intervalSeconds: 1, timeoutMs: 500 },
      endpoints: [
        {
          id: 'zhengzhou',
          name: { zh: '郑州市政府', en: 'Zhengzhou' },
          kind: 'upstream',
          uri: `sip:gongyi@127.0.0.1:${kamPort}`,
          register: { expires: 300 },
          credentials: { username: 'gongyi', password: PASSWORD },
          codecs: { audio: ['PCMA'], video: [] },
        },
        {
          id: 'mihe',
          name: { zh: '米河镇', en: 'Mihe' },
          kind: 'town',
          uri: town.uri,
          groups: ['towns'],
          codecs: { audio: ['PCMA'], video: [] },
        },
      ],
    }),
  });
}, 40_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  await Promise.all([mcu?.stop(), town?.stop(), kam?.stop()]);
}, 20_000);

describe('the upstream drops and comes back', () => {
  it('registered, in a meeting with the town, each hearing the other', async () => {
    await until('registered', async () => (await registration()) === 'registered', 10_000);
    const r = await call(d, 'conference.start', {
      title: '市政府会议',
      endpoints: ['mihe'],
      upstream: 'zhengzhou',
      mode: 'voice',
    });
    expect(r.error, r.error?.message).toBeUndefined();
    conferenceId = r.result.id;
    await until(
      'both legs connected',
      async () => Object.values(await participantStates(d, conferenceId)).every((s) => s === 'connected'),
      10_000,
    );
    await until(
      'town hears the MCU and the MCU the town',
      async () => (await toneLevel(town, 1100)) > HEARD_DB && (await toneLevel(mcu, 440)) > HEARD_DB,
      8000,
      0,
    );
  }, 30_000);

  it('kamailio and the MCU die; back 3 s later on the same ports: re-registered and redialled, media both ways again', async () => {
    const callsBefore = ((await call(d, 'cdr.list', { conferenceId, endpointId: 'zhengzhou' })).result as unknown[])
      .length;
    // the MCU hangs up (its BYE goes through kamailio), then kamailio is gone without a word: its
    // main process and the worker processes that hold the SIP socket
    await mcu.kill('SIGTERM');
    const kamailioPids = [kam.proc.pid!, ...childPids(kam.proc.pid!, 'kamailio')];
    expect(kamailioPids.length).toBeGreaterThan(1);
    for (const pid of kamailioPids) process.kill(pid, 'SIGKILL');
    await until(
      'the upstream leg dropped',
      async () => (await participantStates(d, conferenceId)).zhengzhou !== 'connected',
      12_000,
    );
    await until(
      'the upstream seen unreachable',
      async () =>
        ((await call(d, 'endpoints.list')).result as { id: string; state: string }[]).find((e) => e.id === 'zhengzhou')
          ?.state === 'unreachable',
      8000,
    );
    await sleep(1000);
    await kam.stop();
    kam = await KamailioUpstream.start({ password: PASSWORD, mcu: mcu.uri, port: kamPort });
    await mcu.restart();
    // the restarted registrar knows nothing: the daemon registers again without waiting for its refresh (300 s)
    await until('a new REGISTER at the restarted kamailio', () => registersAt(kam) > 0, 10_000);
    expect(await registration()).toBe('registered');
    await until(
      'the upstream redialled and connected',
      async () => (await participantStates(d, conferenceId)).zhengzhou === 'connected',
      20_000,
    );
    await until(
      'media both ways again',
      async () => (await toneLevel(town, 1100)) > HEARD_DB && (await toneLevel(mcu, 440)) > HEARD_DB,
      8000,
      0,
    );
    const redialled = ((await call(d, 'cdr.list', { conferenceId, endpointId: 'zhengzhou' })).result as unknown[])
      .length;
    expect(redialled).toBeGreaterThan(callsBefore);
    const metrics = await (await fetch(`http://127.0.0.1:${d.apiPort}/metrics`)).text();
    expect(Number(/^vcbridge_redials_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
