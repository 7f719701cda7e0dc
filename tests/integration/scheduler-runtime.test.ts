import { afterEach, describe, expect, it } from 'vitest';
import type { OccurrenceView, PreflightReport } from '../../protocol/index.js';
import type { ScheduleNotice } from '../../daemon/scheduler/types.js';
import { ALICE, harness, siteConfig, type Harness } from '../helpers/schedulerFixture.js';

// The scheduler running meetings by the clock, on a real SQLite file, with a clock the test drives.
// "Daemon down" is a fresh Scheduler + Store on the same file, started later.

const MIN = 60_000;
const MON_0800 = Date.UTC(2026, 11, 7, 0, 0); // Monday 2026-12-07 08:00 Asia/Shanghai
const MON_0900 = MON_0800 + 60 * MIN;
const at = (hhmm: string): number => MON_0800 + (Number(hhmm.slice(0, 2)) - 8) * 60 * MIN + Number(hhmm.slice(3)) * MIN;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function record(hh: Harness): { occurrences: OccurrenceView[]; reports: PreflightReport[]; notices: ScheduleNotice[] } {
  const r = { occurrences: [] as OccurrenceView[], reports: [] as PreflightReport[], notices: [] as ScheduleNotice[] };
  hh.scheduler.on('occurrence', (v) => r.occurrences.push(v));
  hh.scheduler.on('preflight', (p) => r.reports.push(p));
  hh.scheduler.on('notice', (n) => r.notices.push(n));
  return r;
}

function bookMonday(hh: Harness, over: Record<string, unknown> = {}): string {
  return hh.scheduler.add(
    {
      title: '周一例会',
      start: '2026-12-07 09:00',
      durationMinutes: 90,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      group: 'towns',
      upstream: 'zhengzhou',
      ...over,
    },
    ALICE,
  ).schedule.id;
}

