import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreflightReport } from '../../protocol/index.js';
import { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import type { Prober } from '../../daemon/scheduler/types.js';
import { Store } from '../../daemon/store/Store.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { ManualClock } from '../helpers/manualClock.js';
import { freePort } from '../helpers/ports.js';
import { ALICE, RecordingConferences, siteConfig } from '../helpers/schedulerFixture.js';
import { optionsPing, startBaresip, startOptionsResponder } from '../helpers/sipOptions.js';

// Pre-flight with real SIP OPTIONS over UDP: a real baresip room, a slow room, a room that answers
// 503 and a town whose port is closed. The report must say which site is not ready and why.

const MON_0800 = Date.UTC(2026, 11, 7, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'vc-sched-pf-'));
let baresip: Awaited<ReturnType<typeof startBaresip>>;
let slow: Awaited<ReturnType<typeof startOptionsResponder>>;
let busy: Awaited<ReturnType<typeof startOptionsResponder>>;
let closedPort: number;
let bsPort: number;

beforeAll(async () => {
  bsPort = await freePort();
  closedPort = await freePort();
  baresip = await startBaresip('xiaoguan', bsPort);
  // slower than any real answer on a busy machine: baresip's own answers took 300+ ms at load 17
  slow = await startOptionsResponder({ delayMs: 1500 });
  busy = await startOptionsResponder({ status: 503, reason: 'Service Unavailable' });
});

afterAll(async () => {
  await baresip?.stop();
  await slow?.close();
  await busy?.close();
  rmSync(dir, { recursive: true, force: true });
});

function config() {
  const ep = (id: string, kind: string, port: number) => ({
    id,
    kind,
    groups: ['towns'],
    name: { zh: id, en: id },
    uri: `sip:${id}@127.0.0.1:${port}`,
  });
  return siteConfig({
    endpoints: [
      ep('xiaoguan', 'town', bsPort),
      ep('zhulin', 'town', slow.port),
      ep('mihe', 'town', closedPort),
      ep('jiaoyu', 'bureau', busy.port),
    ],
  });
}

describe('pre-flight check with real SIP OPTIONS', () => {
  it('reports the baresip room ready, the slow one degraded, the 503 one and the closed port unreachable', async () => {
    const cfg = config();
    // a limit a busy machine's local answers stay under (300 ms was crossed by baresip at load 17)
    cfg.health.degradedRttMs = 1000;
    const uriOf = new Map(cfg.endpoints.map((e) => [e.id, e.uri]));
    // the prober the daemon hands in: OPTIONS to the endpoint's configured URI
    // counting probes in flight: "all sites at once" is a fact about overlap, not about speed
    let inFlight = 0;
    let peak = 0;
    const prober: Prober = {
      probe: async (id) => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await optionsPing(uriOf.get(id)!, 5000);
        } finally {
          inFlight--;
        }
      },
    };
    const clock = new ManualClock(MON_0800);
    const store = Store.open(join(dir, 'a.db'), { clock });
    const scheduler = new Scheduler({
      store,
      config: cfg,
      clock,
      log: silentLogger(),
      prober,
      conferences: new RecordingConferences(clock),
    });
    const pushed: PreflightReport[] = [];
    scheduler.on('preflight', (r) => pushed.push(r));
    try {
      scheduler.start();
      const id = scheduler.add(
        { title: '周一例会', start: '2026-12-07 09:00', durationMinutes: 60, group: 'towns', endpoints: ['jiaoyu'] },
        ALICE,
      ).schedule.id;
      const report = await scheduler.preflight(id);
      expect(peak, 'all sites asked at once, not one after another').toBe(4);
      const site = (eid: string) => report.sites.find((s) => s.endpointId === eid);
      expect(report).toMatchObject({ scheduleId: id, stage: 'manual', occurrenceStart: '2026-12-07T01:00:00.000Z' });
      expect(site('xiaoguan')).toMatchObject({ status: 'ready' });
      expect(site('zhulin')).toMatchObject({
        status: 'degraded',
        reason: expect.stringMatching(
          /slow answer: RTT (1[5-9]\d\d|[2-9]\d{3}|\d{5,}) ms \(limit 1000 ms\)/,
        ) as unknown,
      });
      expect(site('jiaoyu')).toMatchObject({ status: 'unreachable', reason: '503 Service Unavailable' });
      expect(site('mihe')).toMatchObject({ status: 'unreachable', rttMs: null });
      expect(site('mihe')!.reason).toMatch(/port unreachable|timeout/);
      // the room really was asked
      expect(slow.received).toBeGreaterThan(0);
      // stored and pushed
      expect(pushed).toEqual([report]);
      expect(store.occurrences.preflightReports(id)[0]!.report).toEqual(report);
      expect(scheduler.show(id).lastPreflight).toEqual(report);

      // the automatic check at start − 15 min does the same by itself
      await clock.advanceTo(MON_0800 + 45 * 60_000);
      await scheduler.idle();
      expect(pushed.map((r) => r.stage)).toEqual(['manual', 'lead']);
      expect(
        pushed[1]!.sites
          .filter((s) => s.status !== 'ready')
          .map((s) => s.endpointId)
          .sort(),
      ).toEqual(['jiaoyu', 'mihe', 'zhulin']);
    } finally {
      await scheduler.close();
      store.close();
    }
  }, 60_000);
});
