import { say, type ConferenceMode, type OccurrenceView, type PreflightReport } from '../../protocol/index.js';
import type { SiteConfig } from '../config/schema.js';
import type { Store } from '../store/Store.js';
import type { OccurrenceDetailRow, ScheduleRow } from '../store/ScheduleRepo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Preflight } from './Preflight.js';
import type { Occurrence } from './Recurrence.js';
import type { ConferenceControl, ScheduleNotice } from './types.js';
import { iso, occurrenceView } from './views.js';
import { formatWall } from './zonedTime.js';

// What the OccurrenceRunner does to one occurrence once the clock says so: run its pre-flight,
// start (or resume) it through the bridge, record it missed or ended, and tell the listeners. Each
// action runs once at a time per key; one that fails is not retried for a while (no hot loop).

const MINUTE = 60_000;
/** A failed action is not run again before this long. */
const COOLDOWN_MS = 10_000;

export interface OccurrenceActionsOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  config: () => SiteConfig;
  preflight: Preflight;
  conferences: ConferenceControl;
  onOccurrence: (v: OccurrenceView) => void;
  onPreflight: (r: PreflightReport) => void;
  onNotice: (n: ScheduleNotice) => void;
  retryStartMs: number;
  /** An action finished (well or not): the runner looks at the clock again. */
  onSettled: () => void;
}

export class OccurrenceActions {
  readonly #o: OccurrenceActionsOptions;
  readonly #log: Logger;
  readonly #busy = new Set<string>();
  /** Earliest next start attempt after a failed one, per occurrence. */
  readonly #retryAt = new Map<string, number>();
  /** Actions that failed recently are not retried before this time (no hot loop on a fault). */
  readonly #cooldown = new Map<string, number>();

  constructor(o: OccurrenceActionsOptions) {
    this.#o = o;
    this.#log = o.log;
  }

  /** Is an action with this key in flight? */
  busy(key: string): boolean {
    return this.#busy.has(key);
  }

  /** When the start of this occurrence ("scheduleId|key") may be tried again (0: now). */
  retryAt(id: string): number {
    return this.#retryAt.get(id) ?? 0;
  }

  /** Drop cool-downs that are over; the times of those still running (so the clock wakes for them). */
  cooldowns(now: number): number[] {
    const out: number[] = [];
    for (const [key, t] of this.#cooldown) {
      if (t <= now) this.#cooldown.delete(key);
      else out.push(t);
    }
    return out;
  }

