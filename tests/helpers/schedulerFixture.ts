import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteConfig } from '../../daemon/config/schema.js';
import { Scheduler, type SchedulerOptions } from '../../daemon/scheduler/Scheduler.js';
import type {
  ConferenceControl,
  ProbeOutcome,
  Prober,
  ScheduledStart,
  TestCallOutcome,
} from '../../daemon/scheduler/types.js';
import { Store } from '../../daemon/store/Store.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { ManualClock } from './manualClock.js';

// Shared set-up for the scheduler tests: a small Gongyi-like site, a real SQLite file in a temp
// dir, and the two interfaces the scheduler drives (the conference bridge and the prober) as
// recorders, for tests that look at the scheduler's own decisions.

const HASH = `sha256:${'0'.repeat(64)}`;

export function siteConfig(
  over: { scheduler?: Partial<SiteConfig['scheduler']>; timezone?: string; endpoints?: unknown[] } = {},
): SiteConfig {
  const ep = (id: string, kind: string, groups: string[] = [], extra: Record<string, unknown> = {}) => ({
    id,
    kind,
    groups,
    name: { zh: id, en: id },
    uri: `sip:${id}@127.0.0.1:5999`,
    ...extra,
  });
  return SiteConfig.parse({
    site: { name: 'Gongyi test', timezone: over.timezone ?? 'Asia/Shanghai' },
    operators: [{ name: 'alice', role: 'operator', tokenHash: HASH }],
    groups: [
      { id: 'towns', name: { zh: '乡镇', en: 'Towns' } },
      { id: 'empty', name: { zh: '空', en: 'Empty' } },
    ],
    scheduler: {
      preflightLeadMinutes: 15,
      graceMinutes: 10,
      maxConcurrentConferences: 3,
      maxLegs: 50,
      ...over.scheduler,
    },
    endpoints: over.endpoints ?? [
      ep('zhengzhou', 'upstream'),
      ep('xiaoguan', 'town', ['towns'], { testCall: true }),
      ep('zhulin', 'town', ['towns']),
      ep('mihe', 'town', ['towns']),
      ep('jiaoyu', 'bureau'),
      ep('gongan', 'bureau'),
      ep('caizheng', 'bureau'),
    ],
  });
}

/** A conference bridge stand-in that records what it is told and when (by the clock). */
export class RecordingConferences implements ConferenceControl {
  readonly started: { at: number; params: ScheduledStart; id: string }[] = [];
  readonly notices: { at: number; id: string; message: string }[] = [];
  readonly ended: { at: number; id: string; reason: string }[] = [];
  readonly active = new Set<string>();
  readonly extendedTo = new Map<string, number>();
  failStarts = 0;
  /** When set, start() waits for it (a bridge that is slow to start a conference). */
  gate: Promise<void> | undefined;
  #n = 0;

  constructor(readonly clock: { now(): number }) {}

  async start(params: ScheduledStart): Promise<{ id: string }> {
    if (this.gate) await this.gate;
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error('bridge busy');
    }
    const id = `c-${++this.#n}`;
    this.active.add(id);
    this.started.push({ at: this.clock.now(), params, id });
    return { id };
  }

  notice(id: string, message: string): void {
    this.notices.push({ at: this.clock.now(), id, message });
  }

  end(id: string, reason: string): void {
    this.active.delete(id);
    this.ended.push({ at: this.clock.now(), id, reason });
  }

  isActive(id: string): boolean {
    return this.active.has(id);
  }

  endsAt(id: string): number | undefined {
    return this.extendedTo.get(id);
  }
}

/** A prober whose answers the test sets per endpoint; records every call. */
export class ScriptedProber implements Prober {
  readonly calls: { kind: 'probe' | 'testCall'; id: string }[] = [];
  readonly answers = new Map<string, ProbeOutcome>();
  readonly testCalls = new Map<string, TestCallOutcome | Error>();

  async probe(id: string): Promise<ProbeOutcome> {
    this.calls.push({ kind: 'probe', id });
    return this.answers.get(id) ?? { ok: true, rttMs: 12 };
  }

  async testCall(id: string): Promise<TestCallOutcome> {
    this.calls.push({ kind: 'testCall', id });
    const a = this.testCalls.get(id) ?? { lossPct: 0, jitterMs: 3, rttMs: 15 };
    if (a instanceof Error) throw a;
    return a;
  }
}

export interface Harness {
  dir: string;
  file: string;
  clock: ManualClock;
  store: Store;
  config: SiteConfig;
  conferences: RecordingConferences;
  prober: ScriptedProber;
  scheduler: Scheduler;
  /** Stop the scheduler and store as a crash would leave them, and start fresh ones on the same file. */
  restart(at?: number): Promise<void>;
  close(): Promise<void>;
}

export const ALICE = { name: 'alice', role: 'operator' };

export function harness(opts: {
  now: number;
  config?: SiteConfig;
  start?: boolean;
  extra?: Partial<SchedulerOptions>;
}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'vc-sched-'));
  const file = join(dir, 'vcbridge.db');
  const clock = new ManualClock(opts.now);
  const config = opts.config ?? siteConfig();
  const conferences = new RecordingConferences(clock);
  const prober = new ScriptedProber();
  const make = (store: Store): Scheduler =>
    new Scheduler({ store, config, clock, log: silentLogger(), prober, conferences, ...opts.extra });
  const h: Harness = {
    dir,
    file,
    clock,
    config,
    conferences,
    prober,
    store: Store.open(file, { clock }),
    scheduler: undefined as unknown as Scheduler,
    async restart(at?: number) {
      await h.scheduler.close();
      h.store.close();
      if (at !== undefined) await clock.advanceTo(at);
      h.store = Store.open(file, { clock });
      h.scheduler = make(h.store);
      h.scheduler.start();
      await h.scheduler.idle();
    },
    async close() {
      await h.scheduler.close();
      h.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  h.scheduler = make(h.store);
  if (opts.start !== false) h.scheduler.start();
  return h;
}
