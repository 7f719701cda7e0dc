// The recording service (录制): starts and stops one recording per conference on its program feed,
// keeps the index in the store, resumes recordings of meetings a killed daemon left running (a new
// part), deletes old recordings (retention) and stops recording — never the meeting — before the
// disk is full (the disk guard), raising the alarm.
import { rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { RecordingDeleteResult, RecordingView, RecordStartResult } from '../../../protocol/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { VcError } from '../../errors.js';
import { say } from '../../../protocol/index.js';
import type { RecordingRepo, RecordingRow } from '../../store/RecordingRepo.js';
import type { ProgramFeed } from '../../media/program/ProgramFeed.js';
import { checkFfmpeg } from '../../media/program/FfmpegRecorder.js';
import type { ConferenceRecordingInfo } from '../../../protocol/index.js';
import { RecordingSession } from './RecordingSession.js';
import { recordingView } from './recordingView.js';
import { retentionVictims } from './retention.js';
import { assertWritable, freeBytes } from './diskSpace.js';

/** How often the disk guard looks at the free space of the recording folder. */
export const DISK_CHECK_MS = 2000;
/** How often retention runs (also at start-up and after each recording ends). */
export const RETENTION_EVERY_MS = 10 * 60_000;
/** Retention reads at most this many recordings per run (the oldest first go). */
const RETENTION_SCAN = 10_000;
/** A start (tapping the program feed on the media worker, starting ffmpeg) that takes longer fails
 *  with RECORDING_FAILED; the CLI waits a little longer than this for the answer. */
export const START_DEADLINE_MS = 45_000;
const MB = 1024 * 1024;

function fileStat(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined; // deleted by hand: the row keeps what it knew
  }
}

export interface RecordingSettings {
  dir: string;
  maxDays: number;
  maxGb: number;
  reserveMb: number;
}

/** What the service needs of the conferences (ConferenceManager has it). */
export interface RecordedConferences {
  programFeed(id: string): ProgramFeed;
  get(id: string): { title: string; live: boolean; setRecording(info: ConferenceRecordingInfo | null): void };
  isActive(id: string): boolean;
  notice(id: string, message: string): void;
  on(event: 'started', l: (e: { conferenceId: string; record: boolean }) => void): unknown;
  on(event: 'ended', l: (e: { conferenceId: string; reason: string }) => void): unknown;
}

type RecordingsEvents = {
  /** The disk guard stopped a recording (or the disk filled): metric, notification, alarm hook. */
  alarm: [{ conferenceId: string; recordingId: string; message: string; freeBytes: number | null }];
  /** A recording started or ended (for the active-recordings gauge). */
  changed: [{ active: number }];
  /** Retention deleted a recording. */
  expired: [{ id: string; freedBytes: number }];
};

export class Recordings extends TypedEmitter<RecordingsEvents> {
  readonly #repo: RecordingRepo;
  readonly #conferences: RecordedConferences;
  readonly #settings: () => RecordingSettings;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #sessions = new Map<string, RecordingSession>();
  readonly #starting = new Map<string, Promise<RecordStartResult>>();
  readonly #guard: NodeJS.Timeout;
  readonly #retention: NodeJS.Timeout;
  #closed = false;

  constructor(o: {
    repo: RecordingRepo;
    conferences: RecordedConferences;
    settings: () => RecordingSettings;
    clock: Clock;
    log: Logger;
  }) {
    super();
    this.#repo = o.repo;
    this.#conferences = o.conferences;
    this.#settings = o.settings;
    this.#clock = o.clock;
    this.#log = o.log.child({ component: 'recordings' });
    o.conferences.on('started', (e) => {
      if (!e.record) return;
      this.start(e.conferenceId, 'template').catch((err: unknown) => {
        this.#log.error({ err, conferenceId: e.conferenceId }, 'cannot start the recording the meeting asked for');
        this.#conferences.notice(e.conferenceId, say('rec.couldNotStart', { why: (err as Error).message }));
      });
    });
    o.conferences.on('ended', (e) => {
      this.stop(e.conferenceId, `the meeting ended (${e.reason})`).catch((err: unknown) =>
        this.#log.error({ err, conferenceId: e.conferenceId }, 'cannot stop the recording of the ended meeting'),
      );
    });
    this.#guard = setInterval(() => this.#checkDisk(), DISK_CHECK_MS);
    this.#guard.unref();
    this.#retention = setInterval(() => this.enforceRetention(), RETENTION_EVERY_MS);
    this.#retention.unref();
  }

  get activeCount(): number {
    return this.#sessions.size;
  }

