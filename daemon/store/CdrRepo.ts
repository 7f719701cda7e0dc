import type { Database, Statement } from 'better-sqlite3';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { clampLimit, guard, toJson } from './sql.js';

/** One call leg: a row opens with the call and closes when it ends. */
export interface CdrRow {
  id: number;
  conferenceId: string | null;
  /** Endpoint id from the config (or the remote URI for a caller not in the config). */
  endpointId: string;
  direction: 'out' | 'in';
  callId: string;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  audioCodec: string | null;
  videoCodec: string | null;
  /** The SRTP suite(s) when the leg was encrypted, null for plain RTP. */
  srtp: string | null;
  /** Summary of the leg's quality, whatever the media layer hands in. */
  stats: unknown;
}

export interface NewCdr {
  conferenceId?: string | null;
  endpointId: string;
  direction: 'out' | 'in';
  callId: string;
  /** Default now. */
  startedAt?: number;
}

export interface CdrListOptions {
  /** Legs started at or after this UTC ms. */
  since?: number;
  conferenceId?: string;
  endpointId?: string;
  /** Default 100. */
  limit?: number;
}

interface CdrDbRow {
  id: number;
  conference_id: string | null;
  endpoint_id: string;
  direction: 'out' | 'in';
  call_id: string;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  end_reason: string | null;
  audio_codec: string | null;
  video_codec: string | null;
  srtp: string | null;
  stats: string | null;
}

const toCdr = (r: CdrDbRow): CdrRow => ({
  id: r.id,
  conferenceId: r.conference_id,
  endpointId: r.endpoint_id,
  direction: r.direction,
  callId: r.call_id,
  startedAt: r.started_at,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  audioCodec: r.audio_codec,
  videoCodec: r.video_codec,
  srtp: r.srtp ?? null,
  stats: r.stats === null ? null : (JSON.parse(r.stats) as unknown),
});

export class CdrRepo {
  readonly #clock: Clock;
  readonly #open: Statement<[string | null, string, string, string, number]>;
  readonly #answer: Statement<[number, string | null, string | null, string | null, number]>;
  readonly #close: Statement<[number, string, string | null, number]>;
  readonly #closeDangling: Statement<[number, string]>;
  readonly #get: Statement<[number], CdrDbRow>;
  readonly #list: Statement<
    [{ since: number; conferenceId: string | null; endpointId: string | null; limit: number }],
    CdrDbRow
  >;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    this.#open = db.prepare(
      'INSERT INTO cdr (conference_id, endpoint_id, direction, call_id, started_at) VALUES (?, ?, ?, ?, ?)',
    );
    // codecs given at answer win; a re-INVITE may answer again with new ones
    this.#answer =
      db.prepare(`UPDATE cdr SET answered_at = coalesce(answered_at, ?), audio_codec = coalesce(?, audio_codec),
      video_codec = coalesce(?, video_codec), srtp = coalesce(?, srtp) WHERE id = ? AND ended_at IS NULL`);
    this.#close = db.prepare(
      'UPDATE cdr SET ended_at = ?, end_reason = ?, stats = ? WHERE id = ? AND ended_at IS NULL',
    );
    this.#closeDangling = db.prepare('UPDATE cdr SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL');
    this.#get = db.prepare('SELECT * FROM cdr WHERE id = ?');
    this.#list = db.prepare(`SELECT * FROM (
      SELECT * FROM cdr WHERE started_at >= @since AND (@conferenceId IS NULL OR conference_id = @conferenceId)
        AND (@endpointId IS NULL OR endpoint_id = @endpointId) ORDER BY id DESC LIMIT @limit
    ) ORDER BY id`);
  }

  /** Start a leg's record; returns its id. */
  open(c: NewCdr): number {
    return guard(say('store.do.cdrOpen', { id: c.endpointId }), () =>
      Number(
        this.#open.run(c.conferenceId ?? null, c.endpointId, c.direction, c.callId, c.startedAt ?? this.#clock.now())
          .lastInsertRowid,
      ),
    );
  }

  /** The leg was answered; false when the record is unknown or already closed. */
  answer(
    id: number,
    at: number,
    codecs: { audio?: string | null; video?: string | null; srtp?: string | null } = {},
  ): boolean {
    return guard(
      say('store.do.cdrUpdate', { id }),
      () => this.#answer.run(at, codecs.audio ?? null, codecs.video ?? null, codecs.srtp ?? null, id).changes > 0,
    );
  }

  /** The leg ended; false when unknown or already closed (the first close wins). */
  close(id: number, at: number, reason: string, stats?: unknown): boolean {
    return guard(
      say('store.do.cdrClose', { id }),
      () => this.#close.run(at, reason, stats === undefined ? null : toJson(stats), id).changes > 0,
    );
  }

  /** At start-up: legs the last run never closed (it crashed). Returns how many. */
  closeDangling(reason: string, at = this.#clock.now()): number {
    return guard(say('store.do.cdrDangling'), () => this.#closeDangling.run(at, reason).changes);
  }

  get(id: number): CdrRow | undefined {
    const r = this.#get.get(id);
    return r ? toCdr(r) : undefined;
  }

  /** The newest `limit` matching legs, oldest first. */
  list(opts: CdrListOptions = {}): CdrRow[] {
    return this.#list
      .all({
        since: opts.since ?? 0,
        conferenceId: opts.conferenceId ?? null,
        endpointId: opts.endpointId ?? null,
        limit: clampLimit(opts.limit, 100),
      })
      .map(toCdr);
  }
}
