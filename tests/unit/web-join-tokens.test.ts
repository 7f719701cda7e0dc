// Join invitations: signed claims that survive a daemon restart (the secret lives in the store) and
// refuse every change to what they say.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/Store.js';
import { JoinTokens } from '../../daemon/web/JoinTokens.js';
import { ManualClock } from '../helpers/manualClock.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-tokens-'));
  file = join(dir, 'vcbridge.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const resign = (token: string, change: (c: Record<string, unknown>) => void): string => {
  const [body, sig] = token.split('.') as [string, string];
  const c = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  change(c);
  return `${Buffer.from(JSON.stringify(c)).toString('base64url')}.${sig}`;
};

describe('join tokens', () => {
  it('a link made before a restart still works after it (the secret is kept in the store)', () => {
    const clock = new ManualClock(Date.parse('2026-12-07T01:00:00Z'));
    const a = Store.open(file);
    const { token, claims } = new JoinTokens({ kv: a.kv, clock }).issue({
      conferenceId: 'c-1',
      name: '教育局',
      ttlMs: 3_600_000,
    });
    a.close();
    const b = Store.open(file);
    expect(new JoinTokens({ kv: b.kv, clock }).verify(token)).toEqual(claims);
    expect(claims.participantId).toMatch(/^web-[0-9a-f]{6}$/);
    b.close();
    const other = Store.open(join(dir, 'other.db'));
    expect(() => new JoinTokens({ kv: other.kv, clock }).verify(token), "another bridge's secret").toThrow(
      /not genuine/,
    );
    other.close();
  });

  it('refuses a changed conference, name, seat or expiry, and expires on time', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T01:00:00Z'));
    const store = Store.open(file);
    const tokens = new JoinTokens({ kv: store.kv, clock });
    const { token } = tokens.issue({ conferenceId: 'c-1', name: '教育局', ttlMs: 60_000 });
    for (const [field, value] of [
      ['c', 'c-2'],
      ['n', '公安局'],
      ['p', 'web-000000'],
      ['e', Date.parse('2030-01-01T00:00:00Z')],
    ] as const) {
      expect(() => tokens.verify(resign(token, (c) => (c[field] = value))), field).toThrow(
        expect.objectContaining({ code: 'TOKEN_INVALID' }),
      );
    }
    expect(() => tokens.verify('garbage')).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    expect(() => tokens.verify(undefined)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    await clock.advance(59_999);
    expect(tokens.verify(token).conferenceId).toBe('c-1');
    await clock.advance(1);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
    store.close();
  });

  it('accepts only our own spelling of a signature: padded, standard-alphabet or stray-bit variants are refused', () => {
    const clock = new ManualClock(Date.parse('2026-12-07T01:00:00Z'));
    const store = Store.open(file);
    const tokens = new JoinTokens({ kv: store.kv, clock });
    const { token } = tokens.issue({ conferenceId: 'c-1', name: 'x', ttlMs: 60_000 });
    expect(tokens.verify(token).conferenceId).toBe('c-1');
    const [body, sig] = token.split('.') as [string, string];
    const bytes = Buffer.from(sig, 'base64url');
    // 32 bytes → 43 characters; the last carries 4 bits of signature and 2 unused ones
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const strayBits = [1, 2, 3].map((k) => `${sig.slice(0, -1)}${alphabet[(alphabet.indexOf(last) & ~3) | k]}`);
    const variants = [`${sig}=`, bytes.toString('base64'), `${sig}%3D`, ` ${sig}`, ...strayBits].filter(
      (v) => v !== sig,
    );
    expect(variants.length).toBeGreaterThanOrEqual(5);
    for (const v of variants) {
      expect(() => tokens.verify(`${body}.${v}`), v).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    }
    store.close();
  });
});

describe('live (watch-only) tokens', () => {
  it('are signed for one conference, expire on time, and are never taken for join tokens or back', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T01:00:00Z'));
    const store = Store.open(file);
    const tokens = new JoinTokens({ kv: store.kv, clock });
    const { token, claims } = tokens.issueLive({ conferenceId: 'c-1', ttlMs: 60_000 });
    expect(tokens.verifyLive(token)).toEqual(claims);
    expect(() => tokens.verify(token), 'a live token does not join').toThrow(/not genuine/);
    const joinToken = tokens.issue({ conferenceId: 'c-1', name: 'x', ttlMs: 60_000 }).token;
    expect(() => tokens.verifyLive(joinToken), 'a join token does not watch').toThrow(/not genuine/);
    expect(() => tokens.verifyLive(resign(token, (c) => (c.c = 'c-2')))).toThrow(/not genuine/);
    expect(() => tokens.verifyLive(resign(token, (c) => (c.e = (c.e as number) + 1)))).toThrow(/not genuine/);
    expect(() => tokens.verifyLive(undefined)).toThrow(/no invitation token/);
    await clock.advance(59_999);
    expect(tokens.verifyLive(token).conferenceId).toBe('c-1');
    await clock.advance(1);
    expect(() => tokens.verifyLive(token)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
    store.close();
  });
});
