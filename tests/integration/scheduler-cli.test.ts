import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MethodRouter } from '../../daemon/api/MethodRouter.js';
import { RpcServer } from '../../daemon/api/RpcServer.js';
import { registerScheduleMethods } from '../../daemon/api/methods/schedule.js';
import { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import { Store } from '../../daemon/store/Store.js';
import { systemClock } from '../../daemon/util/clock.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { CLI_JS } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { RecordingConferences, ScriptedProber, siteConfig } from '../helpers/schedulerFixture.js';

// The schedule commands of the real CLI (dist/vcbridge.js) against the real control API server
// with the schedule.* methods registered, on a real SQLite file and the real clock.

const hash = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
const OP = 'op-token-sched';
const VIEWER = 'viewer-token-sched';
const dir = mkdtempSync(join(tmpdir(), 'vc-sched-cli-'));
let store: Store;
let scheduler: Scheduler;
let api: RpcServer;
let conferences: RecordingConferences;
let url: string;

beforeAll(async () => {
  store = Store.open(join(dir, 'vcbridge.db'));
  conferences = new RecordingConferences(systemClock);
  const prober = new ScriptedProber();
  prober.answers.set('mihe', { ok: false, rttMs: null, reason: 'timeout' });
  scheduler = new Scheduler({
    store,
    config: siteConfig(),
    clock: systemClock,
    log: silentLogger(),
    prober,
    conferences,
  });
  scheduler.start();
  const router = new MethodRouter();
  registerScheduleMethods(router, scheduler);
  const port = await freePort();
  api = await RpcServer.start({
    host: '127.0.0.1',
    port,
    router,
    audit: store.audit,
    log: silentLogger(),
    operators: () => [
      { name: 'alice', role: 'operator', tokenHash: hash(OP) },
      { name: 'vera', role: 'viewer', tokenHash: hash(VIEWER) },
    ],
  });
  url = `ws://127.0.0.1:${port}`;
});

afterAll(async () => {
  await api?.close();
  await scheduler?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], token = OP): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_JS, '--url', url, '--token', token, ...args],
      {
        env: { ...process.env, XDG_CONFIG_HOME: dir, LANG: 'C' },
        timeout: 15_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr }),
    );
  });
}

