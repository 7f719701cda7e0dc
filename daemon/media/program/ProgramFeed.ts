// The program feed of one conference (节目流): what a recording or a live stream shows and plays.
//   picture — a target of the conference's VideoView, like a room's view: one constant-SSRC H.264
//             producer whose source the conference chooses (the multi-picture canvas when a layout is
//             on, so the compositor's encode is reused, else the floor's or broadcast source);
//   sound   — the full mix (ProgramAudio), not anyone's N-1.
// It exists only while somebody taps it (on demand: no Opus encode, no canvas for nobody). Each tap
// is an independent pair of plain consumers (FeedTap). Who held the floor when is kept as events.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import type { ConferenceMixer } from '../AudioMixer.js';
import type { VideoView } from '../VideoView.js';
import type { VideoCodecKey } from '../types.js';
import { ProgramAudio } from './ProgramAudio.js';
import { FeedTap } from './FeedTap.js';
import { ProgramMux } from './ProgramMux.js';

/** The program's id among the view's targets (no endpoint id starts with '#'). */
export const PROGRAM_TARGET = '#program';
/** What the program's picture is: every player and packager takes H.264 with FU-A. */
export const PROGRAM_VIDEO_KEY: VideoCodecKey = 'H264/1';
/** Floor changes kept for late tappers (a day of roll calls is a few hundred). */
const FLOOR_HISTORY_MAX = 5000;
/** A tap asked for while the media worker is dead waits this long for the conference's new router. */
export const REBUILD_WAIT_MS = 30_000;

export interface FloorChange {
  /** Epoch ms. */
  at: number;
  /** Who holds the floor (is shown and heard first) from `at`; null: nobody. */
  id: string | null;
  label: string | null;
}

type FeedEvents = {
  /** The feed started (first tap) or stopped (last tap closed): the conference picks its picture again. */
  wanted: [boolean];
  floor: [FloorChange];
};

export class ProgramFeed extends TypedEmitter<FeedEvents> {
  readonly #log: Logger;
  readonly #mixer: ConferenceMixer;
  #router: ms.Router;
  #view: VideoView;
  #video: ms.Producer | undefined;
  #audio: ProgramAudio | undefined;
  #starting: Promise<void> | undefined;
  readonly #taps = new Set<FeedTap>();
  #pending = 0;
  /** 'wanted' true was emitted (and false is owed when the feed stops). */
  #announced = false;
  readonly #floor: FloorChange[] = [];
  #closed = false;
  /** Taps waiting for rebuild() (the worker under the router died). */
  readonly #awaitingRouter = new Set<(ok: boolean) => void>();
  /** The program encoded once (AAC) and muxed for every writer: the recorder, HLS, RTMP pushes. */
  readonly mux: ProgramMux;

  constructor(o: { router: ms.Router; view: VideoView; mixer: ConferenceMixer; log: Logger }) {
    super();
    this.#router = o.router;
    this.#view = o.view;
    this.#mixer = o.mixer;
    this.#log = o.log.child({ component: 'media.program' });
    this.mux = new ProgramMux({ tap: () => this.tap(), log: this.#log });
  }

  /** Whether anybody taps (or is about to tap) the feed. */
  get wanted(): boolean {
    return this.#taps.size + this.#pending > 0;
  }
  get taps(): number {
    return this.#taps.size;
  }
  get videoProducer(): ms.Producer | undefined {
    return this.#video;
  }
  get audioProducer(): ms.Producer | undefined {
    return this.#audio?.producer;
  }

  /** A new consumer of the feed (starts the feed when it is the first). */
  async tap(): Promise<FeedTap> {
    if (this.#closed) throw new VcError('CONFERENCE_ENDED', say('media.prog.closed'));
    this.#pending++;
    try {
      // a recorder re-tapping at once after a worker death would otherwise tap the dead router
      if (this.#router.closed) await this.#rebuilt();
      await this.#ensure();
      if (!this.#announced) {
        this.#announced = true;
        this.emit('wanted', true);
      }
      const video = this.#video;
      const audio = this.#audio?.producer;
      if (!video || !audio || this.#closed) throw new VcError('MEDIA_FAILED', say('media.prog.unavailable'));
      const tap = await FeedTap.open({
        router: this.#router,
        video,
        audio,
        log: this.#log,
        onClose: () => {
          this.#taps.delete(tap);
          this.#release();
        },
      });
      this.#taps.add(tap);
      return tap;
    } finally {
      this.#pending--;
      this.#release();
    }
  }

  /** The conference's floor changed (recorded for chapters; taps that came later read floorHistory()). */
  noteFloor(id: string | null, label: string | null, at: number): void {
    const last = this.#floor.at(-1);
    if (last ? last.id === id : id === null) return;
    const change = { at, id, label };
    this.#floor.push(change);
    if (this.#floor.length > FLOOR_HISTORY_MAX) this.#floor.splice(0, this.#floor.length - FLOOR_HISTORY_MAX);
    this.emit('floor', change);
  }

  /** Floor changes so far (oldest first); the latest tells who holds the floor now. */
  floorHistory(): FloorChange[] {
    return [...this.#floor];
  }

  /** After a worker death: taps end (their consumers died with the router); tap again. */
  rebuild(router: ms.Router, view: VideoView): void {
    for (const t of [...this.#taps]) t.close('the media worker died');
    this.#stop();
    this.#announced = false;
    this.#router = router;
    this.#view = view;
    for (const wake of this.#awaitingRouter) wake(true);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of this.#awaitingRouter) wake(false);
    this.mux.close('the conference ended');
    for (const t of [...this.#taps]) t.close('the conference ended');
    this.#stop();
    this.removeAllListeners();
  }

  /** Resolves once rebuild() gave the feed a live router; MEDIA_FAILED after REBUILD_WAIT_MS or close(). */
  #rebuilt(): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (ok: boolean): void => {
        clearTimeout(timer);
        this.#awaitingRouter.delete(wake);
        if (ok) resolve();
        else reject(new VcError('CONFERENCE_ENDED', say('media.prog.closed')));
      };
      const timer = setTimeout(() => {
        this.#awaitingRouter.delete(wake);
        reject(new VcError('MEDIA_FAILED', say('media.prog.notRebuilt')));
      }, REBUILD_WAIT_MS);
      timer.unref();
      this.#awaitingRouter.add(wake);
    });
  }

  #ensure(): Promise<void> {
    this.#starting ??= (async () => {
      const view = this.#view;
      await view.addTarget(PROGRAM_TARGET, {
        videoCodec: PROGRAM_VIDEO_KEY,
        setVideoEgress: (p) => {
          this.#video = p ?? undefined;
          return Promise.resolve();
        },
      });
      this.#audio = await ProgramAudio.create({ router: this.#router, mixer: this.#mixer, log: this.#log });
      this.#log.info('program feed started');
    })().catch((e: unknown) => {
      this.#stop();
      throw e instanceof VcError
        ? e
        : new VcError('MEDIA_FAILED', say('media.prog.cannotStart', { why: (e as Error).message }), undefined, {
            cause: e,
          });
    });
    return this.#starting;
  }

  #release(): void {
    if (this.wanted || this.#closed) return;
    this.#stop();
    if (this.#announced) {
      this.#announced = false;
      this.emit('wanted', false);
    }
  }

  #stop(): void {
    if (!this.#starting) return;
    this.#starting = undefined;
    this.#view.removeTarget(PROGRAM_TARGET);
    this.#video = undefined;
    this.#audio?.close();
    this.#audio = undefined;
    this.#log.info('program feed stopped');
  }
}
