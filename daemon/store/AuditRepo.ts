import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { auditParams } from '../util/redact.js';
import { clampLimit, guard, toJson } from './sql.js';

/** Most entries one audit.list page returns, and the most bytes of params it holds. */
export const MAX_AUDIT_PAGE = 1000;
export const MAX_AUDIT_PAGE_BYTES = 1024 * 1024;

/** An entry to write: the API's AuditEntry without the id the store gives it, `at` as UTC ms (default now). */
export interface NewAuditEntry extends Omit<AuditEntry, 'id' | 'at'> {
  at?: number;
}

export interface AuditListOptions {
  /** ISO 8601 instant: only entries at or after it. */
  since?: string;
  /** Only entries with a smaller id (page back from the first id of the previous page). */
  beforeId?: number;
  /** Default 100, at most MAX_AUDIT_PAGE. */
  limit?: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  role: string;
  method: string;
  params: string;
  result: 'ok' | 'error';
  error_code: string | null;
}

function toEntry(r: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    role: r.role,
    method: r.method,
    params: JSON.parse(r.params) as unknown,
    result: r.result,
  };
  if (r.error_code !== null) entry.errorCode = r.error_code;
  return entry;
}

/** Append-only log of every state-changing API call. There is deliberately no update or delete,
 *  and triggers in the schema refuse both. */
export class AuditRepo {
  readonly #clock: Clock;
  readonly #insert: Statement<[number, string, string, string, string, string, string | null]>;
  readonly #list: Statement<[number, number, number], AuditRow>;
  readonly #get: Statement<[number], AuditRow>;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    this.#insert = db.prepare(
      'INSERT INTO audit (at, actor, role, method, params, result, error_code) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // newest first, so a page cut short by its byte budget keeps the newest entries
    this.#list = db.prepare('SELECT * FROM audit WHERE at >= ? AND id < ? ORDER BY id DESC LIMIT ?');
    this.#get = db.prepare('SELECT * FROM audit WHERE id = ?');
  }

  /** Write one entry; returns its id. */
  append(e: NewAuditEntry): number {
    const at = e.at ?? this.#clock.now();
    return guard(say('store.do.auditEntry', { method: e.method }), () =>
      Number(
        this.#insert.run(at, e.actor, e.role, e.method, toJson(auditParams(e.params)), e.result, e.errorCode ?? null)
          .lastInsertRowid,
      ),
    );
  }

  /** The newest `limit` entries at or after `since` (and before `beforeId`), oldest first; a page
   *  stops early once its params reach MAX_AUDIT_PAGE_BYTES (at least one entry is returned). */
  list(opts: AuditListOptions = {}): AuditEntry[] {
    let since = 0;
    if (opts.since !== undefined) {
      since = Date.parse(opts.since);
      if (Number.isNaN(since)) throw new VcError('PARAMS_INVALID', say('store.since', { value: opts.since }));
    }
    const out: AuditEntry[] = [];
    let bytes = 0;
    for (const r of this.#list.iterate(
      since,
      opts.beforeId ?? Number.MAX_SAFE_INTEGER,
      clampLimit(opts.limit, 100, MAX_AUDIT_PAGE),
    )) {
      bytes += r.params.length;
      if (out.length > 0 && bytes > MAX_AUDIT_PAGE_BYTES) break;
      out.push(toEntry(r));
    }
    return out.reverse();
  }

  get(id: number): AuditEntry | undefined {
    const r = this.#get.get(id);
    return r ? toEntry(r) : undefined;
  }
}
