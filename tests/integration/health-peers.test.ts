import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SipStack } from '../../daemon/sip/SipStack.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { TOKENS, rawConnect } from '../helpers/daemon.js';
import { startHealthApi, type HealthApi } from '../helpers/healthHarness.js';
import { OptionsResponder } from '../helpers/optionsResponder.js';
import { freePort } from '../helpers/ports.js';
import { startBaresip, type Baresip } from '../peers/baresip.js';
import { startProc, type Proc } from '../peers/proc.js';

// The health monitor against real peers, through the real SIP stack: baresip as a town's room
// system (stopped and restarted on the same port), a Node UDP peer that answers slowly, and the
// technician's check against each kind of failure. States land in the real SQLite file and reach
// API subscribers as endpoint.state notifications.

let stack: SipStack;
const cleanup: (() => Promise<unknown> | unknown)[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'vc-health-peers-'));

beforeAll(async () => {
  const port = await freePort();
  stack = await SipStack.start({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port },
      { transport: 'tcp', host: '127.0.0.1', port },
    ],
    userAgent: 'vcbridge-test',
    log: silentLogger(),
  });
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(async () => {
  await stack?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function room(name: string): Promise<Baresip> {
  // recordDir keeps baresip's config dir after stop(), so the same room can be restarted on its port.
  const b = await startBaresip({ name, recordDir: mkdtempSync(join(tmp, `${name}-`)) });
  cleanup.push(() => b.stop());
  return b;
}

/** Start baresip again from the config dir of a stopped one: same URI, same port. */
async function restart(b: Baresip): Promise<Proc> {
  const p = startProc('baresip', ['-f', b.dir], {
    name: `baresip ${b.name} (restarted)`,
    env: { ...process.env, HOME: b.dir },
  });
  cleanup.push(() => p.stop());
  await p.waitFor(/baresip is ready/, 10_000);
  return p;
}

async function health(opts: Parameters<typeof startHealthApi>[0]): Promise<HealthApi> {
  const h = await startHealthApi(opts);
  cleanup.push(() => h.close());
  return h;
}

async function until(pred: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

const town = (id: string, uri: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: { zh: id, en: id },
  kind: 'town',
  uri,
  groups: ['towns'],
  ...extra,
});

describe('health monitor with a real baresip', () => {
  it('reachable with RTT and User-Agent; stopped → unreachable; restarted → reachable; all in SQLite and notified', async () => {
    const bob = await room('xiaoguan');
    const h = await health({
      prober: stack,
      endpoints: [town('xiaoguan', bob.uri)],
      health: { intervalSeconds: 1, timeoutMs: 200 },
      autoStart: false,
    });
    const sub = await rawConnect(h.url, TOKENS.viewer);
    cleanup.push(() => sub.close());
    await sub.call('subscribe', { topics: ['endpoint.*'] });
    h.start();
    const state = () => h.monitor.snapshot('xiaoguan')?.state;

    await until(() => state() === 'reachable', 2000);
    const snap = h.monitor.snapshot('xiaoguan')!;
    expect(snap.rttMs).toBeGreaterThan(0);
    expect(snap.lastServer).toMatch(/^baresip/);

    await bob.stop();
    // how fast is health-monitor.test.ts's (fake clock) and bench/health's business
    await until(() => state() === 'unreachable', 30_000);
    expect(h.monitor.snapshot('xiaoguan')?.reason).toBe('no answer within 200 ms over UDP');

    await restart(bob);
    await until(() => state() === 'reachable', 30_000);

    const db = new Database(h.dbFile, { readonly: true });
    const rows = db
      .prepare("SELECT from_state, to_state, reason FROM health_transitions WHERE endpoint_id = 'xiaoguan' ORDER BY id")
      .all() as { from_state: string; to_state: string }[];
    db.close();
    expect(rows.map((r) => `${r.from_state}>${r.to_state}`)).toEqual([
      'unknown>reachable',
      'reachable>unreachable',
      'unreachable>reachable',
    ]);
    h.monitor.flushSamples();
    const samples = h.store.health.samples('xiaoguan', 0);
    expect(samples.some((s) => !s.ok)).toBe(true);
    expect(samples.find((s) => s.ok)).toMatchObject({ code: 200 });

    const notes = () =>
      sub.notifications
        .filter((n: any) => n.method === 'endpoint.state')
        .map((n: any) => `${n.params.from}>${n.params.to}`);
    await until(() => notes().length >= 3, 10_000).catch(() => undefined);
    expect(notes()).toEqual(['unknown>reachable', 'reachable>unreachable', 'unreachable>reachable']);
  }, 90_000);

  it('in a meeting, a baresip that stops is found unreachable at the default 10 s interval', async () => {
    const bob = await room('mihe');
    const h = await health({
      prober: stack,
      endpoints: [town('mihe', bob.uri)],
      health: { intervalSeconds: 10, timeoutMs: 2000 },
    });
    await until(() => h.monitor.snapshot('mihe')?.state === 'reachable', 2000);
    h.monitor.setInCall('mihe', true, 'weekly');
    await new Promise((r) => setTimeout(r, 1500));
    await bob.stop();
    await until(() => h.monitor.snapshot('mihe')?.state === 'unreachable', 30_000);
  }, 60_000);
});

describe('health monitor with a slow UDP peer', () => {
  it('RTT over health.degradedRttMs makes it degraded; fast answers make it reachable again', async () => {
    const addr = { host: '127.0.0.1', port: await freePort() };
    const peer = await OptionsResponder.start({ addresses: [addr] });
    cleanup.push(() => peer.close());
    peer.set(addr, { delayMs: 250 });
    const h = await health({
      prober: stack,
      endpoints: [town('slow', `sip:slow@127.0.0.1:${addr.port}`)],
      health: { intervalSeconds: 1, timeoutMs: 1000, degradedRttMs: 150 },
    });
    await until(() => h.monitor.snapshot('slow')?.state === 'degraded', 20_000);
    // at least the peer's delay; a busy machine adds its own (an RTT of 3xx ms was seen at load 17)
    expect(h.monitor.snapshot('slow')?.rttMs).toBeGreaterThanOrEqual(250);
    expect(h.monitor.snapshot('slow')?.reason).toMatch(/slow answers: RTT (2\d\d|[3-9]\d\d) ms \(limit 150 ms\)/);
    peer.set(addr, { delayMs: 0 });
    await until(() => h.monitor.snapshot('slow')?.state === 'reachable', 20_000);
    // what the peer saw: it was really asked (one slow answer, then two fast ones at least)
    expect(peer.count(addr)).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe('endpoint check against real peers', () => {
  it('baresip answers over UDP and TCP; a wrong user part is a 404; a closed port times out over UDP and is refused over TCP; a 403 is explained', async () => {
    const bob = await room('kanggou');
    const closed = await freePort();
    const strict = { host: '127.0.0.1', port: await freePort() };
    const peer = await OptionsResponder.start({ addresses: [strict], tcp: true, server: 'StrictMCU/2.1' });
    cleanup.push(() => peer.close());
    peer.set(strict, { status: 403, reason: 'Forbidden' });
    const h = await health({
      prober: stack,
      health: { intervalSeconds: 10, timeoutMs: 500 },
      endpoints: [
        town('kanggou', bob.uri),
        town('wronguser', bob.uri.replace('kanggou@', 'nobody@')),
        town('closedtcp', `sip:closed@127.0.0.1:${closed}`, { transport: 'tcp' }),
        town('strict', `sip:strict@127.0.0.1:${strict.port}`),
      ],
    });
    const t = await rawConnect(h.url, TOKENS.technician);
    cleanup.push(() => t.close());
    const check = async (id: string) => (await t.call('endpoint.check', { id })).result;

    const ok = await check('kanggou');
    expect(ok.verdict).toBe('ok');
    expect(ok.probes.map((p: any) => [p.transport, p.ok, p.status])).toEqual([
      ['udp', true, 200],
      ['tcp', true, 200],
    ]);
    expect(ok.probes[0].server).toMatch(/^baresip/);
    expect(ok.probes[0].rttMs).toBeGreaterThan(0);

    const wrong = await check('wronguser');
    expect(wrong.verdict).toBe('failed');
    expect(wrong.probes[0]).toMatchObject({ transport: 'udp', ok: false, status: 404 });
    expect(wrong.likelyCause).toMatch(/does not know the user "nobody".*check the user part/);

    const c = await check('closedtcp');
    expect(c.verdict).toBe('failed');
    expect(c.probes[0]).toMatchObject({ transport: 'tcp', ok: false, error: 'refused' });
    expect(c.probes[0].status).toBeUndefined();
    expect(c.likelyCause).toMatch(/refused the TCP connection: the host is up but nothing listens for SIP on TCP/);
    expect(c.probes[1]).toMatchObject({ transport: 'udp', ok: false, error: 'timeout' });
    expect(c.probes[1].likelyCause).toMatch(/host is down, or a firewall drops SIP/);

    const s = await check('strict');
    expect(s.probes[0]).toMatchObject({
      transport: 'udp',
      ok: false,
      status: 403,
      error: 'forbidden',
      server: 'StrictMCU/2.1',
    });
    expect(s.likelyCause).toMatch(/refuses us.*allow-list/);
    expect(peer.count(strict)).toBeGreaterThanOrEqual(2);
  });
});
