// One recording while it runs: part after part (an ffmpeg each) into its folder, the floor log beside
// them, and its row in the store kept current (size, duration, parts) every few seconds, so a killed
// daemon leaves an index that matches the files up to the last update.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import type { RecordingRepo, RecordingRow, RecordingState } from '../../store/RecordingRepo.js';
import type { FloorChange, ProgramFeed } from '../../media/program/ProgramFeed.js';
import { FfmpegRecorder } from '../../media/program/FfmpegRecorder.js';
import { FloorLog } from './FloorLog.js';

/** How often the row's size and duration are brought up to date. */
export const ROW_UPDATE_MS = 5000;
/** New parts tried after ffmpeg or the feed failed while the meeting goes on (then: failed). */
const MAX_RESTARTS = 3;
const RESTART_DELAY_MS = 2000;

type SessionEvents = {
  /** The recording is over (stopped, or failed for good): the row is final. */
  ended: [RecordingRow];
};

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // not written yet, or deleted by hand: counts as nothing
  }
}

export class RecordingSession extends TypedEmitter<SessionEvents> {
  readonly row: RecordingRow;
  readonly #repo: RecordingRepo;
  readonly #feed: ProgramFeed;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #blocked: () => string | null;
  readonly #floor: FloorLog;
  readonly #onFloor = (c: FloorChange): void => this.#floor.note(c);
  readonly #timer: NodeJS.Timeout;
  #part: FfmpegRecorder | undefined;
  #restarts = 0;
  #ended = false;

  constructor(o: {
    row: RecordingRow;
    repo: RecordingRepo;
    feed: ProgramFeed;
    clock: Clock;
    log: Logger;
    /** Why no new part may start now (the disk guard), or null. */
    blocked?: () => string | null;
  }) {
    super();
    this.#blocked = o.blocked ?? (() => null);
    this.row = o.row;
    this.#repo = o.repo;
    this.#feed = o.feed;
    this.#clock = o.clock;
    this.#log = o.log.child({ component: 'recording', recordingId: o.row.id, conferenceId: o.row.conferenceId });
    this.#floor = new FloorLog(o.row.path);
    const now = o.feed.floorHistory().at(-1);
    if (now) this.#floor.note(now);
    o.feed.on('floor', this.#onFloor);
    this.#timer = setInterval(() => this.update(), ROW_UPDATE_MS);
    this.#timer.unref();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The file being written now. */
  get currentFile(): string | undefined {
    return this.#part?.file;
  }

  /** Open the next part (part-1 on a fresh recording; a resumed one continues the numbering). */
  async startPart(): Promise<void> {
    const n = this.row.parts.length + 1;
    const file = join(this.row.path, `part-${n}.mp4`);
    const reader = await this.#feed.mux.reader();
    if (this.#ended) {
      reader.close('the recording stopped meanwhile');
      return;
    }
    const at = this.#clock.now();
    const part = new FfmpegRecorder({ reader, file, log: this.#log });
    this.#part = part;
    this.row.parts.push({ file, startedAt: at, endedAt: null, bytes: 0 });
    this.#floor.startPart(n, at);
    part.on('failed', (e) => this.#partFailed(part, e.error));
    this.update();
    this.#log.info({ file, part: n }, 'recording part started');
  }

  /** Bring size and duration up to date in the store. */
  update(): void {
    const now = this.#clock.now();
    let duration = 0;
    let size = 0;
    for (const p of this.row.parts) {
      if (p.endedAt === null) p.bytes = fileSize(p.file);
      duration += (p.endedAt ?? now) - p.startedAt;
      size += p.bytes;
    }
    this.row.durationMs = duration;
    this.row.sizeBytes = size;
    try {
      this.#repo.save(this.row);
    } catch (err) {
      this.#log.error({ err }, 'cannot update the recording in the store');
    }
  }

  /** Finish the file and the row. Idempotent. */
  async stop(reason: string, state: RecordingState = 'stopped'): Promise<RecordingRow> {
    if (this.#ended) return this.row;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#feed.off('floor', this.#onFloor);
    await this.#closePart();
    this.row.state = state;
    this.row.endedAt = this.#clock.now();
    this.row.stopReason = reason;
    this.update();
    this.#log.info({ reason, state, bytes: this.row.sizeBytes }, 'recording ended');
    this.emit('ended', this.row);
    return this.row;
  }

  async #closePart(): Promise<void> {
    const part = this.#part;
    this.#part = undefined;
    if (!part) return;
    await part.stop();
    const at = this.#clock.now();
    const p = this.row.parts.find((x) => x.file === part.file);
    if (p) {
      p.endedAt = at;
      p.bytes = fileSize(p.file);
    }
    this.#floor.endPart(at);
  }

  #partFailed(part: FfmpegRecorder, error: string): void {
    if (this.#ended || this.#part !== part) return;
    this.#log.warn({ error, restarts: this.#restarts }, 'recording part failed');
    void this.#closePart().then(() => {
      if (this.#ended) return;
      const blocked = this.#blocked();
      if (blocked !== null) {
        void this.stop(blocked, 'failed');
        return;
      }
      if (this.#restarts >= MAX_RESTARTS) {
        void this.stop(`recording failed: ${error}`, 'failed');
        return;
      }
      this.#restarts++;
      this.#retry();
    });
  }

  /** The next part after RESTART_DELAY_MS; a part that cannot start counts as another failure. */
  #retry(): void {
    setTimeout(() => {
      if (this.#ended) return;
      this.startPart().catch((err: unknown) => {
        const error = (err as Error).message;
        this.#log.error({ err, restarts: this.#restarts }, 'cannot start a new recording part');
        if (this.#ended) return;
        if (this.#restarts >= MAX_RESTARTS) {
          void this.stop(`recording failed: ${error}`, 'failed');
          return;
        }
        this.#restarts++;
        this.#retry();
      });
    }, RESTART_DELAY_MS).unref();
  }
}
