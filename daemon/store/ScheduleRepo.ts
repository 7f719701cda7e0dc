import type { Database, Statement } from 'better-sqlite3';
import { VcError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import type { Template, TemplatePolling } from '../config/schema.js';
import { bool, clampLimit, guard, newId, toJson } from './sql.js';

// Storage of meetings and their occurrences. No recurrence logic here: the scheduler expands the
// rrule; this only keeps what it decided (exceptions, per-occurrence state, pre-flight reports).

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

export type OccurrenceState = 'pending' | 'preflight' | 'started' | 'ended' | 'missed';

export interface OccurrenceStateRow {
  scheduleId: string;
  occurrenceStartUtc: number;
  state: OccurrenceState;
  conferenceId: string | null;
  updatedAt: number;
}

/** What the scheduler keeps about an occurrence besides its state (migration 2). */
export interface OccurrenceRuntime {
  /** Planned end, UTC ms, once started (moved by an extension); null before. */
  endsAt: number | null;
  /** Pre-flight stages done: 0 none, 1 the lead-time check, 2 the final check. */
  preflightStage: number;
  /** The "ends in 5 minutes" notice went out. */
  noticeSent: boolean;
  /** Why it was missed or how it ended. */
  reason: string | null;
}

export type OccurrenceDetailRow = OccurrenceStateRow & OccurrenceRuntime;

export interface PreflightReportRow {
  id: number;
  scheduleId: string;
  occurrenceStartUtc: number;
  at: number;
  report: unknown;
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
interface OccurrenceDbRow {
  schedule_id: string;
  occurrence_start_utc: number;
  state: OccurrenceState;
  conference_id: string | null;
  updated_at: number;
}
interface OccurrenceDetailDbRow extends OccurrenceDbRow {
  ends_at: number | null;
  preflight_stage: number;
  notice_sent: number;
  reason: string | null;
}
interface PreflightDbRow {
  id: number;
  schedule_id: string;
  occurrence_start_utc: number;
  at: number;
  report: string;
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
const toOccurrence = (r: OccurrenceDbRow): OccurrenceStateRow => ({
  scheduleId: r.schedule_id,
  occurrenceStartUtc: r.occurrence_start_utc,
  state: r.state,
  conferenceId: r.conference_id,
  updatedAt: r.updated_at,
});
const toDetail = (r: OccurrenceDetailDbRow): OccurrenceDetailRow => ({
  ...toOccurrence(r),
  endsAt: r.ends_at,
  preflightStage: r.preflight_stage,
  noticeSent: r.notice_sent === 1,
  reason: r.reason,
});
const toPreflight = (r: PreflightDbRow): PreflightReportRow => ({
  id: r.id,
  scheduleId: r.schedule_id,
  occurrenceStartUtc: r.occurrence_start_utc,
  at: r.at,
  report: JSON.parse(r.report) as unknown,
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
  readonly #upsertOccurrence: Statement<[string, number, string, string | null, number]>;
  readonly #occurrence: Statement<[string, number], OccurrenceDbRow>;
  readonly #occurrences: Statement<
    [{ scheduleId: string | null; state: string | null; from: number; to: number }],
    OccurrenceDbRow
  >;
  readonly #setRuntime: Statement<[number | null, number, number, string | null, string, number]>;
  readonly #insertPreflight: Statement<[string, number, number, string]>;
  readonly #preflights: Statement<[{ scheduleId: string; occurrence: number | null; limit: number }], PreflightDbRow>;

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
    this.#upsertOccurrence =
      db.prepare(`INSERT INTO occurrence_states (schedule_id, occurrence_start_utc, state, conference_id, updated_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (schedule_id, occurrence_start_utc)
      DO UPDATE SET state = excluded.state, conference_id = excluded.conference_id, updated_at = excluded.updated_at`);
    this.#occurrence = db.prepare('SELECT * FROM occurrence_states WHERE schedule_id = ? AND occurrence_start_utc = ?');
    this.#occurrences = db.prepare(`SELECT * FROM occurrence_states
      WHERE (@scheduleId IS NULL OR schedule_id = @scheduleId) AND (@state IS NULL OR state = @state)
        AND occurrence_start_utc >= @from AND occurrence_start_utc < @to
      ORDER BY occurrence_start_utc, schedule_id`);
    this.#setRuntime =
      db.prepare(`UPDATE occurrence_states SET ends_at = ?, preflight_stage = ?, notice_sent = ?, reason = ?
      WHERE schedule_id = ? AND occurrence_start_utc = ?`);
    this.#insertPreflight = db.prepare(
      'INSERT INTO preflight_reports (schedule_id, occurrence_start_utc, at, report) VALUES (?, ?, ?, ?)',
    );
    this.#preflights = db.prepare(`SELECT * FROM preflight_reports WHERE schedule_id = @scheduleId
      AND (@occurrence IS NULL OR occurrence_start_utc = @occurrence) ORDER BY at DESC, id DESC LIMIT @limit`);
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
    guard(`saving schedule "${row.title}"`, () => this.#insert.run(...this.#params(row)));
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
    return guard(`updating schedule ${id}`, () =>
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
    return guard(`cancelling schedule ${id}`, () =>
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
    return guard(`deleting schedule ${id}`, () => this.#delete.run(id).changes > 0);
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
      throw new VcError('SCHEDULE_INVALID', 'a moved occurrence needs its new start time');
    guard(`saving an exception of schedule ${e.scheduleId}`, () => {
      this.#require(e.scheduleId);
      this.#upsertException.run(row.scheduleId, row.occurrenceStartUtc, row.kind, row.newStartUtc, row.createdAt);
    });
    return row;
  }

  removeException(scheduleId: string, occurrenceStartUtc: number): boolean {
    return guard(
      `removing an exception of schedule ${scheduleId}`,
      () => this.#deleteException.run(scheduleId, occurrenceStartUtc).changes > 0,
    );
  }

  exceptions(scheduleId: string): ScheduleException[] {
    return this.#exceptions.all(scheduleId).map(toException);
  }

  /** Record where one occurrence is in its life (insert or replace). */
  setOccurrenceState(s: {
    scheduleId: string;
    occurrenceStartUtc: number;
    state: OccurrenceState;
    conferenceId?: string | null;
    at?: number;
  }): OccurrenceStateRow {
    const row: OccurrenceStateRow = {
      scheduleId: s.scheduleId,
      occurrenceStartUtc: s.occurrenceStartUtc,
      state: s.state,
      conferenceId: s.conferenceId ?? null,
      updatedAt: s.at ?? this.#clock.now(),
    };
    guard(`saving the state of an occurrence of ${s.scheduleId}`, () =>
      this.#upsertOccurrence.run(row.scheduleId, row.occurrenceStartUtc, row.state, row.conferenceId, row.updatedAt),
    );
    return row;
  }

  occurrenceState(scheduleId: string, occurrenceStartUtc: number): OccurrenceStateRow | undefined {
    const r = this.#occurrence.get(scheduleId, occurrenceStartUtc);
    return r ? toOccurrence(r) : undefined;
  }

  /** Occurrence states filtered by schedule, state and a [fromUtc, toUtc) window on the start. */
  occurrenceStates(
    q: { scheduleId?: string; state?: OccurrenceState; fromUtc?: number; toUtc?: number } = {},
  ): OccurrenceStateRow[] {
    return this.#occurrences
      .all({
        scheduleId: q.scheduleId ?? null,
        state: q.state ?? null,
        from: q.fromUtc ?? Number.MIN_SAFE_INTEGER,
        to: q.toUtc ?? Number.MAX_SAFE_INTEGER,
      })
      .map(toOccurrence);
  }

  /** State plus run-time details of one occurrence. */
  occurrenceDetail(scheduleId: string, occurrenceStartUtc: number): OccurrenceDetailRow | undefined {
    const r = this.#occurrence.get(scheduleId, occurrenceStartUtc) as OccurrenceDetailDbRow | undefined;
    return r ? toDetail(r) : undefined;
  }

  /** Like occurrenceStates(), with the run-time details. */
  occurrenceDetails(
    q: { scheduleId?: string; state?: OccurrenceState; fromUtc?: number; toUtc?: number } = {},
  ): OccurrenceDetailRow[] {
    return (
      this.#occurrences.all({
        scheduleId: q.scheduleId ?? null,
        state: q.state ?? null,
        from: q.fromUtc ?? Number.MIN_SAFE_INTEGER,
        to: q.toUtc ?? Number.MAX_SAFE_INTEGER,
      }) as OccurrenceDetailDbRow[]
    ).map(toDetail);
  }

  /** Change state and run-time details of one occurrence together; fields not given keep their
   *  value (a new row starts as 'pending', nothing done). */
  updateOccurrence(
    scheduleId: string,
    occurrenceStartUtc: number,
    patch: Partial<OccurrenceRuntime> & { state?: OccurrenceState; conferenceId?: string | null; at?: number },
  ): OccurrenceDetailRow {
    return guard(`saving the state of an occurrence of ${scheduleId}`, () =>
      this.#db.transaction(() => {
        const cur = this.occurrenceDetail(scheduleId, occurrenceStartUtc);
        const at = patch.at ?? this.#clock.now();
        const next: OccurrenceDetailRow = {
          scheduleId,
          occurrenceStartUtc,
          updatedAt: at,
          state: patch.state ?? cur?.state ?? 'pending',
          conferenceId: patch.conferenceId !== undefined ? patch.conferenceId : (cur?.conferenceId ?? null),
          endsAt: patch.endsAt !== undefined ? patch.endsAt : (cur?.endsAt ?? null),
          preflightStage: patch.preflightStage ?? cur?.preflightStage ?? 0,
          noticeSent: patch.noticeSent ?? cur?.noticeSent ?? false,
          reason: patch.reason !== undefined ? patch.reason : (cur?.reason ?? null),
        };
        this.#upsertOccurrence.run(scheduleId, occurrenceStartUtc, next.state, next.conferenceId, at);
        this.#setRuntime.run(
          next.endsAt,
          next.preflightStage,
          bool(next.noticeSent),
          next.reason,
          scheduleId,
          occurrenceStartUtc,
        );
        return next;
      })(),
    );
  }

  addPreflightReport(r: { scheduleId: string; occurrenceStartUtc: number; report: unknown; at?: number }): number {
    return guard(`saving a pre-flight report of ${r.scheduleId}`, () =>
      Number(
        this.#insertPreflight.run(r.scheduleId, r.occurrenceStartUtc, r.at ?? this.#clock.now(), toJson(r.report))
          .lastInsertRowid,
      ),
    );
  }

  /** Newest first; for one occurrence when `occurrenceStartUtc` is given. */
  preflightReports(scheduleId: string, occurrenceStartUtc?: number, limit = 50): PreflightReportRow[] {
    return this.#preflights
      .all({ scheduleId, occurrence: occurrenceStartUtc ?? null, limit: clampLimit(limit, 50) })
      .map(toPreflight);
  }

  #require(id: string): ScheduleRow {
    const r = this.#get.get(id);
    if (!r) throw new VcError('SCHEDULE_UNKNOWN', `no schedule with id "${id}"`);
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