describe('vcbridge schedule … against the control API', () => {
  let weeklyId = '';

  it("books the weekly meeting and shows it in the site's zone", async () => {
    const r = await cli([
      '--json',
      'schedule',
      'add',
      '--title',
      '周一例会',
      '--start',
      '2030-01-07 09:00',
      '--duration',
      '90m',
      '--rrule',
      'FREQ=WEEKLY;BYDAY=MO',
      '--group',
      'towns',
      '--upstream',
      'zhengzhou',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { schedule: { id: string; start: string; timezone: string } };
    expect(res.schedule).toMatchObject({ start: '2030-01-07T01:00:00.000Z', timezone: 'Asia/Shanghai' });
    weeklyId = res.schedule.id;
    const show = await cli(['schedule', 'show', weeklyId]);
    expect(show.out).toContain('first:     2030-01-07 09:00 Asia/Shanghai, 90 min');
    expect(show.out).toContain('repeats:   FREQ=WEEKLY;BYDAY=MO');
    expect(show.out).toContain('2030-01-14 09:00–10:30');
  });

  it('refuses a conflicting booking with the meeting and time, exit 1; --json gives the code', async () => {
    const args = [
      'schedule',
      'add',
      '--title',
      'Xiaoguan',
      '--start',
      '2030-01-14 10:00',
      '--duration',
      '30m',
      '--endpoints',
      'xiaoguan',
    ];
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `xiaoguan is already booked in "周一例会" (${weeklyId}) 2030-01-14 09:00–10:30 Asia/Shanghai`,
    );
    expect(r.err).toContain('--force');
    const j = await cli(['--json', ...args]);
    expect(JSON.parse(j.out)).toMatchObject({ error: { code: 'SCHEDULE_CONFLICT' } });
    const forced = await cli([...args, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('WARNING: booked despite 1 conflict(s)');
    expect(
      store.audit
        .list()
        .filter((a) => a.method === 'schedule.override')
        .map((a) => a.actor),
    ).toEqual(['alice']);
  });

  it('explains bad input: zero duration, unknown group, viewer may not book', async () => {
    const zero = await cli([
      'schedule',
      'add',
      '--title',
      'x',
      '--start',
      '2030-01-08 09:00',
      '--duration',
      '0m',
      '--endpoints',
      'jiaoyu',
    ]);
    expect(zero.code).toBe(1);
    expect(zero.err).toMatch(/duration must be more than 0 minutes/);
    const group = await cli([
      'schedule',
      'add',
      '--title',
      'x',
      '--start',
      '2030-01-08 09:00',
      '--duration',
      '30m',
      '--group',
      'villages',
    ]);
    expect(group.err).toMatch(/unknown group "villages"/);
    const viewer = await cli(
      [
        '--json',
        'schedule',
        'add',
        '--title',
        'x',
        '--start',
        '2030-01-08 09:00',
        '--duration',
        '30m',
        '--endpoints',
        'jiaoyu',
      ],
      VIEWER,
    );
    expect(JSON.parse(viewer.out)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const nobody = await cli(['schedule', 'add', '--title', 'x', '--start', '2030-01-08 09:00', '--duration', '30m']);
    expect(nobody.code).toBe(2);
  });

  it('lists occurrences, cancels one, pre-flights on demand, and round-trips through .ics', async () => {
    const list = await cli(['schedule', 'list', '--from', '2030-01-01', '--to', '2030-01-22']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/2030-01-07 09:00–10:30\s+周一例会/);
    expect(list.out).toMatch(/2030-01-14 10:00–10:30\s+Xiaoguan/);
    const cancel = await cli(['schedule', 'cancel', weeklyId, '--occurrence', '2030-01-14 09:00']);
    expect(cancel.out).toContain(`occurrence 2030-01-14T01:00:00.000Z of ${weeklyId} cancelled`);
    const after = await cli([
      '--json',
      'schedule',
      'list',
      '--from',
      '2030-01-13',
      '--to',
      '2030-01-15',
      '--id',
      weeklyId,
    ]);
    expect((JSON.parse(after.out) as { state: string }[]).map((o) => o.state)).toEqual(['cancelled']);

    const pf = await cli(['schedule', 'preflight', weeklyId]);
    expect(pf.code).toBe(0);
    expect(pf.out).toMatch(/mihe\s+UNREACHABLE\s+-\s+timeout/);
    expect(pf.out).toContain('3/4 ready, not: mihe');
    const tech = await cli(['schedule', 'preflight', weeklyId], VIEWER);
    expect(tech.err).toMatch(/technician/);

    const file = join(dir, 'out.ics');
    const ex = await cli(['schedule', 'export', '--ics', file]);
    expect(ex.out).toContain(`wrote 2 meeting(s) to ${file}`);
    const ics = readFileSync(file, 'utf8');
    expect(ics).toContain('EXDATE;TZID=Asia/Shanghai:20300114T090000');
    const im = await cli(['schedule', 'import', file]);
    expect(im.out).toContain('imported 0 meeting(s)');
    expect(im.out).toContain(`already booked as ${weeklyId}`);
  });

  it('a meeting booked 3 s ahead starts by the real clock, not before its time', async () => {
    const start = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const r = await cli([
      '--json',
      'schedule',
      'add',
      '--title',
      'Soon',
      '--start',
      start.toISOString(),
      '--duration',
      '10m',
      '--endpoints',
      'gongan',
    ]);
    expect(r.code).toBe(0);
    const id = (JSON.parse(r.out) as { schedule: { id: string } }).schedule.id;
    const deadline = Date.now() + 30_000;
    while (!conferences.started.some((s) => s.params.scheduleId === id) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 20));
    const started = conferences.started.find((s) => s.params.scheduleId === id);
    expect(started).toBeDefined();
    expect(started!.at - start.getTime()).toBeGreaterThanOrEqual(0);
    expect(started!.params).toMatchObject({ title: 'Soon', endpoints: ['gongan'], resume: false });
  });
});