describe('a scheduled meeting runs by itself', () => {
  it('pre-checks at 08:45 and 08:58, starts at 09:00 dialling every site, warns at 10:25, ends at 10:30', async () => {
    h = harness({ now: MON_0800 });
    const ev = record(h);
    const id = bookMonday(h);
    h.prober.answers.set('mihe', { ok: false, rttMs: null, reason: 'timeout (no answer to OPTIONS within 2000 ms)' });

    await h.clock.advanceTo(at('08:44'));
    expect(h.prober.calls).toEqual([]);
    await h.clock.advanceTo(at('08:45'));
    await h.scheduler.idle();
    expect(ev.reports.map((r) => [r.stage, r.at])).toEqual([['lead', new Date(at('08:45')).toISOString()]]);
    const lead = ev.reports[0]!;
    expect(lead.sites.find((s) => s.endpointId === 'mihe')).toEqual({
      endpointId: 'mihe',
      status: 'unreachable',
      reason: 'timeout (no answer to OPTIONS within 2000 ms)',
      rttMs: null,
    });
    expect(lead.sites.find((s) => s.endpointId === 'xiaoguan')).toMatchObject({
      status: 'ready',
      lossPct: 0,
      jitterMs: 3,
    });
    // xiaoguan allows a test call (config testCall: true), the others only get OPTIONS
    expect(h.prober.calls.filter((c) => c.kind === 'testCall').map((c) => c.id)).toEqual(['xiaoguan']);
    expect(ev.notices.at(-1)!.message).toMatch(/3\/4 sites ready; mihe unreachable \(timeout/);
    expect(h.scheduler.list()[0]).toMatchObject({ state: 'preflight', preflight: { stage: 'lead' } });

    await h.clock.advanceTo(at('08:58'));
    await h.scheduler.idle();
    expect(ev.reports.map((r) => r.stage)).toEqual(['lead', 'final']);
    expect(h.store.occurrences.preflightReports(id)).toHaveLength(2);
    expect(h.conferences.started).toEqual([]);

    await h.clock.advanceTo(at('09:00'));
    await h.scheduler.idle();
    expect(h.conferences.started).toHaveLength(1);
    const s = h.conferences.started[0]!;
    expect(s.at).toBe(MON_0900);
    expect(s.params).toMatchObject({
      title: '周一例会',
      endpoints: ['xiaoguan', 'zhulin', 'mihe'],
      upstream: 'zhengzhou',
      scheduleId: id,
      occurrenceStart: '2026-12-07T01:00:00.000Z',
      endsAt: '2026-12-07T02:30:00.000Z',
      resume: false,
      durationMinutes: 90,
    });
    expect(h.scheduler.list()[0]).toMatchObject({ state: 'started', conferenceId: s.id });

    await h.clock.advanceTo(at('10:24'));
    expect(h.conferences.notices).toEqual([]);
    await h.clock.advanceTo(at('10:25'));
    await h.scheduler.idle();
    expect(h.conferences.notices).toEqual([
      { at: at('10:25'), id: s.id, message: '"周一例会" ends in 5 minutes (at 10:30)' },
    ]);

    await h.clock.advanceTo(at('10:30'));
    await h.scheduler.idle();
    expect(h.conferences.ended).toEqual([{ at: at('10:30'), id: s.id, reason: 'scheduled end' }]);
    expect(h.scheduler.list()[0]).toMatchObject({ state: 'ended', reason: 'ended at its scheduled time' });
    expect(ev.occurrences.map((o) => o.state)).toEqual(['preflight', 'preflight', 'started', 'ended']);

    // and next Monday again, once
    await h.clock.advanceTo(at('09:00') + 7 * 24 * 60 * MIN);
    await h.scheduler.idle();
    expect(h.conferences.started.map((c) => c.at)).toEqual([MON_0900, MON_0900 + 7 * 24 * 60 * MIN]);
  });

  it("keeps one timer armed at most an hour ahead, and starts a meeting 60 days out on time (beyond setTimeout's 24.8-day limit)", async () => {
    h = harness({ now: MON_0800 });
    const start = MON_0900 + 60 * 24 * 60 * MIN;
    h.scheduler.add(
      { title: 'Far', start: new Date(start).toISOString(), durationMinutes: 30, endpoints: ['jiaoyu'] },
      ALICE,
    );
    expect(h.clock.pending).toBe(1);
    expect(h.clock.nextDue()! - h.clock.now()).toBeLessThanOrEqual(60 * MIN);
    await h.clock.advanceTo(start);
    await h.scheduler.idle();
    expect(h.conferences.started.map((c) => c.at)).toEqual([start]);
    expect(h.clock.pending).toBe(1);
  });

  it('an operator extension moves the end and the notice; an early end by the bridge is recorded, not repeated', async () => {
    h = harness({ now: MON_0800 });
    bookMonday(h);
    await h.clock.advanceTo(at('09:00'));
    await h.scheduler.idle();
    const cid = h.conferences.started[0]!.id;
    h.scheduler.conferenceExtended(cid, at('10:45'));
    await h.clock.advanceTo(at('10:30'));
    await h.scheduler.idle();
    expect(h.conferences.ended).toEqual([]);
    await h.clock.advanceTo(at('10:45'));
    await h.scheduler.idle();
    expect(h.conferences.notices.map((n) => n.at)).toEqual([at('10:40')]);
    expect(h.conferences.ended.map((e) => e.at)).toEqual([at('10:45')]);

    // next week the operator ends it at 09:20 by hand
    const next = 7 * 24 * 60 * MIN;
    await h.clock.advanceTo(at('09:00') + next);
    await h.scheduler.idle();
    const cid2 = h.conferences.started[1]!.id;
    h.conferences.active.delete(cid2);
    h.scheduler.conferenceEnded(cid2, 'ended by alice');
    await h.clock.advanceTo(at('10:30') + next);
    await h.scheduler.idle();
    expect(h.conferences.ended.map((e) => e.id)).toEqual([cid]);
    const occ = h.scheduler.list({
      from: new Date(at('09:00') + next).toISOString(),
      to: new Date(at('11:00') + next).toISOString(),
    })[0];
    expect(occ).toMatchObject({ state: 'ended', reason: 'ended by alice' });
  });

  it('an occurrence cancelled while the bridge is still starting it is ended as soon as it is up', async () => {
    h = harness({ now: MON_0800 });
    const id = bookMonday(h);
    let open!: () => void;
    h.conferences.gate = new Promise<void>((r) => (open = r));
    await h.clock.advanceTo(at('09:00'));
    const cancel = await h.scheduler.cancel({ id, occurrence: '2026-12-07 09:00' }, ALICE);
    expect(cancel.endedConference).toBeUndefined();
    open();
    await h.scheduler.idle();
    expect(h.conferences.started).toHaveLength(1);
    expect(h.conferences.ended).toEqual([
      { at: at('09:00'), id: h.conferences.started[0]!.id, reason: 'meeting cancelled' },
    ]);
  });

  it('a start the bridge refuses is retried within the grace window, then recorded as missed', async () => {
    h = harness({ now: MON_0800, extra: { retryStartSeconds: 240 } });
    const ev = record(h);
    bookMonday(h);
    h.conferences.failStarts = 1;
    await h.clock.advanceTo(at('09:00'));
    await h.scheduler.idle();
    expect(ev.notices.at(-1)!.message).toMatch(/could not start \(bridge busy\); trying again at 09:04/);
    await h.clock.advanceTo(at('09:04'));
    await h.scheduler.idle();
    expect(h.conferences.started.map((c) => c.at)).toEqual([at('09:04')]);
    expect(h.scheduler.list()[0]).toMatchObject({ state: 'started', reason: 'started 240 s late' });

    h.conferences.failStarts = 10;
    const next = 7 * 24 * 60 * MIN;
    await h.clock.advanceTo(at('09:15') + next);
    await h.scheduler.idle();
    const occ = h.scheduler.list({
      from: new Date(at('09:00') + next).toISOString(),
      to: new Date(at('09:01') + next).toISOString(),
    })[0];
    expect(occ).toMatchObject({ state: 'missed', reason: 'could not start: bridge busy' });
  });

  it('a working-day series (调休) runs no pre-flight and dials nobody on National Day, and runs on the make-up Saturday', async () => {
    const day = (d: string, hhmm: string): number => Date.parse(`${d}T${hhmm}:00+08:00`);
    h = harness({ now: day('2026-09-30', '08:00') });
    const ev = record(h);
    const id = h.scheduler.add(
      {
        title: '每日调度会',
        start: '2026-09-30 09:00',
        durationMinutes: 30,
        rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
        group: 'towns',
        workdays: 'cn',
      },
      ALICE,
    ).schedule.id;
    // Wednesday 30 Sep, a working day: pre-flight, then the meeting
    await h.clock.advanceTo(day('2026-09-30', '10:00'));
    await h.scheduler.idle();
    expect(ev.reports.map((r) => r.stage)).toEqual(['lead', 'final']);
    expect(h.conferences.started).toHaveLength(1);
    const probesBefore = h.prober.calls.length;

    // 1–7 Oct (国庆节, the Thursday and Friday and the week after): no pre-flight, no probe, no dialling
    await h.clock.advanceTo(day('2026-10-07', '23:00'));
    await h.scheduler.idle();
    expect(ev.reports.map((r) => r.stage)).toEqual(['lead', 'final']);
    expect(h.prober.calls).toHaveLength(probesBefore);
    expect(h.conferences.started).toHaveLength(1);
    const skipped = h.scheduler.list({ from: '2026-10-01T00:00:00+08:00', to: '2026-10-08T00:00:00+08:00' });
    expect(skipped.map((o) => [o.start, o.state, o.reason])).toEqual(
      ['01', '02', '05', '06', '07'].map((d) => [
        new Date(day(`2026-10-${d}`, '09:00')).toISOString(),
        'skipped',
        'holiday: 国庆节',
      ]),
    );
    // … and nothing of it reached the store as a check or a meeting
    expect(h.store.occurrences.preflightReports(id)).toHaveLength(2);

    // Thursday 8 and Friday 9 Oct are working days again, Saturday 10 Oct a make-up working day (补班)
    await h.clock.advanceTo(day('2026-10-10', '10:00'));
    await h.scheduler.idle();
    expect(h.conferences.started.map((c) => c.at)).toEqual([
      day('2026-09-30', '09:00'),
      day('2026-10-08', '09:00'),
      day('2026-10-09', '09:00'),
      day('2026-10-10', '09:00'),
    ]);
    expect(ev.reports.filter((r) => r.stage === 'lead').map((r) => r.occurrenceStart)).toEqual(
      ['2026-09-30', '2026-10-08', '2026-10-09', '2026-10-10'].map((d) => new Date(day(d, '09:00')).toISOString()),
    );
  });
});

describe('restart safety (a fresh Scheduler and Store on the same SQLite file)', () => {
  it('down across the start but back within the grace window: the meeting starts late', async () => {
    h = harness({ now: MON_0800 });
    const id = bookMonday(h);
    await h.clock.advanceTo(at('08:50'));
    await h.scheduler.idle();
    await h.restart(at('09:06'));
    expect(h.conferences.started.map((c) => [c.at, c.params.scheduleId, c.params.resume])).toEqual([
      [at('09:06'), id, false],
    ]);
    expect(h.scheduler.list()[0]).toMatchObject({ state: 'started', reason: 'started 360 s late' });
    // the lead pre-flight ran before the crash and is not repeated; the final one was missed while down
    expect(h.store.occurrences.preflightReports(id).map((r) => (r.report as PreflightReport).stage)).toEqual(['lead']);
  });

  it('down beyond the grace window: recorded as missed, shown in the list, never started', async () => {
    h = harness({ now: MON_0800 });
    const id = bookMonday(h);
    await h.restart(at('09:11'));
    const notices: ScheduleNotice[] = [];
    h.scheduler.on('notice', (n) => notices.push(n));
    expect(h.conferences.started).toEqual([]);
    const occ = h.scheduler.list()[0]!;
    expect(occ).toMatchObject({ scheduleId: id, state: 'missed' });
    expect(occ.reason).toMatch(/not running at 2026-12-07 09:00 and the 10 min grace window had passed/);
    await h.clock.advanceTo(at('10:30'));
    await h.scheduler.idle();
    expect(h.conferences.started).toEqual([]);
  });

  it('a meeting in progress when the daemon died is resumed (sites re-dialled) and still ends on time', async () => {
    h = harness({ now: MON_0800 });
    const id = bookMonday(h);
    await h.clock.advanceTo(at('09:00'));
    await h.scheduler.idle();
    const first = h.conferences.started[0]!;
    // the daemon dies: its conferences die with it
    h.conferences.active.clear();
    await h.restart(at('09:30'));
    expect(h.conferences.started).toHaveLength(2);
    expect(h.conferences.started[1]).toMatchObject({
      at: at('09:30'),
      params: {
        scheduleId: id,
        resume: true,
        occurrenceStart: first.params.occurrenceStart,
        endsAt: '2026-12-07T02:30:00.000Z',
        durationMinutes: 60,
      },
    });
    const resumed = h.conferences.started[1]!.id;
    expect(h.scheduler.list()[0]).toMatchObject({
      state: 'started',
      conferenceId: resumed,
      reason: 'resumed after a daemon restart',
    });
    await h.clock.advanceTo(at('10:30'));
    await h.scheduler.idle();
    expect(h.conferences.ended).toEqual([{ at: at('10:30'), id: resumed, reason: 'scheduled end' }]);
  });

  it('a meeting whose end passed while the daemon was down is closed, not resumed', async () => {
    h = harness({ now: MON_0800 });
    bookMonday(h);
    await h.clock.advanceTo(at('09:00'));
    await h.scheduler.idle();
    h.conferences.active.clear();
    await h.restart(at('11:00'));
    expect(h.conferences.started).toHaveLength(1);
    expect(h.scheduler.list()[0]).toMatchObject({
      state: 'ended',
      reason: 'its end time passed while the daemon was not running',
    });
  });

  it('a different grace window from the config is honoured', async () => {
    h = harness({ now: MON_0800, config: siteConfig({ scheduler: { graceMinutes: 30 } }) });
    bookMonday(h);
    await h.restart(at('09:25'));
    expect(h.conferences.started.map((c) => c.at)).toEqual([at('09:25')]);
  });
});
