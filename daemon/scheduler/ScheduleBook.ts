import type { ScheduleAddParams, ScheduleConflict, ScheduleEditParams } from '../../protocol/index.js';
import { say } from '../../protocol/index.js';
import type { SiteConfig } from '../config/schema.js';
import { applyTemplate } from '../config/templates.js';
import type { WorkCalendar } from './workdays/WorkCalendar.js';
import { VcError } from '../errors.js';
import type { Store } from '../store/Store.js';
import type { NewSchedule, ScheduleRow } from '../store/ScheduleRepo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import {
  checkDuration,
  checkTimes,
  checkTimezone,
  checkTitle,
  meetingPlan,
  parseStart,
  participantsOf,
  resolveParticipants,
} from './booking.js';
import {
  checkMoveOnly,
  editedSeries,
  movedOccurrence,
  splitSeries,
  seriesColumns,
  conflictSubject,
  withWorkdays,
  type EditContext,
} from './seriesEdits.js';
import { BookingConflicts, type BookedSeries, type ImportChecker } from './BookingConflicts.js';
import { MeetingCatalog } from './MeetingCatalog.js';
import type { Occurrence, OccurrenceException, Recurrence } from './Recurrence.js';
import { formatWall } from './zonedTime.js';

// The book of meetings: each change (book, edit, split, move, cancel, import) checked for conflicts
// (BookingConflicts.ts) and written in one transaction, then audited and logged. What an edit asks
// for is worked out by seriesEdits.ts; reading the book (recurrences, lookups) is MeetingCatalog's.
// No timers here.

export type { ImportChecker } from './BookingConflicts.js';

/** Who asks (the API caller). */
export interface Actor {
  name: string;
  role: string;
}

export type Meeting = BookedSeries;

export interface BookOutcome {
  row: ScheduleRow;
  overridden: ScheduleConflict[];
  /** The earlier part of a split series. */
  previous?: ScheduleRow;
}

export interface ScheduleBookOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  config: () => SiteConfig;
  /** The working-day calendar series with workdays 'cn' follow (the site's imported days included). */
  calendar: () => WorkCalendar;
}

export class ScheduleBook {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #config: () => SiteConfig;
  readonly #calendar: () => WorkCalendar;
  readonly #catalog: MeetingCatalog;
  readonly #conflicts: BookingConflicts;
  #generation = 0;

