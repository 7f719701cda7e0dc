import type { Database, Statement } from 'better-sqlite3';
import { say } from '../../protocol/index.js';
import type { QualitySummary } from '../../protocol/index.js';
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

/** Quality of one leg over a time window (reports: the worst links of a day). */
export interface LegStatsSummary extends QualitySummary {
  conferenceId: string;
  endpointId: string;
}

interface StatsDbRow {
  conference_id: string;
  endpoint_id: string;
  at: number;
  loss_pct: number | null;
  jitter_ms: number | null;
  rtt_ms: number | null;
  bitrate_in: number | null;
  bitrate_out: number | null;
  codec: string | null;
}

type StatsParams = [
  string,
  string,
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  string | null,
];

const round = (n: number | null | undefined): number | null =>
  n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n);
const finite = (n: number | null | undefined): number | null =>
  n === null || n === undefined || !Number.isFinite(n) ? null : n;

export class StatsRepo {
  readonly #db: Database;
  readonly #insert: Statement<StatsParams>;
  readonly #forLeg: Statement<[string, string, number, number], StatsDbRow>;
  readonly #prune: Statement<[number]>;
  readonly #summary: Statement<
    [number, number],
    {
      conference_id: string;
      endpoint_id: string;
      samples: number;
      avg_loss: number | null;
      max_loss: number | null;
      avg_jitter: number | null;
      max_jitter: number | null;
      avg_rtt: number | null;
    }
  >;

  constructor(db: Database) {
    this.#db = db;
    this.#insert =
      db.prepare(`INSERT INTO leg_stats (conference_id, endpoint_id, at, loss_pct, jitter_ms, rtt_ms, bitrate_in, bitrate_out, codec)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#forLeg = db.prepare(`SELECT * FROM (
      SELECT * FROM leg_stats WHERE conference_id = ? AND endpoint_id = ? AND at >= ? ORDER BY at DESC LIMIT ?
    ) ORDER BY at`);
    this.#prune = db.prepare('DELETE FROM leg_stats WHERE at < ?');
    this.#summary =
      db.prepare(`SELECT conference_id, endpoint_id, count(*) AS samples, avg(loss_pct) AS avg_loss, max(loss_pct) AS max_loss,
      avg(jitter_ms) AS avg_jitter, max(jitter_ms) AS max_jitter, avg(rtt_ms) AS avg_rtt
      FROM leg_stats WHERE at >= ? AND at < ? GROUP BY conference_id, endpoint_id`);
  }

  insert(s: LegStatsSample): void {
    guard(say('store.do.stats', { id: s.endpointId }), () => this.#insert.run(...params(s)));
  }

  /** A whole stats round in one transaction. */
  insertMany(rows: readonly LegStatsSample[]): void {
    if (rows.length === 0) return;
    guard(say('store.do.statsMany', { n: rows.length }), () =>
      this.#db.transaction(() => {
        for (const s of rows) this.#insert.run(...params(s));
      })(),
    );
  }

  /** Samples of one leg at or after `sinceMs`, oldest first (the newest `limit`). */
  forLeg(conferenceId: string, endpointId: string, sinceMs: number, limit = 10_000): LegStatsSample[] {
    return this.#forLeg.all(conferenceId, endpointId, sinceMs, clampLimit(limit, 10_000, 100_000)).map((r) => ({
      conferenceId: r.conference_id,
      endpointId: r.endpoint_id,
      at: r.at,
      lossPct: r.loss_pct,
      jitterMs: r.jitter_ms,
      rttMs: r.rtt_ms,
      bitrateIn: r.bitrate_in,
      bitrateOut: r.bitrate_out,
      codec: r.codec,
    }));
  }

  /** Per-leg aggregates of the samples in [fromMs, toMs), one SQL pass over the time index. */
  summarize(fromMs: number, toMs: number): LegStatsSummary[] {
    return this.#summary.all(fromMs, toMs).map((r) => ({
      conferenceId: r.conference_id,
      endpointId: r.endpoint_id,
      samples: r.samples,
      avgLossPct: r.avg_loss,
      maxLossPct: r.max_loss,
      avgJitterMs: r.avg_jitter,
      maxJitterMs: r.max_jitter,
      avgRttMs: r.avg_rtt,
    }));
  }

  /** Delete samples older than `olderThanMs`; returns how many. */
  prune(olderThanMs: number): number {
    return guard(say('store.do.statsPrune'), () => this.#prune.run(olderThanMs).changes);
  }
}

function params(s: LegStatsSample): StatsParams {
  return [
    s.conferenceId,
    s.endpointId,
    s.at,
    finite(s.lossPct),
    finite(s.jitterMs),
    finite(s.rttMs),
    round(s.bitrateIn),
    round(s.bitrateOut),
    s.codec ?? null,
  ];
}
