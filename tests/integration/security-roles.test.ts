// Security of the control API and the SIP port on a whole daemon (started in-process, so the test
// can enumerate the method table it really serves): every registered method is refused with
// FORBIDDEN to a role below its METHOD_ROLES entry and served to the others; the API and SIP rate
// limits bite per source; the audit log cannot be changed through the API nor in the database.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../daemon/Daemon.js';
import { METHODS, ROLE_RANK, type Role } from '../../protocol/index.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { TOKENS, rawConnect, testConfig } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

type Reply = { result?: unknown; error?: { message: string; data?: { code: string } } };
const ROLES: Role[] = ['viewer', 'technician', 'operator'];

let dir: string;
let daemon: Daemon;
let url: string;
let sipPort: number;
const conns = new Map<Role, Awaited<ReturnType<typeof rawConnect>>>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-sec-'));
  sipPort = await freePort();
  const configFile = join(dir, 'site.yaml');
  writeFileSync(configFile, stringify(testConfig(await freePort(), sipPort)));
  daemon = await Daemon.start({ configFile, dataDir: join(dir, 'data'), log: silentLogger(), apiPort: 0 });
  url = daemon.api.url;
  for (const r of ROLES) conns.set(r, await rawConnect(url, TOKENS[r]));
}, 30_000);

afterAll(async () => {
  for (const c of conns.values()) c.close();
  await daemon?.stop('test over');
  rmSync(dir, { recursive: true, force: true });
});

/** A call that must not change anything when allowed: strict schemas refuse the unknown key, and
 *  the few methods without params are harmless (daemon.stop is left for the end). */
async function probe(role: Role, method: string): Promise<Reply> {
  const params = daemon.router.get(method)?.schema ? { __roleProbe: true } : undefined;
  return (await conns.get(role)!.call(method, params)) as Reply;
}

describe('roles on every method', () => {
  it('every registered method has exactly its METHODS role, and every METHODS entry is served', () => {
    const registered = daemon.router.methods();
    expect(registered.length).toBeGreaterThan(30);
    for (const m of registered) {
      expect(Object.keys(METHODS), `${m} has a role in protocol.METHODS`).toContain(m);
      expect(daemon.router.get(m)!.role, `${m}'s enforced role`).toBe(
        (METHODS as Record<string, { role: Role }>)[m]!.role,
      );
    }
    expect(registered.sort()).toEqual(Object.keys(METHODS).sort());
  });

  for (const role of ROLES) {
    for (const cls of ROLES) {
      const allowed = ROLE_RANK[role] >= ROLE_RANK[cls];
      it(`${role === 'operator' ? 'an' : 'a'} ${role} calling ${cls}-class methods: ${allowed ? 'served (never FORBIDDEN)' : 'FORBIDDEN, and audited'}`, async () => {
        const methods = daemon.router
          .methods()
          .filter((m) => daemon.router.get(m)!.role === cls && m !== 'daemon.stop');
        expect(methods.length, `some ${cls}-class methods exist`).toBeGreaterThan(0);
        for (const m of methods) {
          const r = await probe(role, m);
          if (allowed) expect(r.error?.data?.code, `${role} → ${m}: ${r.error?.message}`).not.toBe('FORBIDDEN');
          else {
            expect(r.error?.data?.code, `${role} → ${m}`).toBe('FORBIDDEN');
            expect(r.error?.message).toContain(`needs the ${cls} role`);
          }
        }
        if (!allowed) {
          const audited = daemon.store.audit
            .list({ limit: 10_000 })
            .filter((e) => e.role === role && e.errorCode === 'FORBIDDEN')
            .map((e) => e.method);
          for (const m of methods.filter((x) => !/\.(list|show)$|^(status|subscribe|unsubscribe|report\..*)$/.test(x)))
            expect(audited).toContain(m);
        }
      }, 20_000);
    }
  }

  it('without a token every method is AUTH_REQUIRED; with a wrong one AUTH_INVALID', async () => {
    const anon = await rawConnect(url);
    const wrong = await rawConnect(url, 'not-a-real-token');
    try {
      // calls without a valid token share a small per-address budget (burst 100) and there are more
      // methods than that: a call refused as RATE_LIMITED is asked again once the budget refills
      const codeOf = async (c: typeof anon, m: string): Promise<string | undefined> => {
        for (let i = 0; i < 100; i++) {
          const code = ((await c.call(m, {})) as Reply).error?.data?.code;
          if (code !== 'RATE_LIMITED') return code;
          await new Promise((r) => setTimeout(r, 200));
        }
        return 'RATE_LIMITED';
      };
      for (const m of daemon.router.methods()) {
        expect(await codeOf(anon, m), m).toBe('AUTH_REQUIRED');
        expect(await codeOf(wrong, m), m).toBe('AUTH_INVALID');
      }
    } finally {
      anon.close();
      wrong.close();
    }
  }, 120_000);
});

