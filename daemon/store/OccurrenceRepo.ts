import type { Database, Statement } from 'better-sqlite3';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { bool, clampLimit, guard, toJson } from './sql.js';

// Where each occurrence of a meeting is in its life (pending → preflight → started → ended/missed),
// its run-time details and the pre-flight reports written for it. Rows go with their schedule
// (ON DELETE CASCADE).

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

export class OccurrenceRepo {
  readonly #db: Database;
  readonly #clock: Clock;
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
    guard(say('store.do.occurrence', { id: s.scheduleId }), () =>
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
    return guard(say('store.do.occurrence', { id: scheduleId }), () =>
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
    return guard(say('store.do.preflight', { id: r.scheduleId }), () =>
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
}
