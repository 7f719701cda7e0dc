import type { Database, Statement } from 'better-sqlite3';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { clampLimit, guard, newId, toJson } from './sql.js';

export type ConferenceState = 'active' | 'ended';

export interface ConferenceRow {
  id: string;
  title: string;
  scheduleId: string | null;
  occurrenceStartUtc: number | null;
  mode: string;
  chair: string | null;
  upstream: string | null;
  state: ConferenceState;
  startedAt: number;
  /** Planned end, UTC ms. */
  endsAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  endpoints: string[];
  createdBy: string;
}

export interface NewConference {
  /** Default: a generated "c-xxxxxxxxxx". */
  id?: string;
  title: string;
  scheduleId?: string | null;
  occurrenceStartUtc?: number | null;
  mode: string;
  chair?: string | null;
  upstream?: string | null;
  /** Default now. */
  startedAt?: number;
  endsAt?: number | null;
  endpoints: string[];
  createdBy: string;
}

/**
 * What a running conference is resumed with after a crash besides its sites: its multi-picture
 * layout, the sites' own layouts, pinned panes (by owner: "conference" or a site), the banner, and
 * its auto-polling (sites null: every site).
 */
export interface ConferencePlan {
  layout?: string;
  personal?: Record<string, string>;
  pins?: Record<string, Record<string, string>>;
  banner?: string;
  polling?: { intervalSeconds: number; sites: string[] | null; target: string | null; pane: number | null };
  /** The mode and the floor the operator gave (roll call's position); giving the floor may change the mode. */
  floor?: { mode: string; id: string | null };
  /** The roll-call list `floor --next` walks, when one was given. */
  rollcall?: string[];
  /** Raised hands, oldest first: who, when (UTC ms) and how. */
  hands?: { endpointId: string; at: number; via: 'dtmf' | 'browser' | 'operator' }[];
}

export type ConferencePatch = Partial<
  Pick<ConferenceRow, 'title' | 'mode' | 'chair' | 'upstream' | 'endsAt' | 'endpoints'>
>;

export interface ConferenceListOptions {
  state?: ConferenceState;
  /** Only conferences started at or after this UTC ms. */
  since?: number;
  /** Default 100. */
  limit?: number;
}

interface ConferenceDbRow {
  id: string;
  title: string;
  schedule_id: string | null;
  occurrence_start_utc: number | null;
  mode: string;
  chair: string | null;
  upstream: string | null;
  state: ConferenceState;
  started_at: number;
  ends_at: number | null;
  ended_at: number | null;
  end_reason: string | null;
  endpoints: string;
  created_by: string;
}

type ConferenceParams = [
  string,
  string,
  string | null,
  number | null,
  string,
  string | null,
  string | null,
  string,
  number,
  number | null,
  number | null,
  string | null,
  string,
  string,
];

const toConference = (r: ConferenceDbRow): ConferenceRow => ({
  id: r.id,
  title: r.title,
  scheduleId: r.schedule_id,
  occurrenceStartUtc: r.occurrence_start_utc,
  mode: r.mode,
  chair: r.chair,
  upstream: r.upstream,
  state: r.state,
  startedAt: r.started_at,
  endsAt: r.ends_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  endpoints: JSON.parse(r.endpoints) as string[],
  createdBy: r.created_by,
});

export class ConferenceRepo {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #insert: Statement<ConferenceParams>;
  readonly #replace: Statement<[...ConferenceParams, string]>;
  readonly #get: Statement<[string], ConferenceDbRow>;
  readonly #list: Statement<[{ state: string | null; since: number; limit: number }], ConferenceDbRow>;
  readonly #endActive: Statement<[number, string], { id: string }>;
  readonly #setPlan: Statement<[string | null, string]>;
  readonly #getPlan: Statement<[string], { plan: string | null }>;

