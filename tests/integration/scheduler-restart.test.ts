import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import { Store } from '../../daemon/store/Store.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { ALICE, RecordingConferences, ScriptedProber, siteConfig } from '../helpers/schedulerFixture.js';

// SIGKILL of a process running the scheduler (real clock, real SQLite file) before a meeting's
// start, and a restart after it: within the grace window the meeting starts late, beyond it the
// meeting is recorded as missed; a meeting in progress is resumed. Nothing here asserts how fast
// the machine is: meetings are booked far enough ahead (10 s) for a slow process start, and the
// grace windows are wide enough that a slow restart still lands inside (or beyond) them.

const root = mkdtempSync(join(tmpdir(), 'vc-sched-kill-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Line {
  type: string;
  now: number;
  params?: { resume: boolean; occurrenceStart: string };
  state?: string;
  reason?: string;
}

function run(
  file: string,
  cfgFile: string,
): {
  lines: Line[];
  ready: Promise<void>;
  wait(type: string, ms: number): Promise<Line | undefined>;
  kill(): Promise<void>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/scheduler-proc.ts', file, cfgFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: Line[] = [];
  let buf = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Line);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const wait = async (type: string, ms: number): Promise<Line | undefined> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const l = lines.find((x) => x.type === type);
      if (l) return l;
      if (Date.now() > deadline || child.exitCode !== null) return undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const ready = wait('ready', 30_000).then((l) => {
    if (!l) throw new Error(`scheduler process did not start: ${err}`);
  });
  return {
    lines,
    ready,
    wait,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/** Book one meeting `inMs` from now (rounded to a second) in a fresh data dir; returns its start. */
function setup(name: string, graceMinutes: number, inMs: number): { file: string; cfgFile: string; start: number } {
  const dir = join(root, name);
  const file = join(dir, 'vcbridge.db');
  const cfg = siteConfig({ scheduler: { graceMinutes, preflightLeadMinutes: 0 } });
  const store = Store.open(file);
  const s = new Scheduler({
    store,
    config: cfg,
    log: silentLogger(),
    prober: new ScriptedProber(),
    conferences: new RecordingConferences({ now: Date.now }),
  });
  const start = Math.ceil((Date.now() + inMs) / 1000) * 1000;
  s.add({ title: name, start: new Date(start).toISOString(), durationMinutes: 1, endpoints: ['jiaoyu'] }, ALICE);
  void s.close();
  store.close();
  const cfgFile = join(dir, 'site.json');
  writeFileSync(cfgFile, JSON.stringify(cfg));
  return { file, cfgFile, start };
}

/**
 * Book a meeting and start a scheduler process that is up at least `marginMs` before the start. On
 * a busy machine a process can take longer to come up than the lead we gave it; then the booking is
 * made again further ahead (a fresh data dir each time), so the test still kills it before the start.
 */
async function bookAndRun(
  name: string,
  graceMinutes: number,
  marginMs: number,
): Promise<{ file: string; cfgFile: string; start: number; a: ReturnType<typeof run> }> {
  for (let lead = 10_000; ; lead *= 2) {
    const booked = setup(`${name}-${lead}`, graceMinutes, lead);
    const a = run(booked.file, booked.cfgFile);
    await a.ready;
    if (Date.now() <= booked.start - marginMs) return { ...booked, a };
    await a.kill();
    if (lead >= 80_000)
      throw new Error(`the scheduler process never came up ${marginMs} ms before a meeting booked ${lead} ms ahead`);
  }
}

describe('restart safety with SIGKILL', () => {
  it.concurrent(
    'killed before the start, back 2 s after it (grace 60 s): starts late, once',
    async () => {
      const { file, cfgFile, start, a } = await bookAndRun('within', 1, 3000);
      await sleepUntil(start - 1500);
      await a.kill();
      expect(a.lines.some((l) => l.type === 'start')).toBe(false);
      await sleepUntil(start + 2000);
      const b = run(file, cfgFile);
      const started = await b.wait('start', 40_000);
      expect(started).toBeDefined();
      expect(started!.params!.resume).toBe(false);
      // started after the restart, not at its planned time (the process was dead then)
      expect(started!.now - start).toBeGreaterThanOrEqual(2000);
      expect(await b.wait('occurrence', 10_000)).toMatchObject({
        state: 'started',
        reason: expect.stringMatching(/^started \d+ s late$/) as unknown,
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(b.lines.filter((l) => l.type === 'start')).toHaveLength(1);
      await b.kill();
    },
    240_000,
  );

  it.concurrent(
    'killed before the start, back after the grace window (3 s): recorded as missed, never started',
    async () => {
      const { file, cfgFile, start, a } = await bookAndRun('beyond', 0.05, 3000);
      await sleepUntil(start - 1500);
      await a.kill();
      await sleepUntil(start + 5000);
      const b = run(file, cfgFile);
      const missed = await b.wait('occurrence', 40_000);
      expect(missed).toMatchObject({
        state: 'missed',
        reason: expect.stringMatching(/not running at .* grace window had passed/) as unknown,
      });
      expect(await b.wait('start', 1000)).toBeUndefined();
      await b.kill();
      const store = Store.open(file);
      try {
        expect(store.occurrences.occurrenceStates().map((o) => [o.occurrenceStartUtc, o.state])).toEqual([
          [start, 'missed'],
        ]);
      } finally {
        store.close();
      }
    },
    240_000,
  );

  it.concurrent(
    'killed while the meeting runs: the restarted process resumes it (re-dials) at once',
    async () => {
      const { file, cfgFile, start } = setup('resume', 10, 3000);
      const a = run(file, cfgFile);
      await a.ready;
      const first = await a.wait('start', 40_000);
      expect(first).toBeDefined();
      expect(first!.params!.resume).toBe(false);
      expect(first!.now).toBeGreaterThanOrEqual(start);
      // killed once the start is on record (a kill between the bridge call and that write just
      // means the restarted process starts the meeting again rather than resuming it)
      expect(await a.wait('occurrence', 10_000)).toMatchObject({ state: 'started' });
      await a.kill();
      const b = run(file, cfgFile);
      await b.ready;
      const again = await b.wait('start', 40_000);
      expect(again).toBeDefined();
      expect(again!.params).toMatchObject({ resume: true, occurrenceStart: new Date(start).toISOString() });
      await b.kill();
    },
    90_000,
  );
});
