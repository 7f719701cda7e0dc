import { say } from '../../protocol/index.js';
import type { OccurrenceDetailRow, ScheduleRow } from '../store/ScheduleRepo.js';
import type { Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Occurrence } from './Recurrence.js';
import type { ScheduleBook } from './ScheduleBook.js';
import { OccurrenceActions, type OccurrenceActionsOptions } from './OccurrenceActions.js';
import { formatWall } from './zonedTime.js';

// Runs meetings by the clock: pre-flight at start − lead and start − 2 min, start (late within the
// grace window after a restart, else "missed"), a notice before the end, the end. One timer, armed
// for the next thing due; everything it must remember is in SQLite, so a restart picks up where
// the last run stopped. What is done to an occurrence is OccurrenceActions'.

/** What the actions need, plus the book to read and the runner's own timings. */
export interface RunnerOptions extends Omit<OccurrenceActionsOptions, 'onSettled'> {
  book: ScheduleBook;
  noticeBeforeEndMs: number;
  finalPreflightMs: number;
}

const MINUTE = 60_000;
const DAY = 86_400 * 1000;
/** Longest sleep: the timer is re-armed at least this often (setTimeout tops out at ~24.8 days). */
const MAX_SLEEP_MS = 60 * MINUTE;
/** How far back a restart looks for meetings that passed while the daemon was down. */
const LOOKBACK_MS = 7 * DAY;

export class OccurrenceRunner {
  readonly #o: RunnerOptions;
  readonly #log: Logger;
  readonly #actions: OccurrenceActions;
  /** Occurrences near now, expanded once per change of the book rather than on every pass: the
   *  pass at a meeting's start must be quick (start accuracy). */
  #plan: { version: number; from: number; to: number; items: { row: ScheduleRow; occ: Occurrence }[] } | undefined;
  #version = 0;
  #timer: Timer | undefined;
  #running = false;
  #closed = false;

