// Faults during a meeting, with the built daemon and two real baresip rooms (440 Hz and 660 Hz).
// Judged by what the rooms hear (each must hear the other's tone), not only by what the daemon says.
//   1. SIGKILL of the mediasoup worker hosting the meeting: both rooms hear each other again within 5 s.
//   2. SIGKILL of the daemon itself and a restart: the schedules are intact, and the meeting is back
//      under the same id with every room connected and hearing the other within 10 s.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { HEARD_DB, allConnected, call, childPids, toneLevel } from './helpers.js';
import { sleep, until } from '../helpers/wait.js';

let mihe: BaresipRoom;
let xiaoguan: BaresipRoom;
let d: RunningDaemon;
let conferenceId: string;
const daemons: RunningDaemon[] = [];

/** Both rooms hear the other's tone now. */
async function bothHear(): Promise<boolean> {
  const [a, b] = await Promise.all([toneLevel(mihe, 660, 600), toneLevel(xiaoguan, 440, 600)]);
  return a > HEARD_DB && b > HEARD_DB;
}

beforeAll(async () => {
  [mihe, xiaoguan] = await Promise.all([
    BaresipRoom.start({ name: 'mihe', toneHz: 440, audioCodecs: ['PCMA'] }),
    BaresipRoom.start({ name: 'xiaoguan', toneHz: 660, audioCodecs: ['PCMU'] }),
  ]);
  d = await startDaemon({
    config: testConfig(await freePort(), await freePort(), {
      scheduler: { preflightLeadMinutes: 0, graceMinutes: 5 },
      endpoints: [
        {
          id: 'mihe',
          name: { zh: '米河镇', en: 'Mihe' },
          kind: 'town',
          uri: mihe.uri,
          groups: ['towns'],
          codecs: { audio: ['PCMA'], video: [] },
        },
        {
          id: 'xiaoguan',
          name: { zh: '小关镇', en: 'Xiaoguan' },
          kind: 'town',
          uri: xiaoguan.uri,
          groups: ['towns'],
          codecs: { audio: ['PCMU'], video: [] },
        },
      ],
    }),
  });
  daemons.push(d);
}, 40_000);

afterAll(async () => {
  await Promise.all(daemons.map((x) => x.stop('SIGKILL')));
  await Promise.all([mihe?.stop(), xiaoguan?.stop()]);
}, 20_000);

describe('faults during a meeting with real rooms', () => {
  it('a scheduled meeting starts by itself and both rooms hear each other', async () => {
    const start = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000).toISOString();
    const weekly = await call(d, 'schedule.add', {
      title: '周例会',
      start,
      durationMinutes: 30,
      rrule: 'FREQ=WEEKLY',
      group: 'towns',
      mode: 'voice',
    });
    expect(weekly.error, weekly.error?.message).toBeUndefined();
    const later = await call(d, 'schedule.add', {
      title: '月度会',
      start: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      durationMinutes: 60,
      endpoints: ['mihe'],
    });
    expect(later.error, later.error?.message).toBeUndefined();
    await until(
      'the meeting started',
      async () => ((await call(d, 'conference.list')).result as unknown[]).length === 1,
      10_000,
    );
    conferenceId = (await call(d, 'conference.list')).result[0].id;
    await until('both rooms connected', () => allConnected(d, conferenceId), 10_000);
    await until('both rooms hear each other', bothHear, 8000, 0);
  }, 30_000);

  it('SIGKILL of the mediasoup worker hosting the meeting: both rooms hear each other again', async () => {
    const routerLine = new RegExp(
      `"conferenceId":"${conferenceId}","worker":\\d+,"pid":(\\d+),"msg":"router created"`,
    ).exec(d.output());
    const workerPid = Number(routerLine?.[1]);
    expect(childPids(d.proc.pid!, 'mediasoup-worker'), "the router's worker is a child of the daemon").toContain(
      workerPid,
    );
    process.kill(workerPid, 'SIGKILL');
    await sleep(300);
    await until('media back in both rooms', bothHear, 30_000, 0);
    expect(await allConnected(d, conferenceId)).toBe(true);
    expect(childPids(d.proc.pid!, 'mediasoup-worker')).not.toContain(workerPid);
    const metrics = await (await fetch(`http://127.0.0.1:${d.apiPort}/metrics`)).text();
    expect(metrics).toMatch(/^vcbridge_media_worker_restarts_total 1$/m);
  }, 60_000);

  it('SIGKILL of the daemon and a restart: schedules intact, the meeting resumed under its id, rooms hear each other', async () => {
    const before = (await call(d, 'schedule.list', { all: true })).result as unknown[];
    const shows = await Promise.all(
      [...new Set((before as { scheduleId: string }[]).map((o) => o.scheduleId))].map(
        async (id) => (await call(d, 'schedule.show', { id })).result,
      ),
    );
    d.proc.kill('SIGKILL');
    await d.exited;
    d = await startDaemon({ dir: d.dir });
    daemons.push(d);
    await until('every room connected again', () => allConnected(d, conferenceId), 30_000);
    await until('both rooms hear each other', bothHear, 30_000, 0);
    const conferences = (await call(d, 'conference.list')).result as { id: string; title: string }[];
    expect(
      conferences.map((c) => c.id),
      'one meeting, the same one',
    ).toEqual([conferenceId]);
    // the scheduler sees its meeting running: it did not start a second one
    const occ = (
      (await call(d, 'schedule.list')).result as { title: string; state: string; conferenceId?: string }[]
    ).find((o) => o.title === '周例会');
    expect(occ).toMatchObject({ state: 'started', conferenceId });
    const after = (await call(d, 'schedule.list', { all: true })).result as unknown[];
    expect(after.length).toBe(before.length);
    for (const s of shows) {
      const again = (await call(d, 'schedule.show', { id: (s as { id: string }).id })).result as Record<
        string,
        unknown
      >;
      expect({ ...again, upcoming: undefined, lastPreflight: undefined }).toEqual({
        ...(s as Record<string, unknown>),
        upcoming: undefined,
        lastPreflight: undefined,
      });
    }
    // the store survived the kill: no corruption, the killed run's legs closed
    const db = new Database(join(d.dataDir, 'vcbridge.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const legs = db
        .prepare('SELECT end_reason FROM cdr WHERE conference_id = ? AND ended_at IS NOT NULL')
        .all(conferenceId) as { end_reason: string }[];
      expect(legs.map((l) => l.end_reason)).toContain('the daemon stopped during the call');
    } finally {
      db.close();
    }
  }, 90_000);
});
