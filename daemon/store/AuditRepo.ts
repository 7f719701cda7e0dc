import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { clampLimit, guard, toJson } from './sql.js';


export interface NewAuditEntry {
  actor: string;
  role: string;
  method: string;
  params: unknown;
  result: 'ok' | 'error';
  errorCode?: string;
  /** UTC ms; default now. */
  at?: number;
}

export interface AuditListOptions {
  /** ISO 8601 instant: only entries at or after it. */
  since?: string;
  /** Default 100, at most 10 000. */
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

// Secrets a caller may pass as params (a new operator token, an endpoint password, a PIN) must
// not become permanent in a log nobody can edit.
const SECRET_KEY = /password|passwd|secret|token|^pin$|authorization/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

function toEntry(r: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, role: r.role, method: r.method,
    params: JSON.parse(r.params) as unknown, result: r.result,
  };
  if (r.error_code !== null) entry.errorCode = r.error_code;
  return entry;
}

/** Append-only log of every state-changing API call. There is deliberately no update or delete,
 *  and triggers in the schema refuse both. */
export class AuditRepo {
  readonly #clock: Clock;
  readonly #insert: Statement<[number, string, string, string, string, string, string | null]>;
  readonly #list: Statement<[number, number], AuditRow>;
  readonly #get: Statement<[number], AuditRow>;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    this.#insert = db.prepare('INSERT INTO audit (at, actor, role, method, params, result, error_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // newest `limit` entries, handed back oldest first (reads like a log)
    this.#list = db.prepare(`SELECT * FROM (SELECT * FROM audit WHERE at >= ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC`);
    this.#get = db.prepare('SELECT * FROM audit WHERE id = ?');
  }

  /** Write one entry; returns its id. */
  append(e: NewAuditEntry): number {
    const at = e.at ?? this.#clock.now();
    return guard(`writing the audit entry for ${e.method}`, () => Number(
      this.#insert.run(at, e.actor, e.role, e.method, toJson(redact(e.params)), e.result, e.errorCode ?? null).lastInsertRowid,
    ));
  }

  /** The newest `limit` entries at or after `since`, oldest first. */
  list(opts: AuditListOptions = {}): AuditEntry[] {
    let since = 0;
    if (opts.since !== undefined) {
      since = Date.parse(opts.since);
      if (Number.isNaN(since)) throw new VcError('PARAMS_INVALID', `since: not an ISO 8601 date-time: "${opts.since}"`);
    }
    return this.#list.all(since, clampLimit(opts.limit, 100)).map(toEntry);
  }

  get(id: number): AuditEntry | undefined {
    const r = this.#get.get(id);
    return r ? toEntry(r) : undefined;
  }
}