  /** Run the pre-flight check of one occurrence (stage 1: lead time, 2: final). */
  preflight(row: ScheduleRow, occ: Occurrence, stage: 1 | 2): void {
    this.act(`pf|${row.id}|${occ.key}`, async () => {
      const report = await this.#o.preflight.run({
        scheduleId: row.id,
        title: row.title,
        occurrenceStart: iso(occ.key),
        stage: stage === 1 ? 'lead' : 'final',
        endpoints: [...row.endpoints, ...(row.upstream ? [row.upstream] : [])],
        timezone: row.tz,
      });
      const cur = this.#o.store.occurrences.occurrenceDetail(row.id, occ.key);
      // the meeting may have started meanwhile: then only remember that the check ran
      const state = !cur || cur.state === 'pending' || cur.state === 'preflight' ? 'preflight' : cur.state;
      this.#o.store.transaction(() => {
        this.#o.store.occurrences.addPreflightReport({ scheduleId: row.id, occurrenceStartUtc: occ.key, report });
        this.#o.store.occurrences.updateOccurrence(row.id, occ.key, {
          state,
          preflightStage: Math.max(stage, cur?.preflightStage ?? 0),
        });
      });
      this.#o.onPreflight(report);
      this.#noticeNotReady(row, occ, report);
      if (state === 'preflight') this.emit(row, occ);
    });
  }

  #noticeNotReady(row: ScheduleRow, occ: Occurrence, report: PreflightReport): void {
    const bad = report.sites.filter((s) => s.status !== 'ready');
    const head = say('pf.notice', {
      title: row.title,
      time: formatWall(occ.start, row.tz),
      ready: report.sites.length - bad.length,
      total: report.sites.length,
    });
    const tail = bad.map((s) => `${s.endpointId} ${s.status}${s.reason ? ` (${s.reason})` : ''}`).join('; ');
    this.#o.onNotice({ scheduleId: row.id, message: bad.length ? `${head}; ${tail}` : head });
  }

  /** Start (or, after a restart, resume) one meeting through the bridge. */
  start(row: ScheduleRow, occ: Occurrence, resume: boolean): void {
    const key = `run|${row.id}|${occ.key}`;
    const id = `${row.id}|${occ.key}`;
    this.act(key, async () => {
      const now = this.#o.clock.now();
      const lateMs = now - occ.start;
      // the template's layout and polling as booked; its id is for people (the sites are in the row)
      const { template: _template, ...plan } = row.plan ?? {};
      try {
        const { id: conferenceId } = await this.#o.conferences.start({
          title: row.title,
          endpoints: [...row.endpoints],
          ...(row.upstream ? { upstream: row.upstream } : {}),
          ...(row.chair ? { chair: row.chair } : {}),
          ...(row.mode ? { mode: row.mode as ConferenceMode } : {}),
          ...plan,
          durationMinutes: Math.max(1, Math.ceil((occ.end - now) / MINUTE)),
          scheduleId: row.id,
          occurrenceStart: iso(occ.key),
          endsAt: iso(occ.end),
          resume,
        });
        this.#retryAt.delete(id);
        const reason = resume
          ? say('sch.resumed')
          : lateMs > 1000
            ? say('sch.late', { seconds: Math.round(lateMs / 1000) })
            : null;
        this.#o.store.occurrences.updateOccurrence(row.id, occ.key, {
          state: 'started',
          conferenceId,
          endsAt: occ.end,
          reason,
        });
        this.#log.info(
          { scheduleId: row.id, conferenceId, lateMs, resume },
          resume ? `meeting "${row.title}" resumed` : `meeting "${row.title}" started`,
        );
        this.emit(row, occ);
      } catch (err) {
        const grace = this.#o.config().scheduler.graceMinutes * MINUTE;
        const retry = this.#o.clock.now() + this.#o.retryStartMs;
        const why = err instanceof Error ? err.message : String(err);
        this.#log.error(
          { err, scheduleId: row.id, occurrence: iso(occ.key) },
          `meeting "${row.title}" could not start`,
        );
        if (!resume && retry - occ.start <= grace) {
          this.#retryAt.set(id, retry);
          this.#o.onNotice({
            scheduleId: row.id,
            message: say('sched.retrying', { title: row.title, why, time: formatWall(retry, row.tz).slice(11) }),
          });
        } else {
          this.#retryAt.delete(id);
          this.missed(row, occ, say('sch.couldNotStart', { why }));
        }
      }
    });
  }

  missed(row: ScheduleRow, occ: Occurrence, reason: string): void {
    this.#o.store.occurrences.updateOccurrence(row.id, occ.key, { state: 'missed', reason });
    this.#log.warn({ scheduleId: row.id, occurrence: iso(occ.key), reason }, `meeting "${row.title}" missed`);
    this.#o.onNotice({
      scheduleId: row.id,
      message: `"${row.title}" at ${formatWall(occ.start, row.tz)} was missed: ${reason}`,
    });
    this.emit(row, occ);
  }

  finish(d: OccurrenceDetailRow, reason: string): void {
    const cur = this.#o.store.occurrences.occurrenceDetail(d.scheduleId, d.occurrenceStartUtc);
    if (cur?.state !== 'started') return;
    this.#o.store.occurrences.updateOccurrence(d.scheduleId, d.occurrenceStartUtc, { state: 'ended', reason });
    const row = this.#o.store.schedules.get(d.scheduleId);
    if (row)
      this.emit(row, {
        key: d.occurrenceStartUtc,
        start: d.occurrenceStartUtc,
        end: cur.endsAt ?? d.occurrenceStartUtc + row.durationMs,
      });
  }

  emit(row: ScheduleRow, occ: Occurrence): void {
    const d = this.#o.store.occurrences.occurrenceDetail(row.id, occ.key);
    this.#o.onOccurrence(occurrenceView(row, occ, { state: d?.state ?? 'pending', ...(d ? { detail: d } : {}) }));
  }

  /** Run one action at a time per key (none while it cools down after a failure); onSettled when done. */
  act(key: string, fn: () => Promise<void>): void {
    const now = this.#o.clock.now();
    if (this.#busy.has(key) || (this.#cooldown.get(key) ?? 0) > now) return;
    this.#busy.add(key);
    fn()
      .catch((err: unknown) => {
        this.#log.error({ err, action: key }, 'scheduler action failed; not retried for 10 s');
        this.#cooldown.set(key, this.#o.clock.now() + COOLDOWN_MS);
      })
      .finally(() => {
        this.#busy.delete(key);
        this.#o.onSettled();
      });
  }

  /** Resolves when no action is in flight. */
  async idle(): Promise<void> {
    while (this.#busy.size > 0) await new Promise((r) => setImmediate(r));
  }
}
