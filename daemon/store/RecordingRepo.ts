import type { Database, Statement } from 'better-sqlite3';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { clampLimit, guard, newId, toJson } from './sql.js';

// Recordings of conferences (录制): one row per recording, its parts (one file per ffmpeg run) as JSON.
// The files live under recording.dir; this table is the index the CLI lists and retention walks.

export type RecordingState = 'recording' | 'stopped' | 'failed';

export interface RecordingPartRow {
  /** Absolute path of the part's MP4. */
  file: string;
  startedAt: number;
  endedAt: number | null;
  bytes: number;
}

export interface RecordingRow {
  id: string;
  conferenceId: string;
  title: string;
  state: RecordingState;
  startedAt: number;
  endedAt: number | null;
  /** Sum of the parts' lengths (a crash gap between parts is not counted). */
  durationMs: number;
  sizeBytes: number;
  /** The recording's folder (parts, floor.json, chapters.vtt). */
  path: string;
  parts: RecordingPartRow[];
  stopReason: string | null;
  startedBy: string;
}

export interface RecordingListOptions {
  conferenceId?: string;
  state?: RecordingState;
  /** Default 100, at most 1000. */
  limit?: number;
}

interface Db {
  id: string;
  conference_id: string;
  title: string;
  state: RecordingState;
  started_at: number;
  ended_at: number | null;
  duration_ms: number;
  size_bytes: number;
  path: string;
  parts: string;
  stop_reason: string | null;
  started_by: string;
}

const toRow = (r: Db): RecordingRow => ({
  id: r.id,
  conferenceId: r.conference_id,
  title: r.title,
  state: r.state,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms,
  sizeBytes: r.size_bytes,
  path: r.path,
  parts: JSON.parse(r.parts) as RecordingPartRow[],
  stopReason: r.stop_reason,
  startedBy: r.started_by,
});

export class RecordingRepo {
  readonly #clock: Clock;
  readonly #insert: Statement<[Db]>;
  readonly #update: Statement<[Db]>;
  readonly #get: Statement<[string], Db>;
  readonly #delete: Statement<[string]>;
  readonly #list: Statement<[{ conference: string | null; state: string | null; limit: number }], Db>;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    const cols = [
      'id',
      'conference_id',
      'title',
      'state',
      'started_at',
      'ended_at',
      'duration_ms',
      'size_bytes',
      'path',
      'parts',
      'stop_reason',
      'started_by',
    ];
    this.#insert = db.prepare(
      `INSERT INTO recordings (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
    );
    this.#update = db.prepare(
      `UPDATE recordings SET ${cols
        .slice(1)
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE id = @id`,
    );
    this.#get = db.prepare('SELECT * FROM recordings WHERE id = ?');
    this.#delete = db.prepare('DELETE FROM recordings WHERE id = ?');
    this.#list = db.prepare(`SELECT * FROM (
      SELECT * FROM recordings WHERE (@conference IS NULL OR conference_id = @conference)
        AND (@state IS NULL OR state = @state) ORDER BY started_at DESC, id DESC LIMIT @limit
    ) ORDER BY started_at, id`);
  }

  /** A new recording in state 'recording' (its folder is `dirOf(id)`). */
  create(r: { conferenceId: string; title: string; startedBy: string; dirOf: (id: string) => string }): RecordingRow {
    const id = newId('r');
    const row: RecordingRow = {
      id,
      conferenceId: r.conferenceId,
      title: r.title,
      state: 'recording',
      startedAt: this.#clock.now(),
      endedAt: null,
      durationMs: 0,
      sizeBytes: 0,
      path: r.dirOf(id),
      parts: [],
      stopReason: null,
      startedBy: r.startedBy,
    };
    guard(say('store.do.recSave', { title: row.title }), () => this.#insert.run(toDb(row)));
    return row;
  }

  get(id: string): RecordingRow | undefined {
    const r = this.#get.get(id);
    return r ? toRow(r) : undefined;
  }

  require(id: string): RecordingRow {
    const r = this.get(id);
    if (!r) throw new VcError('RECORDING_UNKNOWN', say('rec.unknown', { id }));
    return r;
  }

  /** The newest `limit` matching recordings, oldest first. */
  list(opts: RecordingListOptions = {}): RecordingRow[] {
    return this.#list
      .all({ conference: opts.conferenceId ?? null, state: opts.state ?? null, limit: clampLimit(opts.limit, 100) })
      .map(toRow);
  }

  /** Store the whole row as it is now (parts, size, duration, state). */
  save(row: RecordingRow): void {
    guard(say('store.do.recUpdate', { id: row.id }), () => this.#update.run(toDb(row)));
  }

  delete(id: string): boolean {
    return guard(say('store.do.recDelete', { id }), () => this.#delete.run(id).changes > 0);
  }
}

function toDb(r: RecordingRow): Db {
  return {
    id: r.id,
    conference_id: r.conferenceId,
    title: r.title,
    state: r.state,
    started_at: Math.round(r.startedAt),
    ended_at: r.endedAt === null ? null : Math.round(r.endedAt),
    duration_ms: Math.max(0, Math.round(r.durationMs)),
    size_bytes: Math.max(0, Math.round(r.sizeBytes)),
    path: r.path,
    parts: toJson(r.parts),
    stop_reason: r.stopReason,
    started_by: r.startedBy,
  };
}
