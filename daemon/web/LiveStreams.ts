// Live streaming of conferences (issue #16): per conference at most one HLS packager and a few RTMP
// pushes, each its own ffmpeg (LiveProcess) reading the conference's program mux (the picture and the
// AAC sound encoded once for the recording and every output) and copying it. HLS files go to <dataDir>/live/<conferenceId>/ and that directory is removed when the stream
// stops (and the whole live/ directory when the daemon starts: what a killed run left is stale).
// RTMP failures (a server that refuses or vanishes) restart with backoff and raise an alarm; HLS and
// the recording are separate consumers and carry on.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { say, type LiveOutputView, type LiveView } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { Logger } from '../util/logger.js';
import { LiveProcess, type LiveProcessStatus, type RunPlan } from '../media/live/LiveProcess.js';
import { checkRtmpUrl, hlsArgs, redactRtmpUrl, rtmpArgs, type RtmpsTrust } from '../media/live/ffmpegArgs.js';
import type { FeedSource } from '../media/live/types.js';

/** RTMP targets per conference. */
export const MAX_RTMP_TARGETS = 4;
/** Conferences streamed at once (each costs a program encoder, if not recorded, and a copy per output). */
export const MAX_LIVE_CONFERENCES = 8;
/** Conference ids that may name a directory: what the store makes (c-xxxx) and schedules give. */
export const CONFERENCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface LiveAlarm {
  conferenceId: string;
  output: 'hls' | 'rtmp';
  target: string;
  state: LiveProcessStatus['state'];
  reason: string | null;
}

export interface LiveStreamsOptions {
  feed: FeedSource;
  /** <dataDir>/live */
  dir: string;
  log: Logger;
  /** The live state of a conference changed (null: no longer streamed). */
  onChange(conferenceId: string, view: LiveView | null): void;
  /** An output started failing, recovered or gave up. */
  onAlarm(a: LiveAlarm): void;
  ffmpeg?: string;
  /** How rtmps:// pushes check the server (read at each run: a config reload applies to the next). */
  rtmpsTrust?: () => RtmpsTrust;
  /** Tests shorten the backoff. */
  restartDelaysMs?: readonly number[];
  stallMs?: number;
}

interface Stream {
  id: string;
  dir: string;
  hls?: LiveProcess;
  rtmp: Map<string, LiveProcess>;
  viewers: () => number;
}

export class LiveStreams {
  readonly #o: LiveStreamsOptions;
  readonly #log: Logger;
  readonly #streams = new Map<string, Stream>();
  #viewers: (conferenceId: string) => number = () => 0;

