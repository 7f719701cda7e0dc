import type { Database } from 'better-sqlite3';

// Ordered schema migrations. Each runs in its own transaction together with the bump of
// PRAGMA user_version, so a crash mid-migration leaves the previous version intact.
// Never edit a released migration: add a new one.

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up(db) {
      db.exec(`
        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          actor TEXT NOT NULL,
          role TEXT NOT NULL,
          method TEXT NOT NULL,
          params TEXT NOT NULL,
          result TEXT NOT NULL CHECK (result IN ('ok', 'error')),
          error_code TEXT
        ) STRICT;
        CREATE INDEX audit_at ON audit (at);
        -- the audit log cannot be edited, not even by a bug in our own code
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

        CREATE TABLE health_transitions (
          id INTEGER PRIMARY KEY,
          endpoint_id TEXT NOT NULL,
          from_state TEXT NOT NULL CHECK (from_state IN ('unknown', 'reachable', 'degraded', 'unreachable')),
          to_state TEXT NOT NULL CHECK (to_state IN ('unknown', 'reachable', 'degraded', 'unreachable')),
          at INTEGER NOT NULL,
          reason TEXT,
          rtt_ms REAL
        ) STRICT;
        CREATE INDEX health_transitions_endpoint_at ON health_transitions (endpoint_id, at);

        CREATE TABLE health_samples (
          endpoint_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          rtt_ms REAL,
          ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
          code INTEGER
        ) STRICT;
        CREATE INDEX health_samples_endpoint_at ON health_samples (endpoint_id, at);
        CREATE INDEX health_samples_at ON health_samples (at);

        CREATE TABLE schedules (
          id TEXT PRIMARY KEY,
          title TEXT NOT NULL,
          start_utc INTEGER NOT NULL,
          duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),
          rrule TEXT,
          tz TEXT NOT NULL,
          endpoints TEXT NOT NULL,
          upstream TEXT,
          chair TEXT,
          mode TEXT,
          created_by TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          cancelled_at INTEGER,
          forced INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1))
        ) STRICT;
        CREATE INDEX schedules_start ON schedules (start_utc);

        CREATE TABLE schedule_exceptions (
          schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
          occurrence_start_utc INTEGER NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('cancelled', 'moved')),
          new_start_utc INTEGER,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (schedule_id, occurrence_start_utc),
          CHECK ((kind = 'moved') = (new_start_utc IS NOT NULL))
        ) STRICT;

        CREATE TABLE occurrence_states (
          schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
          occurrence_start_utc INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'preflight', 'started', 'ended', 'missed')),
          conference_id TEXT,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (schedule_id, occurrence_start_utc)
        ) STRICT;

        CREATE TABLE preflight_reports (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
          occurrence_start_utc INTEGER NOT NULL,
          at INTEGER NOT NULL,
          report TEXT NOT NULL
        ) STRICT;
        CREATE INDEX preflight_reports_occurrence ON preflight_reports (schedule_id, occurrence_start_utc, at);

        CREATE TABLE conferences (
          id TEXT PRIMARY KEY,
          title TEXT NOT NULL,
          schedule_id TEXT REFERENCES schedules (id) ON DELETE SET NULL,
          occurrence_start_utc INTEGER,
          mode TEXT NOT NULL,
          chair TEXT,
          upstream TEXT,
          state TEXT NOT NULL CHECK (state IN ('active', 'ended')),
          started_at INTEGER NOT NULL,
          ends_at INTEGER,
          ended_at INTEGER,
          end_reason TEXT,
          endpoints TEXT NOT NULL,
          created_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX conferences_started ON conferences (started_at);
        CREATE INDEX conferences_state ON conferences (state);
        CREATE INDEX conferences_schedule ON conferences (schedule_id, occurrence_start_utc);

        CREATE TABLE cdr (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          conference_id TEXT REFERENCES conferences (id) ON DELETE SET NULL,
          endpoint_id TEXT NOT NULL,
          direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
          call_id TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          answered_at INTEGER,
          ended_at INTEGER,
          end_reason TEXT,
          audio_codec TEXT,
          video_codec TEXT,
          stats TEXT
        ) STRICT;
        CREATE INDEX cdr_started ON cdr (started_at);
        CREATE INDEX cdr_conference ON cdr (conference_id);
        CREATE INDEX cdr_endpoint ON cdr (endpoint_id, started_at);
        CREATE INDEX cdr_open ON cdr (ended_at) WHERE ended_at IS NULL;

        CREATE TABLE leg_stats (
          conference_id TEXT NOT NULL,
          endpoint_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          loss_pct REAL,
          jitter_ms REAL,
          rtt_ms REAL,
          bitrate_in INTEGER,
          bitrate_out INTEGER,
          codec TEXT
        ) STRICT;
        CREATE INDEX leg_stats_leg ON leg_stats (conference_id, endpoint_id, at);
        CREATE INDEX leg_stats_at ON leg_stats (at);

        CREATE TABLE kv (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'occurrence run-time details for the scheduler',
    up(db) {
      // what the scheduler must remember across a restart about one occurrence: the planned end
      // (moved by an extension), which pre-flight stage ran, whether the end notice went out, and
      // why it was missed or how it ended
      db.exec(`
        ALTER TABLE occurrence_states ADD COLUMN ends_at INTEGER;
        ALTER TABLE occurrence_states ADD COLUMN preflight_stage INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE occurrence_states ADD COLUMN notice_sent INTEGER NOT NULL DEFAULT 0 CHECK (notice_sent IN (0, 1));
        ALTER TABLE occurrence_states ADD COLUMN reason TEXT;
      `);
    },
  },
  {
    version: 3,
    name: 'series that follow the official working-day calendar',
    up(db) {
      // 'cn': occurrences on official holidays are skipped, make-up working days count (调休)
      db.exec(`ALTER TABLE schedules ADD COLUMN workdays TEXT CHECK (workdays IS NULL OR workdays IN ('cn'));`);
    },
  },
  {
    version: 4,
    name: 'whether a call leg was encrypted (SRTP suite, NULL for plain RTP)',
    up(db) {
      db.exec('ALTER TABLE cdr ADD COLUMN srtp TEXT;');
    },
  },
  {
    version: 5,
    name: "what a booked meeting starts with besides its sites (its template's layout and polling)",
    up(db) {
      // JSON {layout?, polling?}; NULL: nothing
      db.exec('ALTER TABLE schedules ADD COLUMN plan TEXT;');
    },
  },
  {
    version: 6,
    name: 'recordings of conferences',
    up(db) {
      // one row per recording (start to stop); its parts (one per ffmpeg run: a crash resume or a
      // worker death starts a new one) as JSON; path is the recording's folder
      db.exec(`
        CREATE TABLE recordings (
          id TEXT PRIMARY KEY,
          conference_id TEXT NOT NULL,
          title TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('recording', 'stopped', 'failed')),
          started_at INTEGER NOT NULL,
          ended_at INTEGER,
          duration_ms INTEGER NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
          size_bytes INTEGER NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
          path TEXT NOT NULL,
          parts TEXT NOT NULL DEFAULT '[]',
          stop_reason TEXT,
          started_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX recordings_conference ON recordings (conference_id, started_at);
        CREATE INDEX recordings_started ON recordings (started_at);
      `);
    },
  },
  {
    version: 7,
    name: 'what a running conference resumes with after a crash (its layout, banner and polling)',
    up(db) {
      // JSON {layout?, banner?, polling?}; NULL: nothing beyond its sites
      db.exec('ALTER TABLE conferences ADD COLUMN plan TEXT;');
    },
  },
];

export const LATEST_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);
