import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/Store.js';
import { LATEST_VERSION, MIGRATIONS } from '../../daemon/store/migrations.js';
import type { Clock } from '../../daemon/util/clock.js';

const root = mkdtempSync(join(tmpdir(), 'vc-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => join(root, `t${++n}`, 'sub', 'vcbridge.db');

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  t = Date.UTC(2025, 0, 6, 1, 0, 0);
  now(): number {
    return this.t;
  }
  setTimeout(): never {
    throw new Error('not used');
  }
  clearTimeout(): void {
    /* not used */
  }
}

describe('Store: opening and migrations', () => {
  it('creates the parent folder and migrates an empty file to the latest version', () => {
    const file = freshFile();
    const store = Store.open(file);
    try {
      expect(existsSync(file)).toBe(true);
      expect(store.schemaVersion).toBe(LATEST_VERSION);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps data across close and reopen, and reopening does not migrate again', () => {
    const file = freshFile();
    const a = Store.open(file);
    const id = a.audit.append({
      actor: 'demo',
      role: 'operator',
      method: 'conference.start',
      params: { title: '周例会' },
      result: 'ok',
    });
    a.kv.set('lastCleanShutdown', { at: 123 });
    a.close();
    a.close(); // twice is harmless
    const b = Store.open(file);
    try {
      expect(b.audit.get(id)?.params).toEqual({ title: '周例会' });
      expect(b.kv.get('lastCleanShutdown')).toEqual({ at: 123 });
      expect(b.schemaVersion).toBe(LATEST_VERSION);
    } finally {
      b.close();
    }
  });

  it('refuses a file written by a newer schema, with STORE_FAILED naming the file and versions', () => {
    const file = freshFile();
    Store.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    expect(() => Store.open(file)).toThrowError(
      expect.objectContaining({
        code: 'STORE_FAILED',
        message: expect.stringMatching(
          new RegExp(`${file}.*schema version ${LATEST_VERSION + 5}.*\\(${LATEST_VERSION}\\)`),
        ) as unknown,
      }) as Error,
    );
  });

  it('applies only pending migrations, each with its user_version, and a failing one leaves nothing behind', () => {
    const file = freshFile();
    Store.open(file).close();
    const extra = [
      ...MIGRATIONS,
      {
        version: LATEST_VERSION + 1,
        name: 'add notes',
        up: (db: Database.Database) => db.exec('CREATE TABLE notes (t TEXT) STRICT'),
      },
      {
        version: LATEST_VERSION + 2,
        name: 'broken',
        up: (db: Database.Database) => db.exec('CREATE TABLE half (x); CREATE TABLE oops ('),
      },
    ];
    expect(() => Store.open(file, { migrations: extra })).toThrowError(/migration .* \(broken\)/);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 1);
      const tables = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      ).map((r) => r.name);
      expect(tables).toContain('notes');
      expect(tables).not.toContain('half');
    } finally {
      db.close();
    }
  });

  it('a file that is not a database is STORE_FAILED naming it', () => {
    const file = join(root, 'garbage.db');
    writeFileSync(file, 'this is not sqlite '.repeat(100));
    expect(() => Store.open(file)).toThrowError(
      expect.objectContaining({ code: 'STORE_FAILED', message: expect.stringContaining(file) as unknown }) as Error,
    );
  });
});

