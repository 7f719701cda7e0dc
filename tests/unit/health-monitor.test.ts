import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Endpoint } from '../../daemon/config/schema.js';
import { EndpointMonitor, IN_CALL_PERIOD_MS } from '../../daemon/health/EndpointMonitor.js';
import type { EndpointStateChange, HealthSettings, OptionsProber, OptionsTarget } from '../../daemon/health/types.js';
import type { OptionsProbeResult } from '../../protocol/index.js';
import { Store } from '../../daemon/store/Store.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { ManualClock } from '../helpers/manualClock.js';

// The monitor's timing rules with a scripted prober on a manual clock, and a real SQLite file.

const root = mkdtempSync(join(tmpdir(), 'vc-health-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const T0 = Date.UTC(2026, 0, 5, 1, 0, 0);

const ep = (id: string, port = 5060): Endpoint =>
  Endpoint.parse({ id, name: { zh: id, en: id }, kind: 'town', uri: `sip:${id}@127.0.0.1:${port}`, groups: ['towns'] });

/** Answers by script: each endpoint's behaviour can be switched at any time. */
class ScriptedProber implements OptionsProber {
  readonly mode = new Map<string, { rttMs: number } | 'silent'>();
  inFlight = 0;
  maxInFlight = 0;
  calls: { id: string; at: number; timeoutMs: number }[] = [];
  constructor(readonly clock: ManualClock) {}

  options(target: OptionsTarget, opts: { timeoutMs: number }): Promise<OptionsProbeResult> {
    const id = /^sip:([^@]+)@/.exec(target.uri)?.[1] ?? '?';
    this.calls.push({ id, at: this.clock.now(), timeoutMs: opts.timeoutMs });
    const m = this.mode.get(id) ?? { rttMs: 5 };
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => {
      const done = (r: OptionsProbeResult) => {
        this.inFlight--;
        resolve(r);
      };
      if (m === 'silent') this.clock.setTimeout(() => done({ ok: false, error: 'timeout' }), opts.timeoutMs);
      else
        this.clock.setTimeout(
          () => done({ ok: true, status: 200, reason: 'OK', rttMs: m.rttMs, server: 'scripted/1.0' }),
          m.rttMs,
        );
    });
  }
}

const SETTINGS: HealthSettings = { intervalSeconds: 10, timeoutMs: 2000, concurrency: 64, degradedRttMs: 300 };

let opened: { store: Store; monitor: EndpointMonitor }[] = [];
afterEach(() => {
  for (const o of opened) {
    o.monitor.close();
    o.store.close();
  }
  opened = [];
});

function setup(endpoints: Endpoint[], settings: Partial<HealthSettings> = {}, file = join(root, `m${++n}.db`)) {
  const clock = new ManualClock(T0);
  const prober = new ScriptedProber(clock);
  const store = Store.open(file);
  const monitor = new EndpointMonitor({
    prober,
    repo: store.health,
    clock,
    log: silentLogger(),
    settings: { ...SETTINGS, ...settings },
    random: () => 0.5,
  });
  const events: EndpointStateChange[] = [];
  monitor.on('state', (c) => events.push(c));
  opened.push({ store, monitor });
  monitor.start(endpoints);
  return { clock, prober, store, monitor, events, file };
}

/** Advance in small steps until `pred` holds; returns the clock time it took, or throws. */
async function until(clock: ManualClock, pred: () => boolean, maxMs: number, stepMs = 50): Promise<number> {
  const start = clock.now();
  while (!pred()) {
    if (clock.now() - start > maxMs) throw new Error(`condition not met within ${maxMs} ms`);
    await clock.advance(stepMs);
  }
  return clock.now() - start;
}

describe('EndpointMonitor: states on a manual clock', () => {
  it('an answering endpoint becomes reachable in the first second, recorded in SQLite and emitted', async () => {
    const { clock, monitor, store, events } = setup([ep('xiaoguan')]);
    await until(clock, () => monitor.snapshot('xiaoguan')?.state === 'reachable', 1500);
    expect(events).toEqual([expect.objectContaining({ id: 'xiaoguan', from: 'unknown', to: 'reachable', rttMs: 5 })]);
    expect(store.health.lastTransitions('xiaoguan')).toEqual([
      expect.objectContaining({ from: 'unknown', to: 'reachable', rttMs: 5 }),
    ]);
    expect(monitor.snapshot('xiaoguan')).toMatchObject({ rttMs: 5, lastServer: 'scripted/1.0', registration: 'none' });
  });

  it('probes every interval (jittered, never later than the interval)', async () => {
    const { clock, prober } = setup([ep('a')]);
    await clock.advance(60_000);
    const gaps = prober.calls.slice(1).map((c, i) => c.at - (prober.calls[i]?.at ?? 0));
    expect(gaps.length).toBeGreaterThanOrEqual(6);
    for (const g of gaps) {
      expect(g).toBeLessThanOrEqual(10_000);
      expect(g).toBeGreaterThanOrEqual(8_500);
    }
  });

  it('an endpoint that stops answering is unreachable within 2 intervals, not after one lost probe', async () => {
    const { clock, prober, monitor, events } = setup([ep('a')]);
    await until(clock, () => monitor.snapshot('a')?.state === 'reachable', 1500);
    // Worst case: it goes silent right after answering.
    await until(clock, () => prober.calls.length === 2, 11_000, 1);
    await clock.advance(10);
    prober.mode.set('a', 'silent');
    const took = await until(clock, () => monitor.snapshot('a')?.state === 'unreachable', 25_000);
    expect(took).toBeLessThanOrEqual(20_000);
    expect(events.at(-1)).toMatchObject({
      from: 'reachable',
      to: 'unreachable',
      rttMs: null,
      reason: 'no answer within 2000 ms over UDP',
    });
    // No "degraded" step on the way down.
    expect(events.map((e) => e.to)).toEqual(['reachable', 'unreachable']);
  });

  it('in a meeting it is probed every second with a short timeout and declared unreachable within 5 s', async () => {
    const { clock, prober, monitor } = setup([ep('a')]);
    await until(clock, () => monitor.snapshot('a')?.state === 'reachable', 1500);
    monitor.setInCall('a', true, 'conf-1');
    expect(monitor.snapshot('a')).toMatchObject({ inCall: true, conferenceId: 'conf-1' });
    const before = prober.calls.length;
    await clock.advance(5000);
    expect(prober.calls.length - before).toBeGreaterThanOrEqual(4);
    expect(prober.calls.at(-1)?.timeoutMs).toBe(IN_CALL_PERIOD_MS);
    prober.mode.set('a', 'silent');
    const took = await until(clock, () => monitor.snapshot('a')?.state === 'unreachable', 10_000);
    expect(took).toBeLessThanOrEqual(5000);
    monitor.setInCall('a', false);
    expect(monitor.snapshot('a')?.conferenceId).toBeUndefined();
  });

  it('comes back after two answers, and slow answers make it degraded', async () => {
    const { clock, prober, monitor, events } = setup([ep('a')]);
    prober.mode.set('a', 'silent');
    await until(clock, () => monitor.snapshot('a')?.state === 'unreachable', 25_000);
    prober.mode.set('a', { rttMs: 5 });
    await until(clock, () => monitor.snapshot('a')?.state === 'reachable', 25_000);
    prober.mode.set('a', { rttMs: 450 });
    await until(clock, () => monitor.snapshot('a')?.state === 'degraded', 25_000);
    expect(monitor.snapshot('a')?.reason).toMatch(/RTT 450 ms \(limit 300 ms\)/);
    expect(events.map((e) => `${e.from}>${e.to}`)).toEqual([
      'unknown>unreachable',
      'unreachable>reachable',
      'reachable>degraded',
    ]);
  });

  it('never has more probes in flight than health.concurrency', async () => {
    const eps = Array.from({ length: 60 }, (_, i) => ep(`e${i}`));
    const { clock, prober, monitor } = setup(eps, { concurrency: 4 });
    for (const e of eps) prober.mode.set(e.id, { rttMs: 100 });
    await until(clock, () => monitor.counts().reachable === 60, 5000);
    expect(prober.maxInFlight).toBe(4);
  });

  it('restores the last known states from the store on start', async () => {
    const first = setup([ep('a'), ep('b')]);
    first.prober.mode.set('b', 'silent');
    await until(
      first.clock,
      () => first.monitor.snapshot('b')?.state === 'unreachable' && first.monitor.snapshot('a')?.state === 'reachable',
      25_000,
    );
    const file = first.file;
    first.monitor.close();
    const second = setup([ep('a'), ep('b'), ep('c')], {}, file);
    expect(second.monitor.snapshot('a')?.state).toBe('reachable');
    expect(second.monitor.snapshot('b')?.state).toBe('unreachable');
    expect(second.monitor.snapshot('c')?.state).toBe('unknown');
    expect(second.monitor.snapshot('b')?.since).toBe(first.monitor.snapshot('b')?.since);
    expect(second.events).toEqual([]);
  });

  it('reload adds and removes endpoints', async () => {
    const { clock, prober, monitor } = setup([ep('a'), ep('b')]);
    await until(clock, () => monitor.counts().reachable === 2, 1500);
    monitor.reload([ep('b'), ep('c')]);
    expect(monitor.has('a')).toBe(false);
    await until(clock, () => monitor.snapshot('c')?.state === 'reachable', 1500);
    const callsToA = prober.calls.filter((c) => c.id === 'a').length;
    await clock.advance(30_000);
    expect(prober.calls.filter((c) => c.id === 'a').length).toBe(callsToA);
  });

  it('registration changes are kept and emitted once per change', () => {
    const { monitor } = setup([ep('zhengzhou')]);
    const seen: unknown[] = [];
    monitor.on('registration', (r) => seen.push(r));
    monitor.setRegistration('zhengzhou', 'registering');
    monitor.setRegistration('zhengzhou', 'registered');
    monitor.setRegistration('zhengzhou', 'registered');
    monitor.setRegistration('zhengzhou', 'failed', '403 Forbidden');
    expect(seen).toEqual([
      { id: 'zhengzhou', state: 'registering' },
      { id: 'zhengzhou', state: 'registered' },
      { id: 'zhengzhou', state: 'failed', reason: '403 Forbidden' },
    ]);
    expect(monitor.snapshot('zhengzhou')).toMatchObject({
      registration: 'failed',
      registrationReason: '403 Forbidden',
    });
    // the SIP Registration's "unregistered" is shown as "none"
    monitor.setRegistration('zhengzhou', 'unregistered');
    expect(seen.at(-1)).toEqual({ id: 'zhengzhou', state: 'none' });
    monitor.setRegistration('zhengzhou', 'failed', '403 Forbidden');
    expect(monitor.snapshot('zhengzhou')).toMatchObject({
      registration: 'failed',
      registrationReason: '403 Forbidden',
    });
  });

  it('writes sampled RTTs and every miss to SQLite in batches, and flushes on close', async () => {
    const { clock, prober, monitor, store } = setup([ep('a')]);
    await clock.advance(70_000);
    prober.mode.set('a', 'silent');
    await until(clock, () => monitor.snapshot('a')?.state === 'unreachable', 25_000);
    monitor.close();
    const rows = store.health.samples('a', 0);
    const answered = rows.filter((r) => r.ok);
    // one answered sample a minute (plus the one of the transition), every miss
    expect(answered.length).toBeGreaterThanOrEqual(2);
    expect(answered.length).toBeLessThanOrEqual(3);
    expect(answered[0]).toMatchObject({ rttMs: 5, code: 200 });
    expect(rows.filter((r) => !r.ok).length).toBe(2);
  });

  it('uptime comes from the recorded transitions', async () => {
    const { clock, prober, monitor } = setup([ep('a')]);
    await until(clock, () => monitor.snapshot('a')?.state === 'reachable', 1500);
    await clock.advance(3_600_000);
    prober.mode.set('a', 'silent');
    await until(clock, () => monitor.snapshot('a')?.state === 'unreachable', 25_000);
    await clock.advance(3_600_000);
    const u = monitor.uptime('a');
    expect(u.last24h).toBeGreaterThan(49);
    expect(u.last24h).toBeLessThan(51);
    expect(u.last7d).toBe(u.last24h);
  });
});

describe('EndpointMonitor: robustness', () => {
  it('a prober that never settles is given up after its timeout; the endpoint goes unreachable and keeps being probed', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    const hanging: OptionsProber = {
      options: () => {
        calls++;
        return new Promise<OptionsProbeResult>(() => undefined);
      },
    };
    const store = Store.open(join(root, `m${++n}.db`));
    const monitor = new EndpointMonitor({
      prober: hanging,
      repo: store.health,
      clock,
      log: silentLogger(),
      settings: SETTINGS,
      random: () => 0.5,
    });
    opened.push({ store, monitor });
    monitor.start([ep('a')]);
    const took = await until(clock, () => monitor.snapshot('a')?.state === 'unreachable', 30_000, 100);
    expect(took).toBeLessThan(12_000);
    const before = calls;
    await clock.advance(30_000);
    expect(calls).toBeGreaterThan(before);
  });
});

describe('DueQueue: one timer for many due times', () => {
  it('fires each item once, at its latest schedule, in time order; cancelled items never fire', async () => {
    const { DueQueue } = await import('../../daemon/health/DueQueue.js');
    const clock = new ManualClock(T0);
    const fired: { item: number; at: number }[] = [];
    const q = new DueQueue<number>(clock, (item) => fired.push({ item, at: clock.now() }));
    const want = new Map<number, number>();
    let seed = 7;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 500; i++) {
      const at = T0 + Math.floor(rnd() * 10_000);
      q.schedule(i, at);
      want.set(i, at);
    }
    for (let i = 0; i < 500; i += 3) {
      const at = T0 + Math.floor(rnd() * 10_000);
      q.schedule(i, at);
      want.set(i, at);
    }
    for (let i = 1; i < 500; i += 7) {
      q.cancel(i);
      want.delete(i);
    }
    expect(q.size).toBe(want.size);
    await clock.advance(10_001);
    expect(fired.length).toBe(want.size);
    for (const f of fired) expect(f.at).toBe(want.get(f.item));
    expect(fired.map((f) => f.at)).toEqual([...fired.map((f) => f.at)].sort((a, b) => a - b));
    expect(clock.pending).toBe(0);
    q.close();
  });
});
