// The data directory's disk fills up under a running daemon (a 2 MiB tmpfs mounted on it, then
// filled with a file). Writes must fail with a clear STORE_FAILED in the API reply and in the log,
// reads and the daemon keep working, and once space is freed writes succeed again and SQLite's
// integrity check finds nothing wrong. Needs root for mount(8); skipped, saying so, without it.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { call } from './helpers.js';
import { sleep } from '../helpers/wait.js';

let dir: string;
let dataDir: string;
let mountError: string | undefined;
let d: RunningDaemon | undefined;
const filler = (): string => join(dataDir, 'filler.bin');

/** Write zeros until the file system says ENOSPC; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  let total = 0;
  try {
    for (;;) total += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return total;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-diskfull-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dataDir], { encoding: 'utf8' });
  if (m.status !== 0) {
    mountError = `mounting a tmpfs needs root: ${(m.stderr || m.error?.message || '').trim()}`;
    return;
  }
  d = await startDaemon({
    dir,
    config: testConfig(await freePort(), await freePort(), { health: { intervalSeconds: 1, timeoutMs: 300 } }),
  });
}, 30_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  if (!mountError) spawnSync('umount', ['-l', dataDir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('the data disk fills up', () => {
  it('writes fail with STORE_FAILED naming what was written and why; reads and the daemon keep working', async (ctx) => {
    if (mountError || !d) return ctx.skip(mountError);
    const ok = await call(d, 'schedule.add', {
      title: 'before',
      start: new Date(Date.now() + 86_400_000).toISOString(),
      durationMinutes: 30,
      endpoints: ['xiaoguan'],
    });
    expect(ok.error, ok.error?.message).toBeUndefined();
    expect(fillDisk(filler())).toBeGreaterThan(100_000);
    const full = await call(d, 'schedule.add', {
      title: 'while full',
      start: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      durationMinutes: 30,
      endpoints: ['xiaoguan'],
    });
    expect(full.error?.data?.code).toBe('STORE_FAILED');
    expect(full.error?.message).toMatch(/full/i);
    const conf = await call(d, 'conference.start', { title: 'while full', endpoints: ['xiaoguan'] });
    expect(conf.error?.data?.code).toBe('STORE_FAILED');
    // the daemon is up and answers reads
    expect((await call(d, 'status')).result?.site).toBe('Test site');
    expect(
      ((await call(d, 'schedule.list', { all: true })).result as { title: string }[]).map((o) => o.title),
    ).toContain('before');
    await sleep(1500); // health probes try to record samples meanwhile
    expect(d.proc.exitCode).toBeNull();
    const errors = d
      .output()
      .split('\n')
      .filter((l) => /"level":50/.test(l));
    expect(
      errors.some((l) => /audit log write failed/.test(l) && /disk is full/.test(l)),
      'the log says the disk is full',
    ).toBe(true);
    expect(d.output(), 'nothing claims the refused meeting was booked').not.toMatch(
      /"title":"while full".*"meeting booked"/,
    );
  }, 20_000);

  it('after space is freed writes succeed again and the database passes its integrity check', async (ctx) => {
    if (mountError || !d) return ctx.skip(mountError);
    unlinkSync(filler());
    const again = await call(d, 'schedule.add', {
      title: 'after',
      start: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      durationMinutes: 30,
      endpoints: ['xiaoguan'],
    });
    expect(again.error, again.error?.message).toBeUndefined();
    const titles = (
      (await call(d, 'schedule.list', { all: true, to: new Date(Date.now() + 5 * 86_400_000).toISOString() }))
        .result as { title: string }[]
    ).map((o) => o.title);
    expect(titles).toEqual(expect.arrayContaining(['before', 'after']));
    expect(titles).not.toContain('while full');
    expect(await d.stop('SIGTERM')).toBe(0);
    const db = new Database(join(dataDir, 'vcbridge.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(
        (db.prepare('SELECT title FROM schedules ORDER BY start_utc').all() as { title: string }[]).map((r) => r.title),
      ).toEqual(['before', 'after']);
      expect(
        (db.prepare("SELECT count(*) AS n FROM conferences WHERE title = 'while full'").get() as { n: number }).n,
      ).toBe(0);
    } finally {
      db.close();
    }
  }, 20_000);
});
