// Attacks on the control API, run against the built daemon (`node scripts/build.mjs` first) on
// 127.0.0.x, each bounded in count: a viewer trying to fill the disk through the audit log, floods of
// unauthenticated sockets and calls, oversized batches and subscriptions, secrets buried deep in params.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_JS, TOKENS, rawConnect, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { API_CLOSE, API_LIMITS } from '../../daemon/api/limits.js';
import { MAX_AUDIT_PARAMS_BYTES } from '../../daemon/util/redact.js';

let d: RunningDaemon;
beforeAll(async () => {
  d = await startDaemon();
}, 30_000);
afterAll(async () => {
  await d?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Bytes of the daemon's database (main file + WAL). */
function dbBytes(): number {
  let n = 0;
  for (const f of ['vcbridge.db', 'vcbridge.db-wal']) {
    try {
      n += statSync(join(d.dataDir, f)).size;
    } catch {
      // no WAL yet
    }
  }
  return n;
}

interface Opened {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

/** Open a control socket; resolves with it, or with the HTTP status that refused it. */
function open(token?: string, localAddress = '127.0.0.1'): Promise<Opened | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(d.url, { localAddress, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

async function auditOf(actor: string): Promise<any[]> {
  const op = await rawConnect(d.url, TOKENS.operator);
  const r: any = await op.call('audit.list', { limit: 1000 });
  op.close();
  return (r.result as any[]).filter((e) => e.actor === actor);
}

describe('a viewer cannot fill the disk or the memory', () => {
  it('refused megabyte calls are audited as a small summary: the database does not grow by their size', async () => {
    const v = await rawConnect(d.url, TOKENS.viewer);
    const before = dbBytes();
    const big = 'x'.repeat(API_LIMITS.maxFrameBytes - 1000);
    for (let i = 0; i < 20; i++) {
      const r: any = await v.call('conference.start', { title: big });
      expect(r.error.data.code).toBe('FORBIDDEN');
    }
    v.close();
    // 20 MB of params were refused; what was kept is a few kB
    expect(dbBytes() - before).toBeLessThan(20 * MAX_AUDIT_PARAMS_BYTES + 512 * 1024);
    const rows = (await auditOf('vera')).filter((e) => e.method === 'conference.start');
    expect(rows).toHaveLength(20);
    // what an operator needs is still there: who, what, that it was refused, how big it was
    expect(rows[0]).toMatchObject({
      role: 'viewer',
      result: 'error',
      errorCode: 'FORBIDDEN',
      params: { truncated: true, keys: ['title'] },
    });
    expect(rows[0].params.bytes).toBeGreaterThan(API_LIMITS.maxFrameBytes - 2000);
  });

  it("past its budget, a caller's refusals are counted and the count is audited, not each call", async () => {
    const t = await rawConnect(d.url, TOKENS.technician);
    const n = API_LIMITS.refusedAuditsPerCaller.burst + 40;
    for (let i = 0; i < n; i++) {
      const r: any = await t.call('daemon.reload');
      expect(r.error.data.code).toBe('FORBIDDEN');
    }
    const audited = (await auditOf('tom')).filter((e) => e.method === 'daemon.reload');
    expect(audited.length).toBeLessThanOrEqual(n - 20);
    // once the budget refills, the next refusal brings the count of the ones not written
    let summary: any;
    await until(
      'the audit.suppressed entry',
      async () => {
        await t.call('daemon.reload');
        summary = (await auditOf('tom')).find((e) => e.method === 'audit.suppressed');
        if (!summary) await sleep(1000);
        return summary !== undefined;
      },
      60_000,
    );
    t.close();
    expect(summary.params.methods).toEqual(['daemon.reload']);
    expect(summary.params.count + audited.length).toBeGreaterThanOrEqual(n);
  }, 90_000);

  it("a viewer's audited calls that succeed (schedule.export) are budgeted the same way", async () => {
    const v = await rawConnect(d.url, TOKENS.viewer);
    const n = API_LIMITS.refusedAuditsPerCaller.burst + 40;
    for (let i = 0; i < n; i++) expect(((await v.call('schedule.export', {})) as any).result).toBeDefined();
    v.close();
    const audited = (await auditOf('vera')).filter((e) => e.method === 'schedule.export');
    expect(audited.length).toBeGreaterThan(0);
    expect(audited.length).toBeLessThanOrEqual(n - 20);
  });

  it('audit.list pages are capped: a limit over the page size is refused, naming it', async () => {
    const v = await rawConnect(d.url, TOKENS.viewer);
    const r: any = await v.call('audit.list', { limit: 10_000 });
    expect(r.error.data.code).toBe('PARAMS_INVALID');
    expect(r.error.message).toMatch(/limit/);
    const ok: any = await v.call('audit.list', { limit: 1000 });
    expect(Array.isArray(ok.result)).toBe(true);
    v.close();
  });

  it('vcbridge audit pages back with --before: nothing older is out of reach', async () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [CLI_JS, '--url', d.url, '--token', TOKENS.operator, 'audit', ...args], {
        encoding: 'utf8',
      });
    const first = JSON.parse(cli(['--limit', '3', '--json']).stdout) as { id: number }[];
    expect(first).toHaveLength(3);
    const older = JSON.parse(cli(['--limit', '3', '--before', String(first[0]!.id), '--json']).stdout) as {
      id: number;
    }[];
    expect(older.map((e) => e.id)).toEqual([first[0]!.id - 3, first[0]!.id - 2, first[0]!.id - 1]);
    const text = cli(['--limit', '1']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`\\b${first[2]!.id}\\b`));
    expect(cli(['--limit', '5000']).status).toBe(2);
  });

  it('a batch over the limit is refused whole with a clear error; nothing in it runs', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    const batch = Array.from({ length: API_LIMITS.maxBatch + 1 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'status',
    }));
    const r: any = await op.send(JSON.stringify(batch));
    expect(Array.isArray(r)).toBe(false);
    expect(r.error.code).toBe(-32600);
    expect(r.error.message).toMatch(new RegExp(`${API_LIMITS.maxBatch + 1} calls; at most ${API_LIMITS.maxBatch}`));
    // a batch at the limit is answered in full, one reply per call
    const full: any = await op.send(JSON.stringify(batch.slice(0, API_LIMITS.maxBatch)));
    expect(full).toHaveLength(API_LIMITS.maxBatch);
    expect(new Set(full.map((x: any) => x.id)).size).toBe(API_LIMITS.maxBatch);
    op.close();
  });

  it('subscribe takes only known notification topics, and a bounded number of them', async () => {
    const v = await rawConnect(d.url, TOKENS.viewer);
    let accepted = 0;
    for (let i = 0; i < 20; i++) {
      const r: any = await v.call('subscribe', { topics: Array.from({ length: 50 }, (_, k) => `made.up.${i}.${k}`) });
      if (r.result) accepted++;
      else expect(r.error.data.code).toBe('PARAMS_INVALID');
    }
    expect(accepted).toBe(0);
    const bad: any = await v.call('subscribe', { topics: ['endpoint.state', 'no.such.topic'] });
    expect(bad.error.message).toMatch(/unknown topic "no\.such\.topic"/);
    for (const topics of [['endpoint.*'], ['daemon.reloaded', 'stats'], ['*']]) {
      const r: any = await v.call('subscribe', { topics });
      expect(r.result).toEqual({ topics });
    }
    v.close();
  });

  it('a secret nested deeper than any redaction depth never reaches the audit log', async () => {
    const secret = 'DEEP-SECRET-6f1c9a';
    let nested: unknown = { password: secret, note: secret };
    for (let i = 0; i < 30; i++) nested = { level: i, inner: nested };
    const op = await rawConnect(d.url, TOKENS.operator);
    const r: any = await op.call('conference.start', { title: 't', bogus: nested });
    expect(r.error.data.code).toBe('PARAMS_INVALID');
    const log: any = await op.call('audit.list', { limit: 5 });
    op.close();
    const row = log.result.find((e: any) => e.method === 'conference.start' && e.errorCode === 'PARAMS_INVALID');
    expect(row).toBeDefined();
    expect(JSON.stringify(log.result)).not.toContain(secret);
    expect(JSON.stringify(row.params)).toContain('[too deep]');
    for (const f of ['vcbridge.db', 'vcbridge.db-wal']) {
      try {
        expect(readFileSync(join(d.dataDir, f)).includes(secret), f).toBe(false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  });
});

/** A raw TCP connection that says nothing; resolves once connected, with a promise of its close. */
function silentSocket(port: number, localAddress: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined); // a reset is one way of being closed
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

describe('raw TCP connections that never send a request', () => {
  it('are capped per address and closed after the first-request deadline; the API keeps answering', async () => {
    const port = Number(new URL(d.url).port);
    const extra = 20;
    const sockets = await Promise.all(
      Array.from({ length: API_LIMITS.maxSocketsPerAddress + extra }, () => silentSocket(port, '127.0.0.7')),
    );
    // the connections past the per-address limit are closed at once (the kernel accepted them first)
    let closedNow = 0;
    await until('the connections past the limit to be closed', async () => {
      const states = await Promise.all(
        sockets.map((s) => Promise.race([s.closed.then(() => 1), sleep(0).then(() => 0)])),
      );
      closedNow = states.reduce<number>((a, b) => a + b, 0);
      return closedNow >= extra;
    });
    expect(closedNow).toBeGreaterThanOrEqual(extra);
    // another address is not affected: an operator gets in and is answered
    const op = await rawConnect(d.url, TOKENS.operator);
    expect(((await op.call('status')) as any).result.you.name).toBe('alice');
    op.close();
    // every silent socket is closed by the daemon in the end, without a word from the client
    await until(
      'every silent socket to be closed',
      async () => {
        const states = await Promise.all(
          sockets.map((s) => Promise.race([s.closed.then(() => 1), sleep(0).then(() => 0)])),
        );
        return states.every((x) => x === 1);
      },
      60_000,
    );
  }, 90_000);
});

describe('unauthenticated sockets cannot exhaust connections or starve operators', () => {
  it('anonymous sockets are capped per address; an operator still gets in; each is closed at the auth deadline', async () => {
    const tries = API_LIMITS.maxUnauthenticatedPerAddress + 14;
    const results = await Promise.all(Array.from({ length: tries }, () => open(undefined, '127.0.0.5')));
    const opened = results.filter((r): r is Opened => 'ws' in r);
    const refused = results.filter((r): r is { status: number; body: string } => 'status' in r);
    expect(opened).toHaveLength(API_LIMITS.maxUnauthenticatedPerAddress);
    expect(refused).toHaveLength(tries - API_LIMITS.maxUnauthenticatedPerAddress);
    expect(refused[0]).toMatchObject({ status: 503 });
    expect(refused[0]?.body).toMatch(/without a valid token/);
    // the same address with a token is not refused
    const op = await rawConnect(d.url, TOKENS.operator);
    expect(((await op.call('status')) as any).result.you.name).toBe('alice');
    op.close();
    // nobody authenticated: every anonymous socket is closed with the deadline's code and a reason
    const closes = await Promise.all(opened.map((o) => o.closed));
    for (const c of closes) {
      expect(c.code).toBe(API_CLOSE.AUTH_DEADLINE);
      expect(c.reason).toMatch(/not authenticated within \d+ s/);
    }
  }, 60_000);

  it('when one address is full, a token holder takes the place of the oldest anonymous socket', async () => {
    const addr = '127.0.0.6';
    // token holders first: the anonymous ones must not reach their auth deadline meanwhile
    const viewers: Opened[] = [];
    const room = API_LIMITS.maxConnectionsPerAddress - API_LIMITS.maxUnauthenticatedPerAddress;
    for (let i = 0; i < room; i++) {
      const o = await open(TOKENS.viewer, addr);
      if (!('ws' in o)) throw new Error(`viewer socket ${i} refused: ${o.status} ${o.body}`);
      viewers.push(o);
    }
    const anon: Opened[] = [];
    for (let i = 0; i < API_LIMITS.maxUnauthenticatedPerAddress; i++) {
      const o = await open(undefined, addr);
      if (!('ws' in o)) throw new Error(`anonymous socket ${i} refused: ${o.status} ${o.body}`);
      anon.push(o);
    }
    // the address is at its cap: the operator gets in, the oldest anonymous socket goes
    const op = await open(TOKENS.operator, addr);
    expect('ws' in op).toBe(true);
    const first = await anon[0]!.closed;
    expect(first.code).toBe(API_CLOSE.TOO_MANY);
    expect(first.reason).toMatch(/valid token/);
    for (const o of [...viewers, op as Opened, ...anon]) o.ws.terminate();
  }, 60_000);

  it("a flood of anonymous calls from the operator's own address does not make the operator's calls RATE_LIMITED", async () => {
    const flooders = await Promise.all(Array.from({ length: 12 }, () => rawConnect(d.url)));
    const op = await rawConnect(d.url, TOKENS.operator);
    const codes = { flood: new Map<string, number>(), op: new Map<string, number>() };
    const count = (m: Map<string, number>, r: any): void => {
      const k = r.error?.data?.code ?? 'ok';
      m.set(k, (m.get(k) ?? 0) + 1);
    };
    const flood = Promise.all(
      flooders.map(async (f) => {
        for (let i = 0; i < 50; i++) count(codes.flood, await f.call('status'));
      }),
    );
    for (let i = 0; i < 20; i++) count(codes.op, await op.call('status'));
    await flood;
    for (const f of flooders) f.close();
    op.close();
    expect(Object.fromEntries(codes.op)).toEqual({ ok: 20 });
    // the anonymous ones had a budget of their own, and used it up
    expect(codes.flood.get('RATE_LIMITED')).toBeGreaterThan(0);
    expect(codes.flood.get('ok')).toBeUndefined();
  }, 60_000);
});
