// The control API's bookkeeping limits, in isolation: connection admission, redaction at any depth,
// the audit log's size caps (real SQLite file), and the daemon's crash policy.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Admission } from '../../daemon/api/Admission.js';
import { Store } from '../../daemon/store/Store.js';
import { MAX_AUDIT_PAGE, MAX_AUDIT_PAGE_BYTES } from '../../daemon/store/AuditRepo.js';
import {
  MAX_AUDIT_PARAMS_BYTES,
  MAX_REDACT_DEPTH,
  auditParams,
  redactSecrets,
  redactUrl,
} from '../../daemon/util/redact.js';
import { CRASH_EXIT_CODE, exitOnCrash } from '../../daemon/crash.js';

const root = mkdtempSync(join(tmpdir(), 'vc-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Admission', () => {
  const limits = {
    maxConnections: 10,
    maxConnectionsPerAddress: 6,
    maxUnauthenticated: 4,
    maxUnauthenticatedPerAddress: 2,
  };
  const conn = (address: string, authenticated: boolean) => ({ address, authenticated });

  it('caps anonymous connections per address and in total, and reserves the rest for token holders', () => {
    const a = new Admission<ReturnType<typeof conn>>(limits);
    for (const addr of ['1', '1', '2', '2']) {
      expect(a.decide(addr, false)).toEqual({});
      a.add(conn(addr, false));
    }
    expect(a.decide('1', false)).toHaveProperty('refused', expect.stringMatching(/from 1 \(limit 2\)/));
    expect(a.decide('3', false)).toHaveProperty('refused', expect.stringMatching(/limit 4/));
    for (let i = 0; i < 6; i++) {
      expect(a.decide(`t${i}`, true)).toEqual({});
      a.add(conn(`t${i}`, true));
    }
    expect(a.size).toBe(10);
  });

  it('a token holder finding the daemon or its address full evicts the oldest anonymous connection, never a token holder', () => {
    const a = new Admission<ReturnType<typeof conn>>(limits);
    const oldest = conn('1', false);
    a.add(oldest);
    a.add(conn('1', false));
    for (let i = 0; i < 4; i++) a.add(conn('1', true));
    const d = a.decide('1', true);
    expect(d).toEqual({ evict: oldest });
    a.remove(oldest);
    a.add(conn('1', true));
    a.remove(oldest); // twice is harmless
    const next = a.decide('1', true);
    expect('evict' in next && next.evict?.authenticated).toBe(false);
    const b = new Admission<ReturnType<typeof conn>>({ ...limits, maxConnectionsPerAddress: 1 });
    b.add(conn('1', true));
    expect(b.decide('1', true)).toHaveProperty('refused', expect.stringMatching(/too many connections from 1/));
  });
});

describe('redaction and audited params', () => {
  it('redacts secrets at any depth; what is too deep is replaced, never passed through', () => {
    let v: unknown = { password: 'p', token: 't', ok: 1 };
    for (let i = 0; i < 40; i++) v = { inner: v, list: [{ secret: 's' }] };
    const out = JSON.stringify(redactSecrets(v));
    expect(out).not.toMatch(/"p"|"t"|"s"/);
    expect(out).toContain('[too deep]');
    expect(JSON.stringify(redactSecrets({ a: { b: { pin: '1234', name: 'x' } } }))).toBe(
      '{"a":{"b":{"pin":"[redacted]","name":"x"}}}',
    );
    let depth = 0;
    for (let x: any = redactSecrets(v); x && typeof x === 'object'; x = x.inner) depth++;
    expect(depth).toBe(MAX_REDACT_DEPTH);
  });

  it('keeps small params whole and summarises big ones with their size', () => {
    expect(auditParams({ id: 'c-1', password: 'x' })).toEqual({ id: 'c-1', password: '[redacted]' });
    const big = auditParams({ title: 'x'.repeat(1_000_000), secret: 'zz' }) as Record<string, unknown>;
    expect(big).toMatchObject({ truncated: true, keys: ['title', 'secret'] });
    expect(big.bytes).toBeGreaterThan(1_000_000);
    expect(JSON.stringify(big).length).toBeLessThan(MAX_AUDIT_PARAMS_BYTES);
    expect(JSON.stringify(big)).not.toContain('zz');
  });

  it('redacts token query parameters in logged URLs', () => {
    expect(redactUrl('/join?t=eyJ2.abc&x=1')).toBe('/join?t=[redacted]&x=1');
    expect(redactUrl('/x?a=1&token=zzz')).toBe('/x?a=1&token=[redacted]');
    expect(redactUrl('/metrics')).toBe('/metrics');
  });
});

describe('the audit log on a real SQLite file', () => {
  it('stores a megabyte of params as a summary', () => {
    const store = Store.open(join(root, 'a.db'));
    const id = store.audit.append({
      actor: 'vera',
      role: 'viewer',
      method: 'conference.start',
      params: { title: 'x'.repeat(1_000_000) },
      result: 'error',
      errorCode: 'FORBIDDEN',
    });
    const row = store.audit.get(id)!;
    expect(row.params).toMatchObject({ truncated: true });
    expect(JSON.stringify(row.params).length).toBeLessThan(MAX_AUDIT_PARAMS_BYTES);
    store.close();
  });

  it('a page stops at its byte budget, keeps the newest entries, and beforeId pages back without losing any', () => {
    const store = Store.open(join(root, 'b.db'));
    const n = 700;
    for (let i = 0; i < n; i++) {
      store.audit.append({
        actor: 'alice',
        role: 'operator',
        method: 'schedule.add',
        params: { i, note: 'y'.repeat(3000) },
        result: 'ok',
      });
    }
    const first = store.audit.list({ limit: MAX_AUDIT_PAGE });
    expect(first.length).toBeLessThan(n);
    expect(first.reduce((s, e) => s + JSON.stringify(e.params).length, 0)).toBeLessThanOrEqual(MAX_AUDIT_PAGE_BYTES);
    expect((first.at(-1)!.params as { i: number }).i).toBe(n - 1);
    const seen = new Set(first.map((e) => e.id));
    let page = first;
    while (page.length > 0) {
      page = store.audit.list({ limit: MAX_AUDIT_PAGE, beforeId: page[0]!.id });
      for (const e of page) seen.add(e.id);
    }
    expect(seen.size).toBe(n);
    expect(store.audit.list({ limit: 50_000 }).length).toBeLessThanOrEqual(MAX_AUDIT_PAGE);
    store.close();
  });
});

describe('crash policy', () => {
  it('an uncaught exception or unhandled rejection is logged as fatal and exits non-zero', () => {
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      const lines: { level: number; msg: string }[] = [];
      const log = pino(
        { level: 'info' },
        new Writable({
          write(c, _e, cb) {
            lines.push(JSON.parse(String(c)));
            cb();
          },
        }),
      );
      const proc = new EventEmitter();
      const exits: number[] = [];
      exitOnCrash(log, proc as unknown as NodeJS.Process, (code) => exits.push(code));
      proc.emit(event, new Error('boom'));
      proc.emit(event, new Error('again'));
      expect(exits).toEqual([CRASH_EXIT_CODE]);
      expect(lines.filter((l) => l.level === 60)).toHaveLength(1);
      expect(lines[0]!.msg).toMatch(/exiting/);
    }
  });
});