  constructor(o: LiveStreamsOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: 'live' });
    rmSync(o.dir, { recursive: true, force: true });
  }

  /** The HTTP side tells how many viewers a stream has (for the view). */
  set viewerCount(f: (conferenceId: string) => number) {
    this.#viewers = f;
  }

  /** Start HLS (idempotent). */
  startHls(conferenceId: string): void {
    const s = this.#stream(conferenceId);
    if (s.hls) return;
    s.hls = this.#process(s, 'hls', 'hls', () => hlsArgs(s.dir));
    this.#changed(s);
  }

  /** Add an RTMP push (idempotent per URL); the URL is checked first. */
  addRtmp(conferenceId: string, rawUrl: string): void {
    const url = checkRtmpUrl(rawUrl);
    const existing = this.#streams.get(conferenceId);
    if (existing?.rtmp.has(url)) return;
    if (existing && existing.rtmp.size >= MAX_RTMP_TARGETS)
      throw new VcError('CAPACITY_EXCEEDED', say('web.rtmpMax', { id: conferenceId, max: MAX_RTMP_TARGETS }));
    const s = this.#stream(conferenceId);
    s.rtmp.set(
      url,
      this.#process(s, 'rtmp', redactRtmpUrl(url), () => rtmpArgs(url, this.#o.rtmpsTrust?.())),
    );
    this.#changed(s);
  }

  /** Stop everything of a conference and remove its files. */
  async stop(conferenceId: string): Promise<boolean> {
    const s = this.#streams.get(conferenceId);
    if (!s) return false;
    this.#streams.delete(conferenceId);
    await Promise.all([s.hls?.stop(), ...[...s.rtmp.values()].map((p) => p.stop())]);
    this.#removeDir(s.dir);
    this.#o.onChange(conferenceId, null);
    this.#log.info({ conference: conferenceId }, 'live streaming stopped');
    return true;
  }

  /** The directory HLS files are served from, while HLS runs for that conference. */
  hlsDir(conferenceId: string): string | undefined {
    const s = this.#streams.get(conferenceId);
    return s?.hls ? s.dir : undefined;
  }

  has(conferenceId: string): boolean {
    return this.#streams.has(conferenceId);
  }

  view(conferenceId: string): LiveView | null {
    const s = this.#streams.get(conferenceId);
    if (!s) return null;
    return {
      hls: s.hls ? { ...outputView(s.hls.status), viewers: this.#viewers(conferenceId) } : null,
      rtmp: [...s.rtmp.entries()].map(([url, p]) => ({ ...outputView(p.status), target: redactRtmpUrl(url) })),
    };
  }

  /** Test hook and fault drill: the processes of a conference (hls, then RTMP targets). */
  processes(conferenceId: string): { hls?: LiveProcess; rtmp: LiveProcess[] } {
    const s = this.#streams.get(conferenceId);
    return { hls: s?.hls, rtmp: s ? [...s.rtmp.values()] : [] };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#streams.keys()].map((id) => this.stop(id)));
  }

  #stream(conferenceId: string): Stream {
    let s = this.#streams.get(conferenceId);
    if (s) return s;
    if (!CONFERENCE_ID.test(conferenceId))
      throw new VcError('PARAMS_INVALID', say('web.streamBadId', { id: conferenceId.slice(0, 80) }));
    if (this.#streams.size >= MAX_LIVE_CONFERENCES)
      throw new VcError('CAPACITY_EXCEEDED', say('web.streamMax', { max: MAX_LIVE_CONFERENCES }));
    const dir = join(this.#o.dir, conferenceId);
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o750 });
    } catch (err) {
      throw new VcError('MEDIA_FAILED', say('web.liveDir', { dir, detail: (err as Error).message }));
    }
    s = { id: conferenceId, dir, rtmp: new Map(), viewers: () => this.#viewers(conferenceId) };
    this.#streams.set(conferenceId, s);
    this.#log.info({ conference: conferenceId, dir }, 'live streaming started');
    return s;
  }

  #process(s: Stream, output: 'hls' | 'rtmp', name: string, args: () => string[]): LiveProcess {
    const prepare = async (): Promise<RunPlan> => {
      const reader = await this.#o.feed(s.id);
      let released = false;
      // the program went away under this run (encoder died, worker died, ...): end the run, the next
      // one reads again
      reader.on('closed', ({ reason }) => {
        if (released) return;
        this.#log.warn({ conference: s.id, output: name, reason }, 'the program ended; restarting');
        p.kill();
      });
      return {
        args: args(),
        attach: (stdin) => reader.attach(stdin),
        finish: () => {
          released = true;
          reader.close(`${output} stopped`);
        },
        release: () => {
          released = true;
          reader.close(`${output} ended`);
        },
      };
    };
    const p = new LiveProcess({
      name,
      prepare,
      log: this.#log.child({ conference: s.id }),
      ffmpeg: this.#o.ffmpeg,
      restartDelaysMs: this.#o.restartDelaysMs,
      stallMs: this.#o.stallMs,
    });
    let wasBad = false;
    p.on('state', (st) => {
      if (st.state === 'running') {
        // every keyframe ask after this is wasted: the stream flows
        if (wasBad) this.#o.onAlarm({ conferenceId: s.id, output, target: name, state: st.state, reason: null });
        wasBad = false;
      } else if (st.state === 'retrying' || st.state === 'failed') {
        // one alarm when it starts failing and one when it gives up, not one per retry
        if (!wasBad || st.state === 'failed')
          this.#o.onAlarm({ conferenceId: s.id, output, target: name, state: st.state, reason: st.lastError });
        wasBad = true;
      }
      if (this.#streams.get(s.id) === s) this.#changed(s);
    });
    p.start();
    return p;
  }

  #changed(s: Stream): void {
    this.#o.onChange(s.id, this.view(s.id));
  }

  #removeDir(dir: string): void {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      this.#log.error({ err, dir }, 'could not remove the live directory');
    }
  }
}

function outputView(st: LiveProcessStatus): LiveOutputView {
  return {
    state: st.state === 'stopped' ? 'failed' : st.state,
    since: new Date(st.since).toISOString(),
    failures: st.failures,
    lastError: st.lastError,
  };
}
