import type { Database, Statement } from 'better-sqlite3';
import { say } from '../../protocol/index.js';
import { clampLimit, guard } from './sql.js';

import type { EndpointState } from '../../protocol/index.js';

export interface HealthTransition {
  id: number;
  endpointId: string;
  from: EndpointState;
  to: EndpointState;
  /** UTC ms. */
  at: number;
  reason: string | null;
  rttMs: number | null;
}

export interface NewHealthTransition {
  endpointId: string;
  from: EndpointState;
  to: EndpointState;
  at: number;
  reason?: string;
  rttMs?: number;
}

export interface HealthSample {
  endpointId: string;
  at: number;
  /** null when the probe got no answer. */
  rttMs: number | null;
  ok: boolean;
  /** SIP status code of the answer, if any. */
  code?: number | null;
}

export interface Availability {
  /** ms reachable or degraded (the endpoint answered). */
  upMs: number;
  /** ms unreachable. */
  downMs: number;
  /** ms with no knowledge (before the first transition, or state "unknown"). */
  unknownMs: number;
}

interface TransitionRow {
  id: number;
  endpoint_id: string;
  from_state: EndpointState;
  to_state: EndpointState;
  at: number;
  reason: string | null;
  rtt_ms: number | null;
}

function toTransition(r: TransitionRow): HealthTransition {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    from: r.from_state,
    to: r.to_state,
    at: r.at,
    reason: r.reason,
    rttMs: r.rtt_ms,
  };
}

/** Endpoint reachability history: state transitions (kept) and probe samples (pruned). */
export class HealthRepo {
  readonly #db: Database;
  readonly #insertTransition: Statement<[string, string, string, number, string | null, number | null]>;
  readonly #insertSample: Statement<[string, number, number | null, number, number | null]>;
  readonly #last: Statement<[string, number], TransitionRow>;
  readonly #latest: Statement<[], { endpoint_id: string; to_state: EndpointState; at: number }>;
  readonly #stateAt: Statement<[string, number], { to_state: EndpointState }>;
  readonly #between: Statement<[string, number, number], { to_state: EndpointState; at: number }>;
  readonly #samples: Statement<
    [string, number, number],
    { endpoint_id: string; at: number; rtt_ms: number | null; ok: number; code: number | null }
  >;
  readonly #prune: Statement<[number]>;

  constructor(db: Database) {
    this.#db = db;
    this.#insertTransition = db.prepare(
      'INSERT INTO health_transitions (endpoint_id, from_state, to_state, at, reason, rtt_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#insertSample = db.prepare(
      'INSERT INTO health_samples (endpoint_id, at, rtt_ms, ok, code) VALUES (?, ?, ?, ?, ?)',
    );
    this.#last = db.prepare('SELECT * FROM health_transitions WHERE endpoint_id = ? ORDER BY at DESC, id DESC LIMIT ?');
    this.#latest = db.prepare(`SELECT endpoint_id, to_state, at FROM (
      SELECT endpoint_id, to_state, at, ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY at DESC, id DESC) AS n FROM health_transitions
    ) WHERE n = 1`);
    this.#stateAt = db.prepare(
      'SELECT to_state FROM health_transitions WHERE endpoint_id = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1',
    );
    this.#between = db.prepare(
      'SELECT to_state, at FROM health_transitions WHERE endpoint_id = ? AND at > ? AND at < ? ORDER BY at, id',
    );
    this.#samples = db.prepare(
      'SELECT * FROM (SELECT * FROM health_samples WHERE endpoint_id = ? AND at >= ? ORDER BY at DESC LIMIT ?) ORDER BY at',
    );
    this.#prune = db.prepare('DELETE FROM health_samples WHERE at < ?');
  }

  recordTransition(t: NewHealthTransition): number {
    return guard(say('store.do.healthState', { id: t.endpointId }), () =>
      Number(
        this.#insertTransition.run(t.endpointId, t.from, t.to, t.at, t.reason ?? null, t.rttMs ?? null).lastInsertRowid,
      ),
    );
  }

  recordSample(s: HealthSample): void {
    guard(say('store.do.healthProbe', { id: s.endpointId }), () =>
      this.#insertSample.run(s.endpointId, s.at, s.rttMs, s.ok ? 1 : 0, s.code ?? null),
    );
  }

  /** Many samples in one transaction (one probe round): one fsync-free commit instead of N. */
  recordSamples(rows: readonly HealthSample[]): void {
    if (rows.length === 0) return;
    guard(say('store.do.healthProbes', { n: rows.length }), () =>
      this.#db.transaction(() => {
        for (const s of rows) this.#insertSample.run(s.endpointId, s.at, s.rttMs, s.ok ? 1 : 0, s.code ?? null);
      })(),
    );
  }

  /** Newest first. */
  lastTransitions(endpointId: string, limit = 20): HealthTransition[] {
    return this.#last.all(endpointId, clampLimit(limit, 20)).map(toTransition);
  }

  /** Each endpoint's most recent state and since when (UTC ms); endpoints never seen are absent. */
  latestStates(): Map<string, { state: EndpointState; since: number }> {
    return new Map(this.#latest.all().map((r) => [r.endpoint_id, { state: r.to_state, since: r.at }]));
  }

  /** Probe samples at or after `sinceMs`, oldest first (the newest `limit` of them). */
  samples(endpointId: string, sinceMs: number, limit = 1000): HealthSample[] {
    return this.#samples
      .all(endpointId, sinceMs, clampLimit(limit, 1000, 100_000))
      .map((r) => ({ endpointId: r.endpoint_id, at: r.at, rttMs: r.rtt_ms, ok: r.ok === 1, code: r.code }));
  }

  /** Time split by what the transitions say about [fromMs, toMs). */
  availability(endpointId: string, fromMs: number, toMs: number): Availability {
    const a: Availability = { upMs: 0, downMs: 0, unknownMs: 0 };
    if (toMs <= fromMs) return a;
    let state: EndpointState = this.#stateAt.get(endpointId, fromMs)?.to_state ?? 'unknown';
    let t = fromMs;
    const add = (until: number): void => {
      const d = until - t;
      if (state === 'reachable' || state === 'degraded') a.upMs += d;
      else if (state === 'unreachable') a.downMs += d;
      else a.unknownMs += d;
    };
    for (const tr of this.#between.all(endpointId, fromMs, toMs)) {
      add(tr.at);
      t = tr.at;
      state = tr.to_state;
    }
    add(toMs);
    return a;
  }

  /** Fraction of the known time in [fromMs, toMs) the endpoint answered (reachable or degraded).
   *  Time with no knowledge is left out; NaN when nothing at all is known about the window. */
  uptime(endpointId: string, fromMs: number, toMs: number): number {
    const a = this.availability(endpointId, fromMs, toMs);
    const known = a.upMs + a.downMs;
    return known === 0 ? Number.NaN : a.upMs / known;
  }

  /** Delete samples older than `olderThanMs` (UTC ms); returns how many. Transitions are kept. */
  pruneSamples(olderThanMs: number): number {
    return guard(say('store.do.healthPrune'), () => this.#prune.run(olderThanMs).changes);
  }
}
