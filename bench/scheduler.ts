// Scheduler figures: recurrence expansion for 1,000 series over a year, booking (conflict check)
// against 1,000 stored series, and start accuracy of 20 meetings by the real clock (scheduled
// time vs the moment ConferenceControl.start is called), including meetings that start right
// after a restart. Run: npx tsx bench/scheduler.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteConfig } from '../daemon/config/schema.js';
import { Recurrence } from '../daemon/scheduler/Recurrence.js';
import { Scheduler } from '../daemon/scheduler/Scheduler.js';
import type { ConferenceControl, ScheduledStart } from '../daemon/scheduler/types.js';
import { zonedTimeToUtc } from '../daemon/scheduler/zonedTime.js';
import { Store } from '../daemon/store/Store.js';
import { systemClock } from '../daemon/util/clock.js';
import { silentLogger } from '../daemon/util/logger.js';

const DAY = 86_400_000;
const RULES = [
  'FREQ=WEEKLY;BYDAY=MO',
  'FREQ=WEEKLY;BYDAY=MO,WE,FR',
  'FREQ=DAILY',
  'FREQ=MONTHLY;BYDAY=1TU',
  'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH',
];
const ZONES = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York'];
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function expansion(): void {
  const start = zonedTimeToUtc({ year: 2026, month: 1, day: 5, hour: 9 }, 'Asia/Shanghai');
  for (const round of ['cold', 'warm']) {
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      const r = new Recurrence({
        startUtc: start + (i % 600) * 60_000,
        durationMs: 3_600_000,
        rrule: RULES[i % RULES.length]!,
        tz: ZONES[i % ZONES.length]!,
      });
      n += r.startsBetween(start, start + 365 * DAY).length;
    }
    console.log(
      `expansion, 1,000 series over a year (${round}): ${ms(performance.now() - t0)} for ${n.toLocaleString('en')} occurrences`,
    );
  }
}

function config(endpoints: number): SiteConfig {
  return SiteConfig.parse({
    site: { name: 'bench', timezone: 'Asia/Shanghai' },
    operators: [{ name: 'bench', role: 'operator', tokenHash: `sha256:${'0'.repeat(64)}` }],
    scheduler: { maxConcurrentConferences: 10_000, maxLegs: 100_000, preflightLeadMinutes: 15, graceMinutes: 10 },
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      id: `ep${i}`,
      kind: 'town',
      name: { zh: `e${i}`, en: `e${i}` },
      uri: `sip:ep${i}@127.0.0.1:5999`,
    })),
  });
}

class TimedConferences implements ConferenceControl {
  readonly lateness = new Map<string, number>();
  #n = 0;
  async start(p: ScheduledStart): Promise<{ id: string }> {
    const now = Date.now();
    if (!p.resume) this.lateness.set(p.scheduleId, now - Date.parse(p.occurrenceStart));
    return { id: `c-${++this.#n}` };
  }
  notice(): void {}
  end(): void {}
  isActive(): boolean {
    return true;
  }
}

const actor = { name: 'bench', role: 'operator' };

function loadSeries(s: Scheduler, count: number, endpointOffset: number): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    s.add(
      {
        title: `series ${i}`,
        start: new Date(Date.now() + DAY + i * 7 * 60_000).toISOString(),
        durationMinutes: 5,
        rrule: RULES[i % RULES.length],
        endpoints: [`ep${endpointOffset + i}`],
        timezone: ZONES[i % ZONES.length],
      },
      actor,
    );
  }
  return performance.now() - t0;
}

