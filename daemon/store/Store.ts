import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { AuditRepo } from './AuditRepo.js';
import { CdrRepo } from './CdrRepo.js';
import { ConferenceRepo } from './ConferenceRepo.js';
import { HealthRepo } from './HealthRepo.js';
import { KvRepo } from './KvRepo.js';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations.js';
import { RecordingRepo } from './RecordingRepo.js';
import { OccurrenceRepo } from './OccurrenceRepo.js';
import { ScheduleRepo } from './ScheduleRepo.js';
import { guard } from './sql.js';
import { StatsRepo } from './StatsRepo.js';

export interface StoreOptions {
  clock?: Clock;
  log?: Logger;
  /** Migrations to apply (tests hand in their own); default the product's. */
  migrations?: readonly Migration[];
}

/** The daemon's one SQLite file and its repositories. Synchronous by design (better-sqlite3): a
 *  write is committed when the call returns. */
export class Store {
  readonly file: string;
  readonly audit: AuditRepo;
  readonly health: HealthRepo;
  readonly schedules: ScheduleRepo;
  readonly occurrences: OccurrenceRepo;
  readonly conferences: ConferenceRepo;
  readonly cdr: CdrRepo;
  readonly stats: StatsRepo;
  readonly kv: KvRepo;
  readonly recordings: RecordingRepo;
  readonly #db: Database.Database;
  readonly #log: Logger;

  private constructor(file: string, db: Database.Database, clock: Clock, log: Logger) {
    this.file = file;
    this.#db = db;
    this.#log = log;
    this.audit = new AuditRepo(db, clock);
    this.health = new HealthRepo(db);
    this.schedules = new ScheduleRepo(db, clock);
    this.occurrences = new OccurrenceRepo(db, clock);
    this.conferences = new ConferenceRepo(db, clock);
    this.cdr = new CdrRepo(db, clock);
    this.stats = new StatsRepo(db);
    this.kv = new KvRepo(db, clock);
    this.recordings = new RecordingRepo(db, clock);
  }

  /** Open (creating file and folder if needed) and migrate. Throws STORE_FAILED naming the file. */
  static open(file: string, opts: StoreOptions = {}): Store {
    const log = (opts.log ?? silentLogger()).child({ component: 'store' });
    const migrations = opts.migrations ?? MIGRATIONS;
    let db: Database.Database | undefined;
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      db = new Database(file);
      configure(db, file);
      migrate(db, file, migrations, log);
      return new Store(file, db, opts.clock ?? systemClock, log);
    } catch (e) {
      db?.close();
      if (e instanceof VcError) throw e;
      throw new VcError('STORE_FAILED', openFailure(file, e as Error & { code?: unknown }), { file }, { cause: e });
    }
  }

  /** PRAGMA user_version: the last migration applied. */
  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  /** Run `fn` in one transaction: writes through several repositories commit together or not at
   *  all (e.g. end a conference and close its call records). Nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    // the COMMIT itself can fail (a full disk surfaces there in WAL mode): that is STORE_FAILED too
    return guard(say('store.do.transaction'), () => this.#db.transaction(fn)());
  }

  /** "ok", or SQLite's list of what is damaged. */
  integrityCheck(): string {
    const rows = this.#db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('\n');
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  /** Checkpoint the WAL into the main file and close. Safe to call twice. */
  close(): void {
    if (!this.#db.open) return;
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      // not fatal: the WAL is replayed on the next open
      this.#log.warn({ err: e }, 'WAL checkpoint on close failed');
    }
    this.#db.close();
  }
}

function configure(db: Database.Database, file: string): void {
  // WAL: readers never block the writer, and a commit is one append to the -wal file.
  const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
  if (mode !== 'wal' && file !== ':memory:')
    throw new VcError('STORE_FAILED', say('store.noWal', { file, mode }), { file });
  // synchronous=NORMAL in WAL mode: a commit is write()n to the WAL before the call returns, but
  // not fsync()ed. The bytes sit in the OS page cache, which belongs to the kernel, not to us, so a
  // SIGKILL, OOM kill or crash of vcbridged loses no committed row (tests/unit/store-durability
  // kills a writer with SIGKILL to prove it). Only a power cut or kernel panic can drop the last
  // commits, and even then the file stays consistent (WAL frames are checksummed). FULL would add
  // an fsync per commit, which the per-probe and per-call writes do not need.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // another process (the CLI reading, a backup) may hold the lock briefly
  db.pragma('busy_timeout = 5000');
}

function migrate(db: Database.Database, file: string, migrations: readonly Migration[], log: Logger): void {
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new VcError('STORE_FAILED', say('store.newer', { file, version: current, latest }), {
      file,
      version: current,
      supported: latest,
    });
  }
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const m of pending) {
    try {
      db.transaction(() => {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (e) {
      throw new VcError(
        'STORE_FAILED',
        say('store.migration', { version: m.version, name: m.name, file, detail: (e as Error).message }),
        { file, version: m.version },
        { cause: e },
      );
    }
    log.info({ file, version: m.version, name: m.name }, 'store migrated');
  }
}

export { LATEST_VERSION };

/** Why the store file could not be opened, one template per common cause (the raw text otherwise). */
function openFailure(file: string, e: Error & { code?: unknown }): string {
  if (e.code === 'SQLITE_NOTADB') return say('store.notADb', { file });
  if (e.code === 'SQLITE_CANTOPEN') return say('store.cantOpen', { file });
  if (e.code === 'EACCES') return say('store.noAccess', { file });
  return say('store.cannotOpen', { file, detail: e.message });
}
