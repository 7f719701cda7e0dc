import type { Database, Statement } from 'better-sqlite3';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import type { Template, TemplatePolling } from '../config/schema.js';
import { bool, guard, newId, toJson } from './sql.js';

export type {
  OccurrenceState,
  OccurrenceStateRow,
  OccurrenceRuntime,
  OccurrenceDetailRow,
  PreflightReportRow,
} from './OccurrenceRepo.js';

// Storage of meetings (series) and their exceptions. No recurrence logic here: the scheduler expands
// the rrule; this only keeps what it decided. Per-occurrence state and pre-flight reports are
// OccurrenceRepo's.

/** What each meeting of a series starts with besides its sites (from the template it was booked from). */
export interface MeetingPlan {
  /** The template the series was booked from (shown; its layout and polling are kept as booked). */
  template?: string;
  layout?: Template['layout'];
  polling?: TemplatePolling;
  /** Record the meeting from its start (the template's or the booking's `record`). */
  record?: boolean;
}

export interface ScheduleRow {
  id: string;
  title: string;
  /** First occurrence, UTC ms. */
  startUtc: number;
  durationMs: number;
  /** RFC 5545 RRULE text, null for a one-off meeting. */
  rrule: string | null;
  /** IANA zone the recurrence is expanded in. */
  tz: string;
  endpoints: string[];
  upstream: string | null;
  chair: string | null;
  mode: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  cancelledAt: number | null;
  /** Created despite a conflict warning. */
  forced: boolean;
  /** 'cn': follows the official working-day calendar (holidays skipped, make-up days worked). */
  workdays: 'cn' | null;
  /** Layout and polling each meeting starts with; null: none. */
  plan: MeetingPlan | null;
}

export interface NewSchedule {
  /** Default: a generated "s-xxxxxxxxxx". */
  id?: string;
  title: string;
  startUtc: number;
  durationMs: number;
  rrule?: string | null;
  tz: string;
  endpoints: string[];
  upstream?: string | null;
  chair?: string | null;
  mode?: string | null;
  createdBy: string;
  forced?: boolean;
  workdays?: 'cn' | null;
  plan?: MeetingPlan | null;
}

export type SchedulePatch = Partial<
  Pick<
    ScheduleRow,
    | 'title'
    | 'startUtc'
    | 'durationMs'
    | 'rrule'
    | 'tz'
    | 'endpoints'
    | 'upstream'
    | 'chair'
    | 'mode'
    | 'forced'
    | 'workdays'
    | 'plan'
  >
>;

export type ExceptionKind = 'cancelled' | 'moved';

export interface ScheduleException {
  scheduleId: string;
  /** The occurrence as the rrule generates it, UTC ms. */
  occurrenceStartUtc: number;
  kind: ExceptionKind;
  /** Where a moved occurrence now starts; null when cancelled. */
  newStartUtc: number | null;
  createdAt: number;
}

interface ScheduleDbRow {
  id: string;
  title: string;
  start_utc: number;
  duration_ms: number;
  rrule: string | null;
  tz: string;
  endpoints: string;
  upstream: string | null;
  chair: string | null;
  mode: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  cancelled_at: number | null;
  forced: number;
  workdays: string | null;
  plan: string | null;
}
interface ExceptionDbRow {
  schedule_id: string;
  occurrence_start_utc: number;
  kind: ExceptionKind;
  new_start_utc: number | null;
  created_at: number;
}
const toSchedule = (r: ScheduleDbRow): ScheduleRow => ({
  id: r.id,
  title: r.title,
  startUtc: r.start_utc,
  durationMs: r.duration_ms,
  rrule: r.rrule,
  tz: r.tz,
  endpoints: JSON.parse(r.endpoints) as string[],
  upstream: r.upstream,
  chair: r.chair,
  mode: r.mode,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  cancelledAt: r.cancelled_at,
  forced: r.forced === 1,
  workdays: r.workdays === 'cn' ? 'cn' : null,
  plan: r.plan === null ? null : (JSON.parse(r.plan) as MeetingPlan),
});
const toException = (r: ExceptionDbRow): ScheduleException => ({
  scheduleId: r.schedule_id,
  occurrenceStartUtc: r.occurrence_start_utc,
  kind: r.kind,
  newStartUtc: r.new_start_utc,
  createdAt: r.created_at,
});
type ScheduleParams = [
  string,
  string,
  number,
  number,
  string | null,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string,
  number,
  number,
  number | null,
  number,
  string | null,
  string | null,
];