async function accuracy(background: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-sched-'));
  const file = join(dir, 'vcbridge.db');
  const cfg = config(background + 41);
  const conferences = new TimedConferences();
  const prober = { probe: async () => ({ ok: true, rttMs: 1 }) };
  let store = Store.open(file);
  let s = new Scheduler({ store, config: cfg, clock: systemClock, log: silentLogger(), prober, conferences });
  s.start();
  try {
    if (background > 0) {
      const took = loadSeries(s, background, 40);
      console.log(
        `booking ${background} series one by one (each checked for conflicts against all before it): ${ms(took)} total, last one ${ms(timeOne(s, background + 40))}`,
      );
    }
    const first = Date.now() + 3000;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const start = new Date(first + i * 600);
      ids.push(
        s.add({ title: `m${i}`, start: start.toISOString(), durationMinutes: 5, endpoints: [`ep${i}`] }, actor).schedule
          .id,
      );
    }
    // restart the scheduler (fresh Store and Scheduler on the same file) shortly before meetings 10 and 15
    for (const i of [10, 15]) {
      const restartAt = first + i * 600 - 150;
      await new Promise((r) => setTimeout(r, Math.max(0, restartAt - Date.now())));
      await s.close();
      store.close();
      store = Store.open(file);
      s = new Scheduler({ store, config: cfg, clock: systemClock, log: silentLogger(), prober, conferences });
      s.start();
    }
    await new Promise((r) => setTimeout(r, Math.max(0, first + 20 * 600 + 500 - Date.now())));
    const late = ids.map((id) => conferences.lateness.get(id));
    const got = late.filter((x): x is number => x !== undefined);
    console.log(
      `start accuracy, 20 meetings, real clock, ${background} other series booked, restarts before #10 and #15:`,
    );
    console.log(
      `  started ${got.length}/20; late by min ${ms(Math.min(...got))}, median ${ms(pct(got, 50))}, p95 ${ms(pct(got, 95))}, max ${ms(Math.max(...got))}`,
    );
    console.log(`  after restart: #10 ${ms(late[10] ?? NaN)}, #15 ${ms(late[15] ?? NaN)}`);
  } finally {
    await s.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function timeOne(s: Scheduler, ep: number): number {
  const t0 = performance.now();
  s.add(
    {
      title: 'one more',
      start: new Date(Date.now() + 2 * DAY).toISOString(),
      durationMinutes: 60,
      rrule: 'FREQ=WEEKLY;BYDAY=TU',
      endpoints: [`ep${ep}`],
    },
    actor,
  );
  return performance.now() - t0;
}

expansion();
await accuracy(0);
await accuracy(1000);

/** Scheduled time vs the first INVITE a room receives, through the real conference bridge. */
async function inviteAccuracy(): Promise<void> {
  const { startBridge } = await import('../tests/helpers/conferenceBridge.js');
  const { conferenceControl, followConferences } = await import('../daemon/scheduler/wiring.js');
  const dgram = await import('node:dgram');
  // 20 "rooms": UDP sockets that note when an INVITE arrives and answer 486 Busy Here
  const arrivals = new Map<string, number>();
  const rooms = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const sock = dgram.createSocket('udp4');
      sock.on('message', (msg, rinfo) => {
        const text = msg.toString();
        if (text.startsWith('INVITE ')) {
          if (!arrivals.has(`room${i}`)) arrivals.set(`room${i}`, Date.now());
          const h = (n: string): string => new RegExp(`^${n}:[^\\r\\n]*`, 'im').exec(text)?.[0] ?? '';
          sock.send(
            [
              `SIP/2.0 486 Busy Here`,
              h('Via'),
              h('From'),
              `${h('To')};tag=b${i}`,
              h('Call-ID'),
              h('CSeq'),
              'Content-Length: 0',
              '',
              '',
            ].join('\r\n'),
            rinfo.port,
            rinfo.address,
          );
        }
      });
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      return sock;
    }),
  );
  const bridge = await startBridge({
    endpoints: rooms.map((s, i) => ({
      id: `room${i}`,
      kind: 'town',
      name: { zh: `r${i}`, en: `r${i}` },
      uri: `sip:room${i}@127.0.0.1:${s.address().port}`,
    })),
  });
  // room for 20 conferences at once (the bridge reads the same config object)
  Object.assign(bridge.config.scheduler, { maxConcurrentConferences: 30, preflightLeadMinutes: 0 });
  const s = new Scheduler({
    store: bridge.store,
    config: bridge.config,
    clock: systemClock,
    log: silentLogger(),
    prober: { probe: async () => ({ ok: true, rttMs: 1 }) },
    conferences: conferenceControl(bridge.manager),
  });
  followConferences(bridge.manager, s);
  s.start();
  try {
    const first = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const starts = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const start = first + i * 500;
      starts.set(`room${i}`, start);
      s.add(
        { title: `m${i}`, start: new Date(start).toISOString(), durationMinutes: 1, endpoints: [`room${i}`] },
        actor,
      );
    }
    await new Promise((r) => setTimeout(r, first + 20 * 500 + 2000 - Date.now()));
    const late = [...starts].map(([room, t]) => (arrivals.get(room) ?? NaN) - t).filter((x) => !Number.isNaN(x));
    console.log(
      'first INVITE at the room vs scheduled time, 20 meetings through the real bridge (SIP stack + mediasoup):',
    );
    console.log(
      `  ${late.length}/20 rooms dialled; late by min ${ms(Math.min(...late))}, median ${ms(pct(late, 50))}, p95 ${ms(pct(late, 95))}, max ${ms(Math.max(...late))}`,
    );
  } finally {
    await s.close();
    await bridge.close();
    for (const r of rooms) r.close();
  }
}

await inviteAccuracy();
