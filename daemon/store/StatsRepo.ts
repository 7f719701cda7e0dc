import type { Database, Statement } from 'better-sqlite3';
import { clampLimit, guard } from './sql.js';

/** One periodic quality sample of a conference leg. */
export interface LegStatsSample {
  conferenceId: string;
  endpointId: string;
  /** UTC ms. */
  at: number;
  lossPct: number | null;
  jitterMs: number | null;
  rttMs: number | null;
  /** bits per second, rounded. */
  bitrateIn: number | null;
  bitrateOut: number | null;
  codec: string | null;
}

interface StatsDbRow {
  conference_id: string; endpoint_id: string; at: number; loss_pct: number | null; jitter_ms: number | null; rtt_ms: number | null;
  bitrate_in: number | null; bitrate_out: number | null; codec: string | null;
}

type StatsParams = [string, string, number, number | null, number | null, number | null, number | null, number | null, string | null];

const round = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n));
const finite = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : n);

export class StatsRepo {
  readonly #db: Database;
  readonly #insert: Statement<StatsParams>;
  readonly #forLeg: Statement<[string, string, number, number], StatsDbRow>;
  readonly #prune: Statement<[number]>;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO leg_stats (conference_id, endpoint_id, at, loss_pct, jitter_ms, rtt_ms, bitrate_in, bitrate_out, codec)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#forLeg = db.prepare(`SELECT * FROM (
      SELECT * FROM leg_stats WHERE conference_id = ? AND endpoint_id = ? AND at >= ? ORDER BY at DESC LIMIT ?
    ) ORDER BY at`);
    this.#prune = db.prepare('DELETE FROM leg_stats WHERE at < ?');
  }

  insert(s: LegStatsSample): void {
    guard(`recording stats of ${s.endpointId}`, () => this.#insert.run(...params(s)));
  }

  /** A whole stats round in one transaction. */
  insertMany(rows: readonly LegStatsSample[]): void {
    if (rows.length === 0) return;
    guard(`recording ${rows.length} stats samples`, () => this.#db.transaction(() => {
      for (const s of rows) this.#insert.run(...params(s));
    })());
  }

  /** Samples of one leg at or after `sinceMs`, oldest first (the newest `limit`). */
  forLeg(conferenceId: string, endpointId: string, sinceMs: number, limit = 10_000): LegStatsSample[] {
    return this.#forLeg.all(conferenceId, endpointId, sinceMs, clampLimit(limit, 10_000, 100_000)).map((r) => ({
      conferenceId: r.conference_id, endpointId: r.endpoint_id, at: r.at, lossPct: r.loss_pct, jitterMs: r.jitter_ms,
      rttMs: r.rtt_ms, bitrateIn: r.bitrate_in, bitrateOut: r.bitrate_out, codec: r.codec,
    }));
  }

  /** Delete samples older than `olderThanMs`; returns how many. */
  prune(olderThanMs: number): number {
    return guard('pruning leg stats', () => this.#prune.run(olderThanMs).changes);
  }
}

function params(s: LegStatsSample): StatsParams {
  return [s.conferenceId, s.endpointId, s.at, finite(s.lossPct), finite(s.jitterMs), finite(s.rttMs), round(s.bitrateIn), round(s.bitrateOut), s.codec ?? null];
}