  constructor(opts: RunnerOptions) {
    this.#o = opts;
    this.#log = opts.log;
    this.#actions = new OccurrenceActions({
      ...opts,
      onSettled: () => {
        if (!this.#closed) this.poke();
      },
    });
  }

  /** Recover after a (re)start, then run by the clock. */
  start(): void {
    this.#running = true;
    this.#recover();
    this.poke();
  }

  close(): void {
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The book or the config changed: expand again on the next pass. */
  invalidate(): void {
    this.#version++;
  }

  /** Look again now (after a change, or when an action finished). */
  poke(): void {
    if (!this.#running || this.#closed) return;
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#tick();
  }

  /** The bridge reports that a conference ended (by an operator or by itself). */
  conferenceEnded(conferenceId: string, reason: string): void {
    for (const d of this.#o.store.occurrences.occurrenceDetails({ state: 'started' })) {
      if (d.conferenceId === conferenceId) this.#actions.finish(d, reason);
    }
  }

  /** An operator moved the end of a scheduled conference (conf extend). */
  conferenceExtended(conferenceId: string, endsAtUtc: number): void {
    for (const d of this.#o.store.occurrences.occurrenceDetails({ state: 'started' })) {
      if (d.conferenceId !== conferenceId) continue;
      this.#o.store.occurrences.updateOccurrence(d.scheduleId, d.occurrenceStartUtc, {
        endsAt: endsAtUtc,
        noticeSent: false,
      });
    }
    this.poke();
  }

  /** Record `missed` for meetings whose start passed beyond the grace window while we were down;
   *  a meeting that was in progress is started again (sites re-dialled). */
  #recover(): void {
    const now = this.#o.clock.now();
    const grace = this.#graceMs();
    for (const m of this.#o.book.meetings()) {
      for (const occ of m.rec.occurrences(Math.max(now - LOOKBACK_MS, m.row.createdAt), now - grace, m.exceptions)) {
        if (occ.start >= now - grace || occ.start < m.row.createdAt) continue;
        const d = this.#o.store.occurrences.occurrenceDetail(m.row.id, occ.key);
        if (d && d.state !== 'pending' && d.state !== 'preflight') continue;
        this.#actions.missed(
          m.row,
          occ,
          say('sch.notRunningMissed', { time: formatWall(occ.start, m.row.tz), minutes: Math.round(grace / MINUTE) }),
        );
      }
    }
    for (const d of this.#o.store.occurrences.occurrenceDetails({ state: 'started' })) {
      const row = this.#o.store.schedules.get(d.scheduleId);
      const endsAt = d.endsAt ?? (row ? d.occurrenceStartUtc + row.durationMs : now);
      if (!row || this.#cancelled(row, d.occurrenceStartUtc) || now >= endsAt) {
        this.#actions.finish(
          d,
          row && !this.#cancelled(row, d.occurrenceStartUtc) ? say('sch.endPassed') : say('sch.cancelled'),
        );
      } else if (!d.conferenceId || !this.#o.conferences.isActive(d.conferenceId)) {
        const occ = { key: d.occurrenceStartUtc, start: d.occurrenceStartUtc, end: endsAt };
        this.#actions.start(row, occ, true);
      }
    }
  }

  #tick(): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    let next = now + MAX_SLEEP_MS;
    const due = (t: number): void => {
      if (t > now && t < next) next = t;
    };
    try {
      for (const d of this.#o.store.occurrences.occurrenceDetails({ state: 'started' })) due(this.#runStarted(d, now));
      for (const t of this.#runUpcoming(now)) due(t);
      for (const t of this.#actions.cooldowns(now)) due(t);
    } catch (err) {
      // a store failure must not stop the clock: log it and look again soon
      this.#log.error({ err }, 'scheduler pass failed; retrying in 10 s');
      next = Math.min(next, now + 10_000);
    }
    this.#arm(next - now);
  }

  #arm(ms: number): void {
    if (this.#closed) return;
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#tick();
      },
      Math.max(0, Math.min(ms, MAX_SLEEP_MS)),
    );
  }

  /** A started meeting: notice, end, or notice that the bridge ended it. Returns its next due time. */
  #runStarted(d: OccurrenceDetailRow, now: number): number {
    const key = `run|${d.scheduleId}|${d.occurrenceStartUtc}`;
    if (this.#actions.busy(key)) return Infinity;
    const row = this.#o.store.schedules.get(d.scheduleId);
    let endsAt = d.endsAt ?? d.occurrenceStartUtc + (row?.durationMs ?? 0);
    const cid = d.conferenceId;
    const extended = cid ? this.#o.conferences.endsAt?.(cid) : undefined;
    if (typeof extended === 'number' && extended !== endsAt) {
      this.#o.store.occurrences.updateOccurrence(d.scheduleId, d.occurrenceStartUtc, {
        endsAt: extended,
        noticeSent: extended > endsAt ? false : d.noticeSent,
      });
      endsAt = extended;
    }
    // cancelled while its start was in flight: end it now
    if ((!row || this.#cancelled(row, d.occurrenceStartUtc)) && cid && this.#o.conferences.isActive(cid)) {
      this.#actions.act(key, async () => {
        await this.#o.conferences.end(cid, say('sch.cancelled'));
        this.#actions.finish(d, say('sch.cancelled'));
      });
      return Infinity;
    }
    if (!cid || !this.#o.conferences.isActive(cid)) {
      // the bridge ends a conference at its planned end by itself too; only earlier is news
      this.#actions.finish(d, now >= endsAt - 1000 ? say('sch.endedOnTime') : say('sch.endedEarly'));
      return Infinity;
    }
    if (now >= endsAt) {
      this.#actions.act(key, async () => {
        try {
          await this.#o.conferences.end(cid, say('sch.scheduledEnd'));
          this.#actions.finish(d, say('sch.endedOnTime'));
        } catch (err) {
          // the bridge could not end it (most likely it is gone already): the meeting is over anyway
          this.#log.error({ err, conferenceId: cid }, 'ending a scheduled conference failed');
          const why = err instanceof Error ? err.message : String(err);
          this.#actions.finish(d, say('sched.endedSaid', { why }));
        }
      });
      return Infinity;
    }
    const noticeAt = endsAt - this.#o.noticeBeforeEndMs;
    if (!d.noticeSent && now >= noticeAt && noticeAt > d.occurrenceStartUtc) {
      const minutes = Math.max(1, Math.round((endsAt - now) / MINUTE));
      const message = `"${row?.title ?? d.scheduleId}" ends in ${minutes} minute${minutes === 1 ? '' : 's'} (at ${formatWall(endsAt, row?.tz ?? 'UTC').slice(11)})`;
      this.#actions.act(key, async () => {
        this.#o.store.occurrences.updateOccurrence(d.scheduleId, d.occurrenceStartUtc, { noticeSent: true });
        this.#o.onNotice({ scheduleId: d.scheduleId, conferenceId: cid, message });
        await this.#o.conferences.notice(cid, message);
      });
      return endsAt;
    }
    return d.noticeSent || noticeAt <= d.occurrenceStartUtc ? endsAt : noticeAt;
  }

  /** Occurrences that may need something before the next pass, from the cached plan. */
  #near(now: number, lead: number, grace: number): { row: ScheduleRow; occ: Occurrence }[] {
    const from = now - grace - DAY;
    const to = now + lead + MAX_SLEEP_MS;
    let plan = this.#plan;
    if (!plan || plan.version !== this.#version || plan.from > from || plan.to < to) {
      const items: { row: ScheduleRow; occ: Occurrence }[] = [];
      const until = to + DAY;
      for (const m of this.#o.book.meetings()) {
        for (const occ of m.rec.occurrences(from, until, m.exceptions)) {
          // nothing is owed for meetings that were over before they were booked (imports)
          if (occ.start >= m.row.createdAt - MINUTE) items.push({ row: m.row, occ });
        }
      }
      items.sort((a, b) => a.occ.start - b.occ.start);
      plan = { version: this.#version, from, to: until, items };
      this.#plan = plan;
    }
    return plan.items.filter((i) => i.occ.start >= now - grace - i.row.durationMs && i.occ.start <= to);
  }

  /** Meetings not yet started: pre-flight, start or missed. Returns due times. */
  #runUpcoming(now: number): number[] {
    const cfg = this.#o.config();
    const lead = cfg.scheduler.preflightLeadMinutes * MINUTE;
    const final = Math.min(this.#o.finalPreflightMs, lead);
    const grace = this.#graceMs();
    const dues: number[] = [];
    for (const { row, occ } of this.#near(now, lead, grace)) {
      const id = `${row.id}|${occ.key}`;
      const d = this.#o.store.occurrences.occurrenceDetail(row.id, occ.key);
      if (d && d.state !== 'pending' && d.state !== 'preflight') continue;
      if (now >= occ.start) {
        if (now - occ.start > grace) {
          this.#actions.missed(row, occ, say('sch.graceMissed', { minutes: Math.round(grace / MINUTE) }));
          continue;
        }
        const retry = this.#actions.retryAt(id);
        if (now >= retry) this.#actions.start(row, occ, false);
        else dues.push(retry);
        continue;
      }
      dues.push(occ.start);
      const stage = d?.preflightStage ?? 0;
      const dueStage = now >= occ.start - final ? 2 : now >= occ.start - lead ? 1 : 0;
      if (dueStage !== 0 && dueStage > stage) this.#actions.preflight(row, occ, dueStage);
      if (stage < 1 && dueStage < 1 && lead > final) dues.push(occ.start - lead);
      if (stage < 2 && dueStage < 2) dues.push(occ.start - final);
    }
    return dues;
  }

  /** The series, or this one occurrence of it, was cancelled. */
  #cancelled(row: ScheduleRow, key: number): boolean {
    return (
      row.cancelledAt !== null ||
      this.#o.store.schedules.exceptions(row.id).some((e) => e.occurrenceStartUtc === key && e.kind === 'cancelled')
    );
  }

  #graceMs(): number {
    return this.#o.config().scheduler.graceMinutes * MINUTE;
  }

  /** For tests and the close path: resolves when no action is in flight. */
  async idle(): Promise<void> {
    return this.#actions.idle();
  }
}