describe('audit log', () => {
  it('the API offers no way to change it: audit.list only; update/delete/clear do not exist', async () => {
    expect(daemon.router.methods().filter((m) => m.startsWith('audit.'))).toEqual(['audit.list']);
    for (const m of ['audit.delete', 'audit.update', 'audit.clear', 'audit.remove', 'audit.edit']) {
      expect(((await conns.get('operator')!.call(m, { id: 1 })) as Reply).error?.data?.code, m).toBe('METHOD_UNKNOWN');
    }
  });

  it('the database itself refuses UPDATE and DELETE on the audit table of the running daemon', async () => {
    await conns.get('operator')!.call('daemon.reload');
    const before = daemon.store.audit.list({ limit: 10_000 });
    expect(before.length).toBeGreaterThan(0);
    const db = new Database(join(dir, 'data', 'vcbridge.db'));
    try {
      expect(() => db.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit WHERE id = ?').run(before[0]!.id)).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect(daemon.store.audit.list({ limit: 10_000 }).slice(0, before.length)).toEqual(before);
  });
});

describe('rate limits', () => {
  it('API: one address flooding calls gets RATE_LIMITED past its budget, and is served again a second later', async () => {
    const c = await rawConnect(url, TOKENS.viewer);
    // the budget (200/s, burst 400) is per token, and the tests above spent some of it
    await new Promise((r) => setTimeout(r, 2100));
    try {
      const replies = (await Promise.all(Array.from({ length: 700 }, () => c.call('status')))) as Reply[];
      const limited = replies.filter((r) => r.error?.data?.code === 'RATE_LIMITED').length;
      const served = replies.filter((r) => r.result).length;
      expect(served).toBeGreaterThanOrEqual(400);
      expect(limited).toBeGreaterThan(100);
      await new Promise((r) => setTimeout(r, 1500));
      expect(((await c.call('status')) as Reply).result).toBeTruthy();
    } finally {
      c.close();
    }
  }, 20_000);

  it('API: wrong tokens from one address are refused at the upgrade (429) after 20 tries', async () => {
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers: { authorization: `Bearer guess-${i}` } });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(0));
      });
      if (status === 429) refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(9);
    // the right token still gets in from the same address
    const ok = await rawConnect(url, TOKENS.viewer);
    expect(((await ok.call('status')) as Reply).result).toBeTruthy();
    ok.close();
  });

  it('SIP: a source not in the allow-list gets 403 for a burst, then silence; a configured address is still answered', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.9', () => r()));
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('latin1').split('\r\n')[0]!));
    const port = sock.address().port;
    try {
      for (let i = 0; i < 60; i++) {
        const msg = [
          `OPTIONS sip:bridge@127.0.0.1:${sipPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.9:${port};branch=z9hG4bKrl${i}x${Date.now()}`,
          'Max-Forwards: 70',
          `From: <sip:probe@127.0.0.9>;tag=rl${i}`,
          `To: <sip:bridge@127.0.0.1:${sipPort}>`,
          `Call-ID: rl-${i}-${Date.now()}@x`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        sock.send(Buffer.from(msg, 'latin1'), sipPort, '127.0.0.1');
      }
      await new Promise((r) => setTimeout(r, 800));
      expect(
        got.every((l) => l === 'SIP/2.0 403 Forbidden'),
        got.join('|'),
      ).toBe(true);
      expect(got.length).toBeGreaterThanOrEqual(5);
      expect(got.length).toBeLessThanOrEqual(15);
    } finally {
      sock.close();
    }
    // 127.0.0.1 is the configured endpoint's host: its OPTIONS are answered all the while
    const ok = createSocket('udp4');
    await new Promise<void>((r) => ok.bind(0, '127.0.0.1', () => r()));
    const answer = new Promise<string>((resolve) =>
      ok.once('message', (m) => resolve(m.toString('latin1').split('\r\n')[0]!)),
    );
    const p = ok.address().port;
    ok.send(
      Buffer.from(
        [
          `OPTIONS sip:bridge@127.0.0.1:${sipPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${p};branch=z9hG4bKok${Date.now()}`,
          'Max-Forwards: 70',
          'From: <sip:xiaoguan@127.0.0.1>;tag=ok1',
          `To: <sip:bridge@127.0.0.1:${sipPort}>`,
          `Call-ID: ok-${Date.now()}@x`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        'latin1',
      ),
      sipPort,
      '127.0.0.1',
    );
    try {
      expect(await answer).toBe('SIP/2.0 200 OK');
    } finally {
      ok.close();
    }
  });
});

describe('daemon.stop', () => {
  it('is refused to a viewer and a technician, and obeyed for an operator', async () => {
    for (const r of ['viewer', 'technician'] as const)
      expect((await probe(r, 'daemon.stop')).error?.data?.code).toBe('FORBIDDEN');
    expect((await probe('operator', 'daemon.stop')).result).toEqual({ stopping: true });
    await daemon.stopped;
  });
});