describe('Store: repositories', () => {
  let store: Store;
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
    store = Store.open(freshFile(), { clock });
  });
  afterEach(() => store.close());

  it('audit: appends, lists the newest N oldest-first, filters by since, redacts secrets', () => {
    for (let i = 0; i < 5; i++) {
      store.audit.append({
        actor: 'demo',
        role: 'operator',
        method: `m${i}`,
        params: { i, token: 'plain-token', nested: { password: 'pw' } },
        result: i === 3 ? 'error' : 'ok',
        errorCode: i === 3 ? 'FORBIDDEN' : undefined,
      });
      clock.t += 60_000;
    }
    const last2 = store.audit.list({ limit: 2 });
    expect(last2.map((e) => e.method)).toEqual(['m3', 'm4']);
    expect(last2[0]).toMatchObject({ result: 'error', errorCode: 'FORBIDDEN', at: '2025-01-06T01:03:00.000Z' });
    expect(last2[1]).not.toHaveProperty('errorCode');
    expect(last2[1]?.params).toEqual({ i: 4, token: '[redacted]', nested: { password: '[redacted]' } });
    expect(store.audit.list({ since: '2025-01-06T01:02:00Z' }).map((e) => e.method)).toEqual(['m2', 'm3', 'm4']);
    expect(() => store.audit.list({ since: 'yesterday' })).toThrowError(
      expect.objectContaining({ code: 'PARAMS_INVALID' }) as Error,
    );
  });

  it('audit: the log has no update or delete, and the database itself refuses both', () => {
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(store.audit))).toEqual(
      expect.not.arrayContaining(['update', 'delete', 'remove']),
    );
    store.audit.append({ actor: 'a', role: 'viewer', method: 'x', params: null, result: 'ok' });
    store.close();
    const db = new Database(store.file);
    try {
      expect(() => db.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrowError(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrowError(/append-only/);
    } finally {
      db.close();
    }
    store = Store.open(store.file);
  });

  it('health: transitions, latest state per endpoint, uptime from transitions', () => {
    const h = store.health;
    const t0 = 1_000_000;
    h.recordTransition({ endpointId: 'mihe', from: 'unknown', to: 'reachable', at: t0, rttMs: 12 });
    h.recordTransition({
      endpointId: 'mihe',
      from: 'reachable',
      to: 'unreachable',
      at: t0 + 60_000,
      reason: 'no answer to OPTIONS',
    });
    h.recordTransition({ endpointId: 'mihe', from: 'unreachable', to: 'degraded', at: t0 + 90_000, rttMs: 450 });
    h.recordTransition({ endpointId: 'xiaoguan', from: 'unknown', to: 'reachable', at: t0 + 5 });
    expect(h.lastTransitions('mihe', 2).map((t) => t.to)).toEqual(['degraded', 'unreachable']);
    expect(h.lastTransitions('mihe', 5)[1]).toMatchObject({
      reason: 'no answer to OPTIONS',
      rttMs: null,
      from: 'reachable',
    });
    expect(h.latestStates()).toEqual(
      new Map([
        ['mihe', { state: 'degraded', since: t0 + 90_000 }],
        ['xiaoguan', { state: 'reachable', since: t0 + 5 }],
      ]),
    );
    // [t0, t0+120s): up 60 s, down 30 s, degraded (counts as up) 30 s
    expect(h.uptime('mihe', t0, t0 + 120_000)).toBeCloseTo(0.75, 10);
    // a window starting before anything is known: the unknown part is left out
    expect(h.availability('mihe', t0 - 60_000, t0 + 60_000)).toEqual({ upMs: 60_000, downMs: 0, unknownMs: 60_000 });
    expect(h.uptime('mihe', t0 - 60_000, t0 + 60_000)).toBe(1);
    // a window inside the outage
    expect(h.uptime('mihe', t0 + 65_000, t0 + 85_000)).toBe(0);
    expect(h.uptime('nobody', t0, t0 + 1000)).toBeNaN();
  });

  it('health: samples one by one and batched, read back and pruned', () => {
    const h = store.health;
    h.recordSample({ endpointId: 'mihe', at: 100, rttMs: 10, ok: true, code: 200 });
    h.recordSamples([
      { endpointId: 'mihe', at: 200, rttMs: null, ok: false },
      { endpointId: 'mihe', at: 300, rttMs: 30, ok: true, code: 200 },
      { endpointId: 'heluo', at: 300, rttMs: 5, ok: true },
    ]);
    expect(h.samples('mihe', 0)).toEqual([
      { endpointId: 'mihe', at: 100, rttMs: 10, ok: true, code: 200 },
      { endpointId: 'mihe', at: 200, rttMs: null, ok: false, code: null },
      { endpointId: 'mihe', at: 300, rttMs: 30, ok: true, code: 200 },
    ]);
    expect(h.pruneSamples(250)).toBe(2);
    expect(h.samples('mihe', 0).map((s) => s.at)).toEqual([300]);
  });

  it('health: a batch with one bad row stores none of it', () => {
    expect(() =>
      store.health.recordSamples([
        { endpointId: 'a', at: 1, rttMs: 1, ok: true },
        { endpointId: null as unknown as string, at: 2, rttMs: 1, ok: true },
      ]),
    ).toThrowError(expect.objectContaining({ code: 'STORE_FAILED' }) as Error);
    expect(store.health.samples('a', 0)).toEqual([]);
  });

  it('schedules: create, update (including back to null), cancel, list, remove with cascade', () => {
    const s = store.schedules;
    const weekly = s.create({
      title: '周一例会',
      startUtc: Date.UTC(2025, 0, 6, 1),
      durationMs: 3_600_000,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      tz: 'Asia/Shanghai',
      endpoints: ['mihe', 'xiaoguan'],
      upstream: 'zhengzhou',
      chair: 'mihe',
      createdBy: 'demo',
    });
    const once = s.create({
      id: 'flood-drill',
      title: '防汛演练',
      startUtc: Date.UTC(2025, 0, 1),
      durationMs: 1_800_000,
      tz: 'Asia/Shanghai',
      endpoints: ['shuili'],
      createdBy: 'demo',
      forced: true,
    });
    expect(weekly.id).toMatch(/^s-[a-z2-9]{10}$/);
    expect(s.get('flood-drill')).toEqual(once);
    expect(once).toMatchObject({ rrule: null, forced: true, cancelledAt: null, createdAt: clock.t });

    clock.t += 1000;
    const updated = s.update(weekly.id, { chair: null, endpoints: ['mihe'], title: undefined });
    expect(updated).toMatchObject({
      chair: null,
      endpoints: ['mihe'],
      title: '周一例会',
      updatedAt: clock.t,
      createdAt: clock.t - 1000,
    });
    expect(s.get(weekly.id)).toEqual(updated);
    expect(() => s.update('nope', { title: 'x' })).toThrowError(
      expect.objectContaining({ code: 'SCHEDULE_UNKNOWN' }) as Error,
    );

    expect(s.list().map((x) => x.id)).toEqual(['flood-drill', weekly.id]);
    const cancelled = s.cancel('flood-drill');
    expect(cancelled.cancelledAt).toBe(clock.t);
    clock.t += 5;
    expect(s.cancel('flood-drill').cancelledAt).toBe(clock.t - 5);
    expect(s.list().map((x) => x.id)).toEqual([weekly.id]);
    expect(s.list({ includeCancelled: true })).toHaveLength(2);

    expect(() =>
      s.create({ id: weekly.id, title: 'dup', startUtc: 0, durationMs: 1, tz: 'UTC', endpoints: [], createdBy: 'x' }),
    ).toThrowError(expect.objectContaining({ code: 'STORE_FAILED' }) as Error);

    const occ = weekly.startUtc;
    s.setException({ scheduleId: weekly.id, occurrenceStartUtc: occ + 7 * 86_400_000, kind: 'cancelled' });
    store.occurrences.setOccurrenceState({
      scheduleId: weekly.id,
      occurrenceStartUtc: occ,
      state: 'started',
      conferenceId: 'c-1',
    });
    store.occurrences.addPreflightReport({
      scheduleId: weekly.id,
      occurrenceStartUtc: occ,
      report: { missing: ['xiaoguan'] },
    });
    expect(s.remove(weekly.id)).toBe(true);
    expect(s.remove(weekly.id)).toBe(false);
    expect(s.exceptions(weekly.id)).toEqual([]);
    expect(store.occurrences.occurrenceStates({ scheduleId: weekly.id })).toEqual([]);
    expect(store.occurrences.preflightReports(weekly.id)).toEqual([]);
  });

  it('schedules: exceptions, occurrence states and pre-flight reports', () => {
    const s = store.schedules;
    const w = s.create({
      title: 'w',
      startUtc: 0,
      durationMs: 60_000,
      rrule: 'FREQ=DAILY',
      tz: 'Asia/Shanghai',
      endpoints: ['a'],
      createdBy: 'demo',
    });
    const day = 86_400_000;
    s.setException({ scheduleId: w.id, occurrenceStartUtc: day, kind: 'moved', newStartUtc: day + 3_600_000 });
    s.setException({ scheduleId: w.id, occurrenceStartUtc: 2 * day, kind: 'cancelled' });
    s.setException({ scheduleId: w.id, occurrenceStartUtc: 2 * day, kind: 'moved', newStartUtc: 2 * day + 60_000 }); // replaces
    expect(s.exceptions(w.id).map((e) => [e.occurrenceStartUtc, e.kind, e.newStartUtc])).toEqual([
      [day, 'moved', day + 3_600_000],
      [2 * day, 'moved', 2 * day + 60_000],
    ]);
    expect(s.removeException(w.id, day)).toBe(true);
    expect(() => s.setException({ scheduleId: w.id, occurrenceStartUtc: 3 * day, kind: 'moved' })).toThrowError(
      expect.objectContaining({ code: 'SCHEDULE_INVALID' }) as Error,
    );
    expect(() => s.setException({ scheduleId: 'nope', occurrenceStartUtc: 0, kind: 'cancelled' })).toThrowError(
      expect.objectContaining({ code: 'SCHEDULE_UNKNOWN' }) as Error,
    );

    store.occurrences.setOccurrenceState({ scheduleId: w.id, occurrenceStartUtc: 0, state: 'preflight' });
    store.occurrences.setOccurrenceState({
      scheduleId: w.id,
      occurrenceStartUtc: 0,
      state: 'started',
      conferenceId: 'c-x',
      at: 77,
    });
    store.occurrences.setOccurrenceState({ scheduleId: w.id, occurrenceStartUtc: day, state: 'missed' });
    expect(store.occurrences.occurrenceState(w.id, 0)).toEqual({
      scheduleId: w.id,
      occurrenceStartUtc: 0,
      state: 'started',
      conferenceId: 'c-x',
      updatedAt: 77,
    });
    expect(store.occurrences.occurrenceStates({ state: 'missed' }).map((o) => o.occurrenceStartUtc)).toEqual([day]);
    expect(store.occurrences.occurrenceStates({ scheduleId: w.id, fromUtc: 1, toUtc: 2 * day })).toHaveLength(1);
    expect(() =>
      store.occurrences.setOccurrenceState({ scheduleId: 'nope', occurrenceStartUtc: 0, state: 'pending' }),
    ).toThrowError(expect.objectContaining({ code: 'STORE_FAILED' }) as Error);

    const r1 = store.occurrences.addPreflightReport({
      scheduleId: w.id,
      occurrenceStartUtc: 0,
      report: { ok: 1 },
      at: 10,
    });
    const r2 = store.occurrences.addPreflightReport({
      scheduleId: w.id,
      occurrenceStartUtc: 0,
      report: { ok: 2 },
      at: 20,
    });
    store.occurrences.addPreflightReport({ scheduleId: w.id, occurrenceStartUtc: day, report: { ok: 3 }, at: 30 });
    expect(store.occurrences.preflightReports(w.id, 0).map((r) => r.id)).toEqual([r2, r1]);
    expect(store.occurrences.preflightReports(w.id)[0]?.report).toEqual({ ok: 3 });
  });

  it('conferences: create, get, list by state and since, update, end (idempotent), endAllActive', () => {
    const c = store.conferences;
    const a = c.create({
      title: '防汛调度会',
      mode: 'lecture',
      endpoints: ['mihe', 'heluo'],
      upstream: 'zhengzhou',
      createdBy: 'demo',
    });
    clock.t += 1000;
    const b = c.create({
      id: 'c-b',
      title: 'b',
      mode: 'discussion',
      endpoints: [],
      createdBy: 'demo',
      endsAt: clock.t + 3_600_000,
    });
    expect(c.get(a.id)).toEqual(a);
    expect(a).toMatchObject({ state: 'active', startedAt: clock.t - 1000, chair: null, scheduleId: null });
    expect(c.list().map((x) => x.id)).toEqual([a.id, 'c-b']);
    expect(c.list({ since: clock.t }).map((x) => x.id)).toEqual(['c-b']);
    expect(c.list({ limit: 1 }).map((x) => x.id)).toEqual(['c-b']);

    const u = c.update(a.id, { chair: 'mihe', endpoints: ['mihe'] });
    expect(c.get(a.id)).toEqual(u);
    expect(u).toMatchObject({ chair: 'mihe', endpoints: ['mihe'], title: '防汛调度会' });
    expect(() => c.update('nope', {})).toThrowError(expect.objectContaining({ code: 'CONFERENCE_UNKNOWN' }) as Error);

    clock.t += 1000;
    const ended = c.end(a.id, 'operator');
    expect(ended).toMatchObject({ state: 'ended', endedAt: clock.t, endReason: 'operator' });
    clock.t += 1000;
    expect(c.end(a.id, 'again')).toEqual(ended);
    expect(c.list({ state: 'active' }).map((x) => x.id)).toEqual(['c-b']);
    expect(c.endAllActive('daemon restarted')).toEqual(['c-b']);
    expect(c.get('c-b')).toMatchObject({ state: 'ended', endReason: 'daemon restarted', endedAt: clock.t });
    expect(b.endsAt).toBe(clock.t - 2000 + 3_600_000);
    expect(() =>
      c.create({ title: 'x', mode: 'lecture', endpoints: [], createdBy: 'd', scheduleId: 'no-such-schedule' }),
    ).toThrowError(expect.objectContaining({ code: 'STORE_FAILED' }) as Error);
  });

  it('cdr: open, answer, close (first close wins), list filters, closeDangling', () => {
    const conf = store.conferences.create({ title: 't', mode: 'lecture', endpoints: ['mihe'], createdBy: 'demo' });
    const id1 = store.cdr.open({
      conferenceId: conf.id,
      endpointId: 'mihe',
      direction: 'out',
      callId: 'a@127.0.0.1',
      startedAt: 1000,
    });
    const id2 = store.cdr.open({
      conferenceId: conf.id,
      endpointId: 'heluo',
      direction: 'in',
      callId: 'b@127.0.0.1',
      startedAt: 2000,
    });
    const id3 = store.cdr.open({ endpointId: 'xiaoguan', direction: 'out', callId: 'c@127.0.0.1', startedAt: 3000 });
    expect(store.cdr.answer(id1, 1500, { audio: 'PCMA', video: 'H264', srtp: 'AES_CM_128_HMAC_SHA1_80' })).toBe(true);
    expect(store.cdr.close(id1, 9000, 'bye', { lossPct: 0.5, jitterMs: 3 })).toBe(true);
    expect(store.cdr.close(id1, 9999, 'again')).toBe(false);
    expect(store.cdr.answer(id1, 9999)).toBe(false);
    expect(store.cdr.get(id1)).toEqual({
      id: id1,
      conferenceId: conf.id,
      endpointId: 'mihe',
      direction: 'out',
      callId: 'a@127.0.0.1',
      startedAt: 1000,
      answeredAt: 1500,
      endedAt: 9000,
      endReason: 'bye',
      audioCodec: 'PCMA',
      videoCodec: 'H264',
      srtp: 'AES_CM_128_HMAC_SHA1_80',
      stats: { lossPct: 0.5, jitterMs: 3 },
    });
    expect(store.cdr.get(id2)?.srtp).toBeNull();
    expect(store.cdr.list({ conferenceId: conf.id }).map((r) => r.id)).toEqual([id1, id2]);
    expect(store.cdr.list({ since: 2000 }).map((r) => r.id)).toEqual([id2, id3]);
    expect(store.cdr.list({ endpointId: 'xiaoguan' }).map((r) => r.id)).toEqual([id3]);
    expect(store.cdr.list({ limit: 1 }).map((r) => r.id)).toEqual([id3]);
    expect(store.cdr.closeDangling('daemon restarted', 10_000)).toBe(2);
    expect(store.cdr.get(id2)).toMatchObject({ endedAt: 10_000, endReason: 'daemon restarted', answeredAt: null });
    expect(() =>
      store.cdr.open({ conferenceId: 'c-none', endpointId: 'x', direction: 'out', callId: 'z' }),
    ).toThrowError(
      expect.objectContaining({
        code: 'STORE_FAILED',
        message: expect.stringContaining('FOREIGN KEY') as unknown,
      }) as Error,
    );
  });

  it('stats: batched insert, per-leg read since a time, prune', () => {
    const row = (at: number, endpointId = 'mihe') => ({
      conferenceId: 'c1',
      endpointId,
      at,
      lossPct: 1.5,
      jitterMs: 4.25,
      rttMs: 20,
      bitrateIn: 1_000_000.7,
      bitrateOut: 64_000,
      codec: 'H264',
    });
    store.stats.insertMany([row(1000), row(2000), row(3000), row(2000, 'heluo')]);
    store.stats.insert({ ...row(4000), lossPct: Number.NaN, codec: null });
    const leg = store.stats.forLeg('c1', 'mihe', 2000);
    expect(leg.map((s) => s.at)).toEqual([2000, 3000, 4000]);
    expect(leg[0]).toEqual({
      conferenceId: 'c1',
      endpointId: 'mihe',
      at: 2000,
      lossPct: 1.5,
      jitterMs: 4.25,
      rttMs: 20,
      bitrateIn: 1_000_001,
      bitrateOut: 64_000,
      codec: 'H264',
    });
    expect(leg[2]).toMatchObject({ lossPct: null, codec: null });
    expect(store.stats.prune(2500)).toBe(3);
    expect(store.stats.forLeg('c1', 'mihe', 0).map((s) => s.at)).toEqual([3000, 4000]);
  });

  it('kv: set, overwrite, entry time, delete, keys', () => {
    store.kv.set('a', { x: 1 });
    clock.t += 10;
    store.kv.set('a', [1, 2]);
    store.kv.set('b', 'text');
    expect(store.kv.get('a')).toEqual([1, 2]);
    expect(store.kv.entry('a')).toEqual({ value: [1, 2], updatedAt: clock.t });
    expect(store.kv.keys()).toEqual(['a', 'b']);
    expect(store.kv.delete('a')).toBe(true);
    expect(store.kv.delete('a')).toBe(false);
    expect(store.kv.get('a')).toBeUndefined();
  });

  it('transaction: writes through several repositories commit together or not at all', () => {
    const conf = store.conferences.create({ title: 't', mode: 'lecture', endpoints: ['mihe'], createdBy: 'demo' });
    const leg = store.cdr.open({ conferenceId: conf.id, endpointId: 'mihe', direction: 'out', callId: 'x' });
    expect(() =>
      store.transaction(() => {
        store.conferences.end(conf.id, 'operator');
        store.cdr.close(leg, clock.t, 'conference ended');
        throw new Error('boom');
      }),
    ).toThrowError('boom');
    expect(store.conferences.get(conf.id)?.state).toBe('active');
    expect(store.cdr.get(leg)?.endedAt).toBeNull();
    store.transaction(() => {
      store.conferences.end(conf.id, 'operator');
      store.cdr.close(leg, clock.t, 'conference ended');
    });
    expect(store.conferences.get(conf.id)?.state).toBe('ended');
    expect(store.cdr.get(leg)?.endReason).toBe('conference ended');
  });
});