  constructor(opts: ScheduleBookOptions) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#log = opts.log;
    this.#config = opts.config;
    this.#calendar = opts.calendar;
    this.#catalog = new MeetingCatalog({
      store: opts.store,
      clock: opts.clock,
      log: opts.log,
      calendar: opts.calendar,
    });
    this.#conflicts = new BookingConflicts({ ...opts, meetings: () => this.meetings() });
  }

  /** Conflict checks for many bookings in a row (a calendar import). */
  importChecker(): ImportChecker {
    return this.#conflicts.importChecker();
  }

  /** Bumped by every change of the book made here: a long import checks it before it commits. */
  get generation(): number {
    return this.#generation;
  }

  /** The (cached) recurrence of a stored schedule. */
  recurrence(row: ScheduleRow): Recurrence {
    return this.#catalog.recurrence(row);
  }

  meeting(id: string): Meeting {
    return this.#catalog.meeting(id);
  }

  /** Every schedule not cancelled (with cancelled ones when asked); see MeetingCatalog.meetings. */
  meetings(opts: { includeCancelled?: boolean } = {}): Meeting[] {
    return this.#catalog.meetings(opts);
  }

  /** The occurrence of `m` starting at `when` (as shown, or as the rule generated it). */
  findOccurrence(m: Meeting, when: string): Occurrence {
    return this.#catalog.findOccurrence(m, when);
  }

  add(req: ScheduleAddParams, actor: Actor): BookOutcome {
    const cfg = this.#config();
    const p = applyTemplate(cfg, req);
    if (p.durationMinutes === undefined) throw new VcError('SCHEDULE_INVALID', say('err.needDuration'));
    const now = this.#clock.now();
    const tz = checkTimezone(p.timezone ?? cfg.site.timezone);
    const title = checkTitle(p.title);
    const durationMs = checkDuration(p.durationMinutes);
    const startUtc = parseStart(p.start, tz);
    const who = resolveParticipants(cfg, p);
    const checked = checkTimes({ startUtc, durationMs, rrule: p.rrule ?? null, tz }, now);
    const workdays = p.workdays ?? null;
    // conflicts are checked against the meetings that will really take place
    const series = { title, tz, durationMs, who, workdays, rec: withWorkdays(checked, workdays, this.#calendar) };
    const fields: NewSchedule = {
      ...seriesColumns(series),
      mode: p.mode ?? null,
      createdBy: actor.name,
      plan: meetingPlan(p),
    };
    const out = this.#store.transaction(() => {
      const overridden = this.#conflicts.check(
        { id: null, ...conflictSubject(series), exceptions: [], from: now },
        Boolean(p.force),
      );
      const row = this.#store.schedules.create({ ...fields, forced: overridden.length > 0 });
      this.#generation++;
      this.#audit(actor, 'add', row.id, overridden);
      return { row, overridden };
    });
    // logged once committed: a commit that fails (a full disk) must not leave "booked" in the log
    this.#log.info(
      {
        scheduleId: out.row.id,
        title,
        start: formatWall(out.row.startUtc, tz),
        tz,
        rrule: out.row.rrule,
        by: actor.name,
      },
      'meeting booked',
    );
    return out;
  }

  edit(p: ScheduleEditParams, actor: Actor): BookOutcome {
    const m = this.meeting(p.id);
    if (m.row.cancelledAt !== null) throw new VcError('SCHEDULE_INVALID', say('sched.cancelledEdit', { id: p.id }));
    if (p.occurrence !== undefined) return this.#moveOne(m, p, actor);
    if (p.from !== undefined) {
      const occ = this.findOccurrence(m, p.from);
      if (occ.key !== m.rec.first()) return this.#split(m, occ, p, actor);
    }
    return this.#editSeries(m, p, actor);
  }

  #ctx(): EditContext {
    return { config: this.#config(), now: this.#clock.now(), calendar: this.#calendar };
  }

  #editSeries(m: Meeting, p: ScheduleEditParams, actor: Actor): BookOutcome {
    const ctx = this.#ctx();
    const row = m.row;
    const series = editedSeries(m, p, ctx);
    return this.#store.transaction(() => {
      const overridden = this.#conflicts.check(
        { id: row.id, ...conflictSubject(series), exceptions: m.exceptions, from: ctx.now },
        Boolean(p.force),
        new Set([row.id]),
      );
      const next = this.#store.schedules.update(row.id, {
        ...seriesColumns(series),
        mode: p.mode ?? row.mode,
        forced: row.forced || overridden.length > 0,
      });
      this.#generation++;
      this.#audit(actor, 'edit', row.id, overridden);
      return { row: next, overridden };
    });
  }

  /** Change `occ` and every later occurrence: the series ends before it and a new one starts there. */
  #split(m: Meeting, occ: Occurrence, p: ScheduleEditParams, actor: Actor): BookOutcome {
    const ctx = this.#ctx();
    const row = m.row;
    const series = splitSeries(m, occ, p, ctx);
    const { oldRule, carried } = series;
    return this.#store.transaction(() => {
      const overridden = this.#conflicts.check(
        { id: null, ...conflictSubject(series), exceptions: carried, from: ctx.now },
        Boolean(p.force),
        new Set([row.id]),
      );
      const previous = this.#store.schedules.update(row.id, { rrule: oldRule });
      const created = this.#store.schedules.create({
        ...seriesColumns(series),
        mode: p.mode ?? row.mode,
        createdBy: actor.name,
        forced: overridden.length > 0,
        plan: row.plan,
      });
      for (const e of m.exceptions.filter((x) => x.occurrenceStartUtc >= occ.key))
        this.#store.schedules.removeException(row.id, e.occurrenceStartUtc);
      for (const e of carried) this.#store.schedules.setException({ ...e, scheduleId: created.id });
      this.#generation++;
      this.#audit(actor, 'edit', created.id, overridden);
      this.#log.info(
        { scheduleId: row.id, newScheduleId: created.id, from: formatWall(occ.key, row.tz) },
        'series split for an edit',
      );
      return { row: created, overridden, previous };
    });
  }

  #moveOne(m: Meeting, p: ScheduleEditParams, actor: Actor): BookOutcome {
    const row = m.row;
    const start = checkMoveOnly(p);
    const now = this.#clock.now();
    const occ = this.findOccurrence(m, p.occurrence!);
    const state = this.#store.occurrences.occurrenceState(row.id, occ.key)?.state;
    const only = movedOccurrence(m, occ, start, state, now);
    const newStart = only.start;
    return this.#store.transaction(() => {
      const overridden = this.#conflicts.check(
        {
          id: row.id,
          title: row.title,
          tz: row.tz,
          participants: participantsOf(row),
          rec: m.rec,
          exceptions: [],
          from: now,
          only,
        },
        Boolean(p.force),
        new Set([row.id]),
      );
      if (newStart === occ.key) this.#store.schedules.removeException(row.id, occ.key);
      else
        this.#store.schedules.setException({
          scheduleId: row.id,
          occurrenceStartUtc: occ.key,
          kind: 'moved',
          newStartUtc: newStart,
        });
      const next = this.#store.schedules.update(row.id, { forced: row.forced || overridden.length > 0 });
      this.#generation++;
      this.#audit(actor, 'move', row.id, overridden);
      return { row: next, overridden };
    });
  }

  /** Cancel the whole series (kept for history). */
  cancelSeries(id: string, actor: Actor): ScheduleRow {
    this.meeting(id);
    const row = this.#store.schedules.cancel(id);
    this.#generation++;
    this.#log.info({ scheduleId: id, by: actor.name }, 'series cancelled');
    return row;
  }

  /** Cancel one occurrence; returns it. A running one is the caller's to end. */
  cancelOccurrence(m: Meeting, when: string, actor: Actor): Occurrence {
    const occ = this.findOccurrence(m, when);
    const state = this.#store.occurrences.occurrenceState(m.row.id, occ.key)?.state;
    if (state === 'ended' || state === 'missed') {
      const time = formatWall(occ.start, m.row.tz);
      throw new VcError('SCHEDULE_INVALID', say(state === 'ended' ? 'sched.overEnded' : 'sched.overMissed', { time }));
    }
    this.#store.schedules.setException({ scheduleId: m.row.id, occurrenceStartUtc: occ.key, kind: 'cancelled' });
    this.#generation++;
    this.#log.info(
      { scheduleId: m.row.id, occurrence: formatWall(occ.start, m.row.tz), by: actor.name },
      'occurrence cancelled',
    );
    return occ;
  }

  /** Store a meeting read from a calendar file, already checked (importChecker); the caller holds
   *  the transaction. Times in the past are allowed (only future occurrences run). */
  createImported(
    fields: NewSchedule,
    exceptions: readonly OccurrenceException[],
    overridden: readonly ScheduleConflict[],
    actor: Actor,
  ): ScheduleRow {
    const row = this.#store.schedules.create({ ...fields, forced: overridden.length > 0 });
    for (const e of exceptions) this.#store.schedules.setException({ scheduleId: row.id, ...e });
    this.#audit(actor, 'import', row.id, overridden);
    this.#generation++;
    return row;
  }

  #audit(actor: Actor, action: string, scheduleId: string, overridden: readonly ScheduleConflict[]): void {
    if (overridden.length === 0) return;
    this.#store.audit.append({
      actor: actor.name,
      role: actor.role,
      method: 'schedule.override',
      result: 'ok',
      params: {
        action,
        scheduleId,
        conflicts: overridden
          .slice(0, 50)
          .map((c) => ({ kind: c.kind, occurrenceStart: c.occurrenceStart, message: c.message })),
        total: overridden.length,
      },
    });
    this.#log.warn(
      { scheduleId, by: actor.name, conflicts: overridden.length },
      'booking conflicts overridden with force',
    );
  }
}
