// The recordings index (RecordingRepo on a real SQLite file), the retention rule, the floor WebVTT,
// and the service's retention and deleted-file handling on real files (no ffmpeg: rows are made
// by hand, as a finished recording leaves them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/Store.js';
import { retentionVictims } from '../../daemon/conference/recording/retention.js';
import { floorVtt } from '../../daemon/conference/recording/FloorLog.js';
import { Recordings, type RecordedConferences } from '../../daemon/conference/recording/Recordings.js';
import { recordingView } from '../../daemon/conference/recording/recordingView.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { ManualClock } from '../helpers/manualClock.js';
import type { TemplatedRequest } from '../../daemon/config/templates.js';

const root = mkdtempSync(join(tmpdir(), 'vc-rec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DAY = 86_400_000;
const GB = 1024 ** 3;

describe('RecordingRepo', () => {
  it('stores, lists newest-limited oldest first, filters by conference, updates and deletes', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const store = Store.open(join(root, 'a', 'vcbridge.db'), { clock });
    try {
      const a = store.recordings.create({
        conferenceId: 'c-1',
        title: '周例会',
        startedBy: 'alice',
        dirOf: (id) => `/r/${id}`,
      });
      await clock.advance(1000);
      const b = store.recordings.create({
        conferenceId: 'c-2',
        title: 'B',
        startedBy: 'tom',
        dirOf: (id) => `/r/${id}`,
      });
      expect(a.id).toMatch(/^r-/);
      expect(a.path).toBe(`/r/${a.id}`);
      expect(store.recordings.list().map((r) => r.id)).toEqual([a.id, b.id]);
      expect(store.recordings.list({ limit: 1 }).map((r) => r.id)).toEqual([b.id]);
      expect(store.recordings.list({ conferenceId: 'c-1' }).map((r) => r.title)).toEqual(['周例会']);
      a.parts.push({ file: '/r/x/part-1.mp4', startedAt: a.startedAt, endedAt: a.startedAt + 5000, bytes: 1234 });
      a.state = 'stopped';
      a.endedAt = a.startedAt + 5000;
      a.durationMs = 5000;
      a.sizeBytes = 1234;
      store.recordings.save(a);
      expect(store.recordings.get(a.id)).toEqual(a);
      expect(store.recordings.list({ state: 'recording' }).map((r) => r.id)).toEqual([b.id]);
      expect(store.recordings.delete(a.id)).toBe(true);
      expect(store.recordings.delete(a.id)).toBe(false);
      expect(() => store.recordings.require(a.id)).toThrow(/no recording/);
    } finally {
      store.close();
    }
  });
});

describe('retention', () => {
  const now = Date.UTC(2026, 11, 1);
  const item = (id: string, ageDays: number, gb: number, running = false) => ({
    id,
    startedAt: now - ageDays * DAY,
    sizeBytes: gb * GB,
    running,
  });

  it('no limits: nothing goes', () => {
    expect(retentionVictims([item('a', 999, 50)], { maxDays: 0, maxGb: 0 }, now)).toEqual([]);
  });

  it('maxDays: everything older goes, oldest first; a running recording never', () => {
    const items = [item('new', 1, 1), item('old', 40, 1), item('older', 50, 1), item('live', 90, 1, true)];
    expect(retentionVictims(items, { maxDays: 30, maxGb: 0 }, now)).toEqual(['older', 'old']);
  });

  it('maxGb: the oldest go until the rest fits (a running one counts but stays)', () => {
    const items = [item('a', 3, 2), item('b', 2, 2), item('c', 1, 2), item('live', 0, 3, true)];
    // 9 GB in all, limit 5: a and b go (7 → 5 → 3... a: 9-2=7, b: 7-2=5 fits)
    expect(retentionVictims(items, { maxDays: 0, maxGb: 5 }, now)).toEqual(['a', 'b']);
    expect(retentionVictims(items, { maxDays: 0, maxGb: 100 }, now)).toEqual([]);
  });

  it('both: age first, then size over what is left', () => {
    const items = [item('ancient', 100, 1), item('a', 3, 2), item('b', 2, 2)];
    expect(retentionVictims(items, { maxDays: 30, maxGb: 2 }, now)).toEqual(['ancient', 'a']);
  });
});

describe('floor WebVTT', () => {
  it('one cue per holder until the next change, the last to the end; empty spans dropped', () => {
    const e = (offsetSeconds: number, label: string | null) => ({
      at: '',
      id: label,
      label,
      part: 1,
      offsetSeconds,
    });
    const vtt = floorVtt([e(0, '米河镇'), e(0, '小关镇'), e(65.5, null)], 3725.25, '—');
    expect(vtt).toBe(
      ['WEBVTT', '', '00:00:00.000 --> 00:01:05.500', '小关镇', '', '00:01:05.500 --> 01:02:05.250', '—', ''].join(
        '\n',
      ),
    );
  });
});

describe('Recordings service on real files', () => {
  function setup(settings: { maxDays: number; maxGb: number }) {
    const dir = join(root, `svc-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir, { recursive: true });
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const store = Store.open(join(dir, 'vcbridge.db'), { clock });
    const conferences: RecordedConferences = {
      programFeed: () => {
        throw new Error('not used');
      },
      get: () => {
        throw new Error('not used');
      },
      isActive: () => false,
      notice: () => undefined,
      on: () => undefined,
    };
    const svc = new Recordings({
      repo: store.recordings,
      conferences,
      settings: () => ({ dir, reserveMb: 0, ...settings }),
      clock,
      log: silentLogger(),
    });
    /** A finished recording of `ageDays` with one part file of `bytes`. */
    const finished = (ageDays: number, bytes: number) => {
      const row = store.recordings.create({
        conferenceId: 'c',
        title: 't',
        startedBy: 'a',
        dirOf: (id) => join(dir, id),
      });
      mkdirSync(row.path);
      const file = join(row.path, 'part-1.mp4');
      writeFileSync(file, Buffer.alloc(bytes));
      row.startedAt = clock.now() - ageDays * DAY;
      row.parts = [{ file, startedAt: row.startedAt, endedAt: row.startedAt + 1000, bytes }];
      row.state = 'stopped';
      row.endedAt = row.startedAt + 1000;
      row.sizeBytes = bytes;
      store.recordings.save(row);
      return row;
    };
    return { svc, store, clock, finished };
  }

  it('retention deletes the files and rows of expired recordings and keeps the rest', async () => {
    const { svc, store, finished } = setup({ maxDays: 7, maxGb: 0 });
    const old = finished(10, 1000);
    const fresh = finished(1, 1000);
    expect(svc.enforceRetention()).toEqual([old.id]);
    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(fresh.path)).toBe(true);
    expect(svc.list().map((r) => r.id)).toEqual([fresh.id]);
    await svc.close();
    store.close();
  });

  it('a part deleted by hand: listed as missing, not an error; delete still works', async () => {
    const { svc, store, finished } = setup({ maxDays: 0, maxGb: 0 });
    const r = finished(0, 10);
    rmSync(r.parts[0]!.file);
    const v = svc.show(r.id);
    expect(v.missing).toBe(true);
    expect(v.parts[0]!.missing).toBe(true);
    expect(svc.delete(r.id)).toEqual({ id: r.id, freedBytes: 0 });
    expect(() => svc.show(r.id)).toThrow(/no recording/);
    await svc.close();
    store.close();
  });

  it('a recording the last run left open, whose meeting did not come back, is closed at resume', async () => {
    const { svc, store, clock, finished } = setup({ maxDays: 0, maxGb: 0 });
    const r = finished(0, 100);
    r.state = 'recording';
    r.endedAt = null;
    r.parts[0]!.endedAt = null;
    store.recordings.save(r);
    await clock.advance(60_000);
    expect(await svc.resume()).toEqual([]);
    const v = recordingView(store.recordings.require(r.id), clock.now());
    expect(v.state).toBe('stopped');
    expect(v.stopReason).toMatch(/daemon stopped/);
    expect(v.parts[0]!.end).not.toBeNull();
    await svc.close();
    store.close();
  });
});

describe('record: true in a template', () => {
  it('is carried into what conference.start and schedule.add take; the caller can say otherwise', async () => {
    const { parseConfig } = await import('../../daemon/config/load.js');
    const { applyTemplate } = await import('../../daemon/config/templates.js');
    const { hashToken } = await import('../../daemon/config/tokens.js');
    const text = `site: { name: Test }
operators:
  - { name: alice, role: operator, tokenHash: ${hashToken('t')} }
endpoints:
  - { id: mihe, name: { zh: 米河镇, en: Mihe }, kind: town, uri: sip:m@127.0.1.1 }
templates:
  - { id: weekly, name: { zh: 周例会, en: Weekly }, endpoints: [mihe], record: true }
recording: { dir: /srv/rec, maxDays: 90, reserveMb: 2048 }
`;
    const { config } = parseConfig(text, 'rec.yaml', { env: {} });
    expect(config.recording).toEqual({ dir: '/srv/rec', maxDays: 90, maxGb: 0, reserveMb: 2048 });
    const req: TemplatedRequest = { template: 'weekly' };
    expect(applyTemplate(config, req).record).toBe(true);
    expect(applyTemplate(config, { template: 'weekly', record: false }).record).toBe(false);
    expect(() => parseConfig(text.replace('maxDays: 90', 'maxDays: -1'), 'rec.yaml', { env: {} })).toThrow(
      /recording\.maxDays/,
    );
  });
});