  constructor(db: Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    const cols =
      'id, title, schedule_id, occurrence_start_utc, mode, chair, upstream, state, started_at, ends_at, ended_at, end_reason, endpoints, created_by';
    const marks = Array.from({ length: 14 }, () => '?').join(', ');
    this.#insert = db.prepare(`INSERT INTO conferences (${cols}) VALUES (${marks})`);
    this.#replace = db.prepare(`UPDATE conferences SET (${cols}) = (${marks}) WHERE id = ?`);
    this.#get = db.prepare('SELECT * FROM conferences WHERE id = ?');
    this.#list = db.prepare(`SELECT * FROM (
      SELECT * FROM conferences WHERE (@state IS NULL OR state = @state) AND started_at >= @since ORDER BY started_at DESC, id DESC LIMIT @limit
    ) ORDER BY started_at, id`);
    this.#endActive = db.prepare(
      `UPDATE conferences SET state = 'ended', ended_at = ?, end_reason = ? WHERE state = 'active' RETURNING id`,
    );
    this.#setPlan = db.prepare('UPDATE conferences SET plan = ? WHERE id = ?');
    this.#getPlan = db.prepare('SELECT plan FROM conferences WHERE id = ?');
  }

  /** Keep what the conference would be resumed with (null: nothing beyond its sites). */
  savePlan(id: string, plan: ConferencePlan | null): void {
    guard(say('store.do.confPlan', { id }), () => this.#setPlan.run(plan === null ? null : toJson(plan), id));
  }

  /** What savePlan() kept; null when nothing (or the conference is unknown). */
  plan(id: string): ConferencePlan | null {
    const r = this.#getPlan.get(id);
    return r?.plan ? (JSON.parse(r.plan) as ConferencePlan) : null;
  }

  create(c: NewConference): ConferenceRow {
    const row: ConferenceRow = {
      id: c.id ?? newId('c'),
      title: c.title,
      scheduleId: c.scheduleId ?? null,
      occurrenceStartUtc: c.occurrenceStartUtc ?? null,
      mode: c.mode,
      chair: c.chair ?? null,
      upstream: c.upstream ?? null,
      state: 'active',
      startedAt: c.startedAt ?? this.#clock.now(),
      endsAt: c.endsAt ?? null,
      endedAt: null,
      endReason: null,
      endpoints: [...c.endpoints],
      createdBy: c.createdBy,
    };
    guard(say('store.do.confSave', { title: row.title }), () => this.#insert.run(...params(row)));
    return row;
  }

  get(id: string): ConferenceRow | undefined {
    const r = this.#get.get(id);
    return r ? toConference(r) : undefined;
  }

  /** The newest `limit` matching conferences, oldest first. */
  list(opts: ConferenceListOptions = {}): ConferenceRow[] {
    return this.#list
      .all({ state: opts.state ?? null, since: opts.since ?? 0, limit: clampLimit(opts.limit, 100) })
      .map(toConference);
  }

  /** Change some fields of a conference (active or not); CONFERENCE_UNKNOWN when missing. */
  update(id: string, patch: ConferencePatch): ConferenceRow {
    return guard(say('store.do.confUpdate', { id }), () =>
      this.#db.transaction(() => {
        const current = this.#require(id);
        const next: ConferenceRow = { ...current, id };
        for (const [k, v] of Object.entries(patch))
          if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
        if (patch.endpoints) next.endpoints = [...patch.endpoints];
        this.#replace.run(...params(next), id);
        return next;
      })(),
    );
  }

  /** Mark ended. Ending an ended conference changes nothing and returns it as it is. */
  end(id: string, reason: string, at = this.#clock.now()): ConferenceRow {
    return guard(say('store.do.confEnd', { id }), () =>
      this.#db.transaction(() => {
        const current = this.#require(id);
        if (current.state === 'ended') return current;
        const next: ConferenceRow = { ...current, state: 'ended', endedAt: at, endReason: reason };
        this.#replace.run(...params(next), id);
        return next;
      })(),
    );
  }

  /** At start-up: conferences the last run left active cannot be live any more. Returns their ids. */
  endAllActive(reason: string, at = this.#clock.now()): string[] {
    return guard(say('store.do.confEndActive'), () => this.#endActive.all(at, reason).map((r) => r.id));
  }

  #require(id: string): ConferenceRow {
    const r = this.#get.get(id);
    if (!r) throw new VcError('CONFERENCE_UNKNOWN', say('err.conferenceUnknownBare', { id }));
    return toConference(r);
  }
}

function params(r: ConferenceRow): ConferenceParams {
  return [
    r.id,
    r.title,
    r.scheduleId,
    r.occurrenceStartUtc,
    r.mode,
    r.chair,
    r.upstream,
    r.state,
    r.startedAt,
    r.endsAt,
    r.endedAt,
    r.endReason,
    toJson(r.endpoints),
    r.createdBy,
  ];
}
