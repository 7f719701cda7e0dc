import type { Database, Statement } from 'better-sqlite3';
import { say } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import { guard, toJson } from './sql.js';

/** Small JSON values the daemon keeps between runs (last clean shutdown, ...). */
export class KvRepo {
  readonly #clock: Clock;
  readonly #get: Statement<[string], { value: string; updated_at: number }>;
  readonly #set: Statement<[string, string, number]>;
  readonly #delete: Statement<[string]>;
  readonly #keys: Statement<[], { key: string }>;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    this.#get = db.prepare('SELECT value, updated_at FROM kv WHERE key = ?');
    this.#set = db.prepare(
      'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.#delete = db.prepare('DELETE FROM kv WHERE key = ?');
    this.#keys = db.prepare('SELECT key FROM kv ORDER BY key');
  }

  get<T = unknown>(key: string): T | undefined {
    const row = this.#get.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** The value with the time (UTC ms) it was last written. */
  entry<T = unknown>(key: string): { value: T; updatedAt: number } | undefined {
    const row = this.#get.get(key);
    return row ? { value: JSON.parse(row.value) as T, updatedAt: row.updated_at } : undefined;
  }

  set(key: string, value: unknown): void {
    guard(say('store.do.kv', { key }), () => this.#set.run(key, toJson(value), this.#clock.now()));
  }

  delete(key: string): boolean {
    return this.#delete.run(key).changes > 0;
  }

  keys(): string[] {
    return this.#keys.all().map((r) => r.key);
  }
}
