import { spawn } from 'node:child_process';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipStack } from '../../daemon/sip/SipStack.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { CLI_JS, TOKENS, rawConnect } from '../helpers/daemon.js';
import { startHealthApi, type HealthApi } from '../helpers/healthHarness.js';
import { OptionsResponder } from '../helpers/optionsResponder.js';
import { freePort, freePorts } from '../helpers/ports.js';

// endpoints.list / endpoint.show / endpoint.check and the CLI commands over them, on a real control
// API and SQLite file, probed by the real SIP stack, with endpoints answered by a real UDP peer
// (one answering, one silent, one slow).

let h: HealthApi;
let responder: OptionsResponder;
let stack: SipStack;
let addr: {
  xiaoguan: { host: string; port: number };
  mihe: { host: string; port: number };
  bureau: { host: string; port: number };
};

beforeAll(async () => {
  const [p1, p2, p3] = await freePorts(3);
  addr = {
    xiaoguan: { host: '127.0.0.1', port: p1! },
    mihe: { host: '127.0.0.1', port: p2! },
    bureau: { host: '127.0.0.1', port: p3! },
  };
  responder = await OptionsResponder.start({ addresses: Object.values(addr), server: 'baresip-like/3.0' });
  responder.set(addr.mihe, { silent: true });
  responder.set(addr.bureau, { delayMs: 400 });
  const sipPort = await freePort();
  stack = await SipStack.start({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port: sipPort },
      { transport: 'tcp', host: '127.0.0.1', port: sipPort },
    ],
    userAgent: 'vcbridge-test',
    log: silentLogger(),
  });
  h = await startHealthApi({
    prober: stack,
    health: { timeoutMs: 900, degradedRttMs: 300 },
    endpoints: [
      {
        id: 'xiaoguan',
        name: { zh: '小关镇', en: 'Xiaoguan' },
        kind: 'town',
        uri: `sip:xiaoguan@127.0.0.1:${p1}`,
        groups: ['towns'],
      },
      {
        id: 'mihe',
        name: { zh: '米河镇', en: 'Mihe' },
        kind: 'town',
        uri: `sip:mihe@127.0.0.1:${p2}`,
        groups: ['towns'],
      },
      {
        id: 'jiaotong',
        name: { zh: '交通局', en: 'Transport Bureau' },
        kind: 'bureau',
        uri: `sip:jiaotong@127.0.0.1:${p3}`,
        groups: ['bureaus'],
      },
    ],
  });
  const deadline = Date.now() + 10_000;
  while (!(
    h.monitor.snapshot('xiaoguan')?.state === 'reachable' &&
    h.monitor.snapshot('mihe')?.state === 'unreachable' &&
    h.monitor.snapshot('jiaotong')?.state === 'degraded'
  )) {
    if (Date.now() > deadline) throw new Error(`states did not settle: ${JSON.stringify(h.monitor.snapshots())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await h?.close();
  await stack?.close();
  await responder?.close();
});

function cli(
  args: string[],
  token: string = TOKENS.viewer,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI_JS, ...args, '--url', h.url, '--token', token], {
      env: { ...process.env, LANG: 'C', VCBRIDGE_LANG: '' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('endpoint API methods', () => {
  it('endpoints.list joins the config with live health; filters by group and state', async () => {
    const c = await rawConnect(h.url, TOKENS.viewer);
    const all = (await c.call('endpoints.list')).result;
    expect(all.map((e: any) => [e.id, e.state])).toEqual([
      ['xiaoguan', 'reachable'],
      ['mihe', 'unreachable'],
      ['jiaotong', 'degraded'],
    ]);
    const x = all[0];
    expect(x).toMatchObject({
      name: { zh: '小关镇', en: 'Xiaoguan' },
      kind: 'town',
      transport: 'udp',
      groups: ['towns'],
      registration: 'none',
    });
    expect(x.rttMs).toBeGreaterThan(0);
    expect(Date.parse(x.since)).toBeLessThanOrEqual(Date.now());
    expect(all[1]).toMatchObject({ rttMs: null, reason: 'no answer within 900 ms over UDP' });
    expect(all[2].reason).toMatch(/slow answers: RTT 4\d\d ms \(limit 300 ms\)/);
    expect((await c.call('endpoints.list', { group: 'towns' })).result.map((e: any) => e.id)).toEqual([
      'xiaoguan',
      'mihe',
    ]);
    expect((await c.call('endpoints.list', { state: 'unreachable' })).result.map((e: any) => e.id)).toEqual(['mihe']);
    const bad = await c.call('endpoints.list', { group: 'nope' });
    expect(bad.error.data.code).toBe('GROUP_UNKNOWN');
    expect(bad.error.message).toMatch(/no group "nope".*towns, bureaus/);
    c.close();
  });

  it('endpoint.show gives uptime and the transitions from SQLite; an unknown id is ENDPOINT_UNKNOWN', async () => {
    const c = await rawConnect(h.url, TOKENS.viewer);
    const d = (await c.call('endpoint.show', { id: 'xiaoguan' })).result;
    expect(d.uptime).toEqual({ last24h: 100, last7d: 100 });
    expect(d.transitions).toEqual([expect.objectContaining({ from: 'unknown', to: 'reachable' })]);
    expect(d.lastUserAgent).toBe('baresip-like/3.0');
    const m = (await c.call('endpoint.show', { id: 'mihe' })).result;
    expect(m.uptime.last24h).toBe(0);
    const unknown = await c.call('endpoint.show', { id: 'nowhere' });
    expect(unknown.error.data.code).toBe('ENDPOINT_UNKNOWN');
    c.close();
  });

  it('endpoint.check needs the technician role and explains a silent endpoint', async () => {
    const v = await rawConnect(h.url, TOKENS.viewer);
    expect((await v.call('endpoint.check', { id: 'mihe' })).error.data.code).toBe('FORBIDDEN');
    v.close();
    const t = await rawConnect(h.url, TOKENS.technician);
    const r = (await t.call('endpoint.check', { id: 'mihe' })).result;
    expect(r.verdict).toBe('failed');
    expect(r.probes[0]).toMatchObject({ transport: 'udp', ok: false, error: 'timeout' });
    expect(r.likelyCause).toMatch(/host is down, or a firewall drops SIP/);
    const ok = (await t.call('endpoint.check', { id: 'xiaoguan' })).result;
    expect(ok.verdict).toBe('ok');
    expect(ok.probes[0]).toMatchObject({ transport: 'udp', ok: true, status: 200, server: 'baresip-like/3.0' });
    t.close();
  });

  it('a state change reaches subscribers as an endpoint.state notification', async () => {
    const c = await rawConnect(h.url, TOKENS.viewer);
    await c.call('subscribe', { topics: ['endpoint.*'] });
    responder.set(addr.xiaoguan, { silent: true });
    try {
      const deadline = Date.now() + 5000;
      let n: any;
      while (!(n = c.notifications.find((x: any) => x.method === 'endpoint.state' && x.params.id === 'xiaoguan'))) {
        if (Date.now() > deadline) throw new Error('no notification');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(n.params).toMatchObject({ id: 'xiaoguan', from: 'reachable', to: 'unreachable', rttMs: null });
      expect(Date.parse(n.params.at)).toBeGreaterThan(Date.now() - 5000);
    } finally {
      responder.set(addr.xiaoguan, { silent: false });
      c.close();
    }
    const deadline = Date.now() + 5000;
    while (h.monitor.snapshot('xiaoguan')?.state !== 'reachable') {
      if (Date.now() > deadline) throw new Error('xiaoguan did not come back');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});

describe('vcbridge endpoints / endpoint', () => {
  it('endpoints prints an aligned table (CJK names by display width) with state, RTT, since, registration', async () => {
    const r = await cli(['endpoints', '--lang', 'zh']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    // every word in Chinese (issue #14): headings, kinds, states, "ago"; ids, RTT and ms stay
    expect(lines[0]).toMatch(/^编号\s+名称\s+类别\s+状态\s+RTT\s+持续\s+注册\s+备注$/);
    const row = lines.find((l) => l.startsWith('xiaoguan'))!;
    expect(row).toMatch(/小关镇\s+乡镇\s+在线\s+\d+(\.\d)? ms\s+\S+前\s+—/);
    // the "kind" column starts at the same display column on every line
    const col = (l: string) => stringWidth(l.slice(0, l.search(/类别|乡镇|委局/)));
    expect(new Set(lines.filter((l) => !l.startsWith('-')).map(col)).size).toBe(1);
    expect(lines.find((l) => l.startsWith('jiaotong'))).toMatch(/交通局\s+委局\s+质量差/);
  });

  it('endpoints --json lists objects with id, name, kind, state, rttMs, since; --state filters', async () => {
    const r = await cli(['endpoints', '--json', '--state', 'unreachable']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: 'mihe',
      name: { zh: '米河镇', en: 'Mihe' },
      kind: 'town',
      state: 'unreachable',
      rttMs: null,
    });
    expect(typeof list[0].since).toBe('string');
  });

  it('a bad --state is a usage error (exit 2); an unknown --group names the known ones (exit 1)', async () => {
    const bad = await cli(['endpoints', '--state', 'asleep']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--state/);
    const g = await cli(['endpoints', '--group', 'villages', '--json']);
    expect(g.code).toBe(1);
    expect(JSON.parse(g.stdout)).toEqual({
      error: { code: 'GROUP_UNKNOWN', message: expect.stringMatching(/towns, bureaus/) },
    });
  });

  it('endpoint show prints state, uptime and the last transitions', async () => {
    const r = await cli(['endpoint', 'show', 'mihe']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mihe — Mihe \(米河镇\), town/);
    expect(r.stdout).toMatch(/state\s+unreachable since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(r.stdout).toMatch(/why\s+no answer within 900 ms over UDP/);
    expect(r.stdout).toMatch(/uptime\s+last 24 h 0\.00 %, last 7 d 0\.00 %/);
    expect(r.stdout).toMatch(/unknown\s+unreachable\s+—\s+no answer/);
    const none = await cli(['endpoint', 'show', 'nowhere']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no endpoint "nowhere"/);
  });

  it('endpoint check prints each transport with timing and Server, the likely cause, and exits 1 on failure', async () => {
    const ok = await cli(['endpoint', 'check', 'xiaoguan'], TOKENS.technician);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/UDP\s+ok\s+200 OK\s+\d+(\.\d)? ms\s+baresip-like\/3\.0/);
    expect(ok.stdout).toMatch(/verdict: ok/);
    const bad = await cli(['endpoint', 'check', 'mihe'], TOKENS.technician);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/UDP\s+FAIL\s+timeout/);
    expect(bad.stdout).toMatch(
      /verdict: failed — likely cause: no answer over UDP within 900 ms: the host is down, or a firewall drops SIP/,
    );
    const viewer = await cli(['endpoint', 'check', 'mihe']);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/technician/);
  });
});