  /** Start recording a live conference; a second start changes nothing and says so (`already`). */
  start(conferenceId: string, by: string): Promise<RecordStartResult> {
    if (this.#closed) throw new VcError('RECORDING_FAILED', say('rec.daemonStopping'));
    const running = this.#sessions.get(conferenceId);
    if (running) return Promise.resolve({ recording: this.#view(running.row), already: true });
    const pending = this.#starting.get(conferenceId);
    if (pending) return pending.then((r) => ({ ...r, already: true }));
    const p = this.#start(conferenceId, by).finally(() => this.#starting.delete(conferenceId));
    this.#starting.set(conferenceId, p);
    return p;
  }

  async #start(conferenceId: string, by: string, resumeRow?: RecordingRow): Promise<RecordStartResult> {
    const conf = this.#conferences.get(conferenceId);
    if (!conf.live) throw new VcError('CONFERENCE_ENDED', say('err.conferenceEnded', { id: conferenceId }));
    const s = this.#settings();
    checkFfmpeg();
    assertWritable(s.dir);
    const low = this.#lowDisk(s);
    if (low) throw new VcError('RECORDING_FAILED', low.message, { freeBytes: low.free });
    const row =
      resumeRow ??
      this.#repo.create({ conferenceId, title: conf.title, startedBy: by, dirOf: (id) => join(s.dir, id) });
    assertWritable(row.path);
    const session = new RecordingSession({
      row,
      repo: this.#repo,
      feed: this.#conferences.programFeed(conferenceId),
      clock: this.#clock,
      log: this.#log,
      blocked: () => this.#lowDisk(this.#settings())?.message ?? null,
    });
    this.#sessions.set(conferenceId, session);
    session.on('ended', (r) => this.#ended(conferenceId, session, r));
    const startedAt = new Date(row.startedAt).toISOString();
    // `conf show` and the console say "starting" while the feed is tapped and ffmpeg started
    conf.setRecording({ id: row.id, startedAt, starting: true });
    let deadline: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        session.startPart(),
        new Promise<never>((_, reject) => {
          deadline = setTimeout(
            () => reject(new VcError('RECORDING_FAILED', say('rec.startSlow', { s: START_DEADLINE_MS / 1000 }))),
            START_DEADLINE_MS,
          );
        }),
      ]);
    } catch (e) {
      await session.stop(`could not start: ${(e as Error).message}`, 'failed');
      throw e instanceof VcError
        ? e
        : new VcError('RECORDING_FAILED', say('rec.cannotRecord', { id: conferenceId, why: (e as Error).message }));
    } finally {
      clearTimeout(deadline);
    }
    conf.setRecording({ id: row.id, startedAt });
    this.#conferences.notice(conferenceId, say(resumeRow ? 'rec.resumedNotice' : 'rec.startedNotice', { id: row.id }));
    this.emit('changed', { active: this.#sessions.size });
    return { recording: this.#view(row), already: false };
  }

  /** Stop the conference's recording; null when it was not recording. */
  async stop(conferenceId: string, reason: string): Promise<RecordingView | null> {
    // a start in flight is waited for (its own caller hears when it fails)
    await this.#starting
      .get(conferenceId)
      ?.catch((err: unknown) => this.#log.debug({ err, conferenceId }, 'the recording start in flight failed'));
    const s = this.#sessions.get(conferenceId);
    if (!s) return null;
    return this.#view(await s.stop(reason));
  }

  /** What a conference records now (for its view). */
  current(conferenceId: string): RecordingRow | undefined {
    return this.#sessions.get(conferenceId)?.row;
  }

  list(opts: { conferenceId?: string; limit?: number } = {}): RecordingView[] {
    return this.#repo.list({ conferenceId: opts.conferenceId, limit: opts.limit }).map((r) => this.#view(r));
  }

  show(id: string): RecordingView {
    return this.#view(this.#repo.require(id));
  }

  /** Delete a finished recording: its files and its row. A running one must be stopped first. */
  delete(id: string): RecordingDeleteResult {
    const row = this.#repo.require(id);
    if (row.state === 'recording' && this.#sessions.get(row.conferenceId)?.row.id === id)
      throw new VcError('BAD_REQUEST', say('rec.running', { id, conf: row.conferenceId }));
    const freed = this.#view(row).parts.reduce((n, p) => n + (p.missing ? 0 : p.sizeBytes), 0);
    rmSync(row.path, { recursive: true, force: true });
    this.#repo.delete(id);
    this.#log.info({ recordingId: id, freed }, 'recording deleted');
    return { id, freedBytes: freed };
  }

  /**
   * At start-up, after the conferences resumed: a recording the last run left open continues with a
   * new part when its meeting is live again, else it is closed where its files end.
   */
  async resume(): Promise<string[]> {
    const resumed: string[] = [];
    for (const row of this.#repo.list({ state: 'recording', limit: RETENTION_SCAN })) {
      // the killed run's last part ends where its file ends (its mtime: the last fragment written)
      for (const p of row.parts) {
        if (p.endedAt !== null) continue;
        const f = fileStat(p.file);
        p.bytes = f?.size ?? p.bytes;
        p.endedAt = Math.round(Math.max(p.startedAt, f?.mtimeMs ?? p.startedAt));
      }
      if (this.#conferences.isActive(row.conferenceId) && !this.#sessions.has(row.conferenceId)) {
        try {
          await this.#start(row.conferenceId, row.startedBy, row);
          resumed.push(row.id);
          continue;
        } catch (err) {
          this.#log.error({ err, recordingId: row.id }, 'cannot resume the recording');
        }
      }
      if (this.#sessions.get(row.conferenceId)?.row.id === row.id) continue;
      row.state = 'stopped';
      row.endedAt = row.parts.at(-1)?.endedAt ?? row.startedAt;
      row.stopReason = 'the daemon stopped while recording';
      this.#repo.save(row);
    }
    this.enforceRetention();
    return resumed;
  }

  /** Delete what retention no longer keeps (recording.maxDays, recording.maxGb). */
  enforceRetention(): string[] {
    const s = this.#settings();
    if (s.maxDays <= 0 && s.maxGb <= 0) return [];
    const rows = this.#repo.list({ limit: RETENTION_SCAN });
    const victims = retentionVictims(
      rows.map((r) => ({ id: r.id, startedAt: r.startedAt, sizeBytes: r.sizeBytes, running: r.state === 'recording' })),
      s,
      this.#clock.now(),
    );
    for (const id of victims) {
      try {
        const { freedBytes } = this.delete(id);
        this.emit('expired', { id, freedBytes });
      } catch (err) {
        this.#log.error({ err, recordingId: id }, 'retention could not delete a recording');
      }
    }
    if (victims.length) this.#log.info({ deleted: victims.length }, 'retention deleted old recordings');
    return victims;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#guard);
    clearInterval(this.#retention);
    await Promise.all([...this.#sessions.values()].map((s) => s.stop('the daemon is stopping')));
  }

  #view(row: RecordingRow): RecordingView {
    return recordingView(row, this.#clock.now());
  }

  #ended(conferenceId: string, session: RecordingSession, row: RecordingRow): void {
    if (this.#sessions.get(conferenceId) !== session) return;
    this.#sessions.delete(conferenceId);
    this.emit('changed', { active: this.#sessions.size });
    try {
      if (this.#conferences.isActive(conferenceId)) this.#conferences.get(conferenceId).setRecording(null);
      this.#conferences.notice(
        conferenceId,
        say('rec.endedNotice', { id: row.id, state: say(`rec.state.${row.state}`), why: row.stopReason ?? '' }),
      );
    } catch (err) {
      this.#log.debug({ err }, 'the conference is gone');
    }
    if (row.state === 'failed') {
      const low = this.#lowDisk(this.#settings());
      this.emit('alarm', {
        conferenceId,
        recordingId: row.id,
        message: `recording ${row.id} of "${row.title}" stopped: ${row.stopReason ?? 'failed'}; the meeting goes on`,
        freeBytes: low?.free ?? null,
      });
    }
    this.enforceRetention();
  }

  /** The reason recording must stop now, when the folder's disk has less than the reserve free. */
  #lowDisk(s: RecordingSettings): { message: string; free: number } | undefined {
    let free: number;
    try {
      free = freeBytes(s.dir);
    } catch (err) {
      this.#log.debug({ err }, 'cannot read the free space of the recording folder');
      return undefined; // assertWritable reports a missing folder with a clearer message
    }
    const reserve = s.reserveMb * MB;
    if (free >= reserve && free > 0) return undefined;
    return {
      free,
      message: say('rec.lowDisk', { dir: s.dir, free: (free / MB).toFixed(1), reserve: s.reserveMb }),
    };
  }

  #checkDisk(): void {
    if (this.#sessions.size === 0) return;
    const low = this.#lowDisk(this.#settings());
    if (!low) return;
    for (const [conferenceId, s] of this.#sessions) {
      this.#log.warn({ conferenceId, free: low.free }, 'disk guard: stopping the recording');
      s.stop(`disk guard: ${low.message}`, 'failed').catch((err: unknown) =>
        this.#log.error({ err, conferenceId }, 'disk guard could not stop the recording'),
      );
    }
  }
}