export class ScheduleRepo {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #insert: Statement<ScheduleParams>;
  readonly #replace: Statement<[...ScheduleParams, string]>;
  readonly #get: Statement<[string], ScheduleDbRow>;
  readonly #listAll: Statement<[], ScheduleDbRow>;
  readonly #listLive: Statement<[], ScheduleDbRow>;
  readonly #delete: Statement<[string]>;
  readonly #upsertException: Statement<[string, number, string, number | null, number]>;
  readonly #deleteException: Statement<[string, number]>;
  readonly #exceptions: Statement<[string], ExceptionDbRow>;
  constructor(db: Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    const cols =
      'id, title, start_utc, duration_ms, rrule, tz, endpoints, upstream, chair, mode, created_by, created_at, updated_at, cancelled_at, forced, workdays, plan';
    const marks = Array.from({ length: 17 }, () => '?').join(', ');
    this.#insert = db.prepare(`INSERT INTO schedules (${cols}) VALUES (${marks})`);
    // a full-row write keeps one prepared statement for every patch (and lets a patch set null)
    this.#replace = db.prepare(`UPDATE schedules SET (${cols}) = (${marks}) WHERE id = ?`);
    this.#get = db.prepare('SELECT * FROM schedules WHERE id = ?');
    this.#listAll = db.prepare('SELECT * FROM schedules ORDER BY start_utc, id');
    this.#listLive = db.prepare('SELECT * FROM schedules WHERE cancelled_at IS NULL ORDER BY start_utc, id');
    this.#delete = db.prepare('DELETE FROM schedules WHERE id = ?');
    this.#upsertException =
      db.prepare(`INSERT INTO schedule_exceptions (schedule_id, occurrence_start_utc, kind, new_start_utc, created_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (schedule_id, occurrence_start_utc)
      DO UPDATE SET kind = excluded.kind, new_start_utc = excluded.new_start_utc, created_at = excluded.created_at`);
    this.#deleteException = db.prepare(
      'DELETE FROM schedule_exceptions WHERE schedule_id = ? AND occurrence_start_utc = ?',
    );
    this.#exceptions = db.prepare(
      'SELECT * FROM schedule_exceptions WHERE schedule_id = ? ORDER BY occurrence_start_utc',
    );
  }

  create(s: NewSchedule): ScheduleRow {
    const now = this.#clock.now();
    const row: ScheduleRow = {
      id: s.id ?? newId('s'),
      title: s.title,
      startUtc: s.startUtc,
      durationMs: s.durationMs,
      rrule: s.rrule ?? null,
      tz: s.tz,
      endpoints: [...s.endpoints],
      upstream: s.upstream ?? null,
      chair: s.chair ?? null,
      mode: s.mode ?? null,
      createdBy: s.createdBy,
      createdAt: now,
      updatedAt: now,
      cancelledAt: null,
      forced: s.forced ?? false,
      workdays: s.workdays ?? null,
      plan: s.plan ?? null,
    };
    guard(say('store.do.schSave', { title: row.title }), () => this.#insert.run(...this.#params(row)));
    return row;
  }

  get(id: string): ScheduleRow | undefined {
    const r = this.#get.get(id);
    return r ? toSchedule(r) : undefined;
  }

  /** Ordered by first start; cancelled ones only when asked. */
  list(opts: { includeCancelled?: boolean } = {}): ScheduleRow[] {
    return (opts.includeCancelled ? this.#listAll : this.#listLive).all().map(toSchedule);
  }

  /** Change some fields; throws SCHEDULE_UNKNOWN when there is no such schedule. */
  update(id: string, patch: SchedulePatch): ScheduleRow {
    return guard(say('store.do.schUpdate', { id }), () =>
      this.#db.transaction(() => {
        const current = this.#require(id);
        const next: ScheduleRow = { ...current, ...definedOnly(patch), id, updatedAt: this.#clock.now() };
        if (patch.endpoints) next.endpoints = [...patch.endpoints];
        this.#replace.run(...this.#params(next), id);
        return next;
      })(),
    );
  }

  /** Mark cancelled (kept for history); cancelling twice keeps the first time. */
  cancel(id: string, at = this.#clock.now()): ScheduleRow {
    return guard(say('store.do.schCancel', { id }), () =>
      this.#db.transaction(() => {
        const current = this.#require(id);
        if (current.cancelledAt !== null) return current;
        const next = { ...current, cancelledAt: at, updatedAt: at };
        this.#replace.run(...this.#params(next), id);
        return next;
      })(),
    );
  }

  /** Delete outright, with its exceptions, occurrence states and reports. Conferences it started
   *  keep their history (their schedule_id becomes null). */
  remove(id: string): boolean {
    return guard(say('store.do.schDelete', { id }), () => this.#delete.run(id).changes > 0);
  }

  /** Cancel or move one occurrence (replaces an earlier exception for the same occurrence). */
  setException(e: {
    scheduleId: string;
    occurrenceStartUtc: number;
    kind: ExceptionKind;
    newStartUtc?: number | null;
  }): ScheduleException {
    const row: ScheduleException = {
      scheduleId: e.scheduleId,
      occurrenceStartUtc: e.occurrenceStartUtc,
      kind: e.kind,
      newStartUtc: e.kind === 'moved' ? (e.newStartUtc ?? null) : null,
      createdAt: this.#clock.now(),
    };
    if (row.kind === 'moved' && row.newStartUtc === null)
      throw new VcError('SCHEDULE_INVALID', say('store.movedNeedsStart'));
    guard(say('store.do.exceptionSave', { id: e.scheduleId }), () => {
      this.#require(e.scheduleId);
      this.#upsertException.run(row.scheduleId, row.occurrenceStartUtc, row.kind, row.newStartUtc, row.createdAt);
    });
    return row;
  }

  removeException(scheduleId: string, occurrenceStartUtc: number): boolean {
    return guard(
      say('store.do.exceptionRemove', { id: scheduleId }),
      () => this.#deleteException.run(scheduleId, occurrenceStartUtc).changes > 0,
    );
  }

  exceptions(scheduleId: string): ScheduleException[] {
    return this.#exceptions.all(scheduleId).map(toException);
  }

  #require(id: string): ScheduleRow {
    const r = this.#get.get(id);
    if (!r) throw new VcError('SCHEDULE_UNKNOWN', say('err.scheduleUnknownBare', { id }));
    return toSchedule(r);
  }

  #params(r: ScheduleRow): ScheduleParams {
    return [
      r.id,
      r.title,
      r.startUtc,
      r.durationMs,
      r.rrule,
      r.tz,
      toJson(r.endpoints),
      r.upstream,
      r.chair,
      r.mode,
      r.createdBy,
      r.createdAt,
      r.updatedAt,
      r.cancelledAt,
      bool(r.forced),
      r.workdays,
      r.plan === null ? null : toJson(r.plan),
    ];
  }
}

/** Drop keys whose value is undefined, so `{ chair: undefined }` leaves the chair as it is. */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
