import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OccurrenceView } from '../../protocol/index.js';
import { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import { conferenceControl, followConferences } from '../../daemon/scheduler/wiring.js';
import { systemClock } from '../../daemon/util/clock.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { optionsPing } from '../helpers/sipOptions.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';

// The whole path of a scheduled meeting with real parts: the scheduler (real clock) starts the
// conference bridge (SIP stack, mediasoup workers) at the booked time, the bridge dials two real
// baresip rooms, and cancelling the occurrence hangs them up again.

let rooms: Baresip[] = [];
let bridge: Bridge | undefined;
let scheduler: Scheduler | undefined;

beforeAll(async () => {
  rooms = [await startBaresip({ name: 'xiaoguan' }), await startBaresip({ name: 'zhulin' })];
  bridge = await startBridge({
    endpoints: rooms.map((r) => ({
      id: r.name,
      kind: 'town',
      name: { zh: r.name, en: r.name },
      uri: r.uri,
      groups: ['towns'],
    })),
  });
  const uriOf = new Map(bridge.config.endpoints.map((e) => [e.id, e.uri]));
  scheduler = new Scheduler({
    store: bridge.store,
    config: bridge.config,
    clock: systemClock,
    log: silentLogger(),
    prober: { probe: (id) => optionsPing(uriOf.get(id)!) },
    conferences: conferenceControl(bridge.manager),
  });
  followConferences(bridge.manager, scheduler);
  scheduler.start();
}, 60_000);

afterAll(async () => {
  await scheduler?.close();
  await bridge?.close();
  for (const r of rooms) await r.stop();
});

describe('a scheduled meeting with the real bridge and baresip rooms', () => {
  it('starts on time, dials every room, and a cancel hangs them up', async () => {
    const s = scheduler!;
    const seen: OccurrenceView[] = [];
    s.on('occurrence', (o) => seen.push(o));
    const start = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const { schedule } = s.add(
      { title: 'Town check-in', start: new Date(start).toISOString(), durationMinutes: 30, group: 'towns' },
      { name: 'alice', role: 'operator' },
    );

    // the first call event a room reports (it answers at once: CALL_REMOTE_SDP for the INVITE's offer)
    const firstEvent = (r: Baresip): Promise<number> =>
      new Promise((resolve, reject) => {
        const since = r.events.length;
        const deadline = Date.now() + 10_000;
        const poll = (): void => {
          if (r.events.length > since) resolve(Date.now());
          else if (Date.now() > deadline) reject(new Error(`${r.name} saw no call`));
          else setTimeout(poll, 5);
        };
        poll();
      });
    const incoming = await Promise.all(rooms.map(firstEvent));
    // what the rooms saw: the INVITE at the booked time, not before (how late is bench/scheduler's figure)
    for (const t of incoming) expect(t - start).toBeGreaterThanOrEqual(0);
    await Promise.all(rooms.map((r) => r.waitEvent('CALL_ESTABLISHED', 10_000)));
    const running = s.list({ scheduleId: schedule.id })[0]!;
    expect(running).toMatchObject({ state: 'started' });
    expect(bridge!.manager.isActive(running.conferenceId!)).toBe(true);
    expect(bridge!.manager.show(running.conferenceId!).scheduleId).toBe(schedule.id);

    const r = await s.cancel({ id: schedule.id, occurrence: running.start }, { name: 'alice', role: 'operator' });
    expect(r.endedConference).toBe(running.conferenceId);
    await Promise.all(rooms.map((room) => room.waitEvent('CALL_CLOSED', 10_000)));
    expect(bridge!.manager.isActive(running.conferenceId!)).toBe(false);
    // booked inside the lead time: the final pre-flight runs at once; the bridge reports the end, then the cancel
    expect(seen.map((o) => o.state)).toEqual(['preflight', 'started', 'ended', 'cancelled']);
  }, 40_000);
});
