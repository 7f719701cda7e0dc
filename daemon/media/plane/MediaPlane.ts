// The media plane: a worker thread (worker_threads) that carries the audio of every SIP leg (its
// relay: room sockets, SRTP, the hop to mediasoup) and every conference's N-1 mixer, so the mixer's
// 20 ms timer runs on an event loop of its own and no SIP transaction, API call, stats round or
// video burst on the daemon's loop can make a tick late or hold a room's mix back.
//
// The daemon's thread keeps control: it opens and closes relays and mixers, says who is in the mix
// and who is muted (PlaneRelay, PlaneMixer) and hears events back (DTMF, timeouts, speaker, stats).
// It also keeps what it asked for, so when the worker fails (an uncaught error, an exit) the failure
// is logged and reported ('died'), a new worker is started and told everything again on the same
// ports ('restarted'): the rooms' SDP stays valid and the meeting goes on after a gap in its audio.
import { Worker } from 'node:worker_threads';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError, type VcErrorCode } from '../../errors.js';
import { srtpEvents } from '../srtp/SrtpGuard.js';
import type { RelayCounters } from '../RtpRelay.js';
import type {
  FromPlane,
  LoopDelay,
  MixerReport,
  PlaneCommand,
  PlaneReply,
  PlaneRequest,
  RelayEventName,
} from './protocol.js';

/** A stand-in on the daemon's side for something that lives in the worker. */
export interface PlaneClient {
  /** Tell a new worker everything again (after a restart). */
  replay(): Promise<void>;
}
export interface RelayClient extends PlaneClient {
  onEvent(ev: RelayEventName, data: unknown): void;
  /** The relay's counters as of the worker's report (once a second). */
  onCounters(c: RelayCounters): void;
}
export interface MixerClient extends PlaneClient {
  onSpeaker(id: string, dBov: number): void;
  onSum(sum: Int32Array): void;
  onReport(r: MixerReport): void;
}

type PlaneEvents = {
  died: [{ error: Error; restarts: number }];
  restarted: [{ restarts: number }];
};

/** Delay before a new worker, doubled while workers keep dying (up to the cap), reset after a good minute. */
const RESTART_MS = 100;
const RESTART_MAX_MS = 5000;
const STABLE_MS = 60_000;
/** The worker thread's nice value (when the daemon may raise it: CAP_SYS_NICE). */
export const PLANE_NICE = -5;
/** The worker thread's real-time priority (SCHED_RR) when `realtime` is asked for. */
export const PLANE_RT_PRIORITY = 10;
/** Longest a request to the worker may take before it fails (a DTMF string takes longer: see request()). */
const REQUEST_MS = 10_000;

function workerSource(): { url: URL; eval?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // From source (tests, benches): the worker needs the TypeScript loader the parent runs under.
    const tsx = path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
    const entry = new URL('./planeWorker.ts', here);
    return {
      url: entry,
      eval: `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`,
    };
  }
  return { url: new URL('./media-plane.js', here) }; // dist/: built next to vcbridged.js
}

export class MediaPlane extends TypedEmitter<PlaneEvents> {
  readonly #log: Logger;
  readonly #level: string;
  readonly #nice: number;
  readonly #realtime: boolean;
  #isRealtime = false;
  readonly #relays = new Map<number, RelayClient>();
  readonly #mixers = new Map<number, MixerClient>();
  readonly #pending = new Map<number, { resolve: (v: PlaneReply) => void; reject: (e: Error) => void }>();
  #worker: Worker | undefined;
  #ready: Promise<void>;
  #tid: number | undefined;
  #threadNice: number | undefined;
  #nextId = 1;
  #restarts = 0;
  #delayMs = RESTART_MS;
  #startedAt = 0;
  #closed = false;

  /**
   * `nice`: the worker thread's priority (default PLANE_NICE; 0 leaves it as the process's).
   * `realtime`: SCHED_RR instead (config media.realtime), for every worker started.
   */
  static async start(o: { log: Logger; nice?: number; realtime?: boolean }): Promise<MediaPlane> {
    const plane = new MediaPlane(o.log, o.nice ?? PLANE_NICE, o.realtime ?? false);
    await plane.#ready;
    return plane;
  }

  private constructor(log: Logger, nice: number, realtime: boolean) {
    super();
    this.#log = log.child({ component: 'media.plane' });
    this.#level = log.level;
    this.#nice = nice;
    this.#realtime = realtime;
    this.#ready = this.#spawn();
  }

  /** Whether the current worker thread runs at real-time priority. */
  get realtime(): boolean {
    return this.#isRealtime;
  }

  /** The plane's logger (its stand-ins on this side log through it). */
  get log(): Logger {
    return this.#log;
  }
  /** The worker's kernel thread id (for per-thread CPU figures), when known. */
  get threadId(): number | undefined {
    return this.#tid;
  }
  /** The worker thread's nice value if it was raised, else undefined. */
  get threadNice(): number | undefined {
    return this.#threadNice;
  }
  /** Workers started after a failure so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** A new id for a relay or mixer client, registered for its events. */
  addRelay(client: RelayClient): number {
    const id = this.#nextId++;
    this.#relays.set(id, client);
    return id;
  }
  removeRelay(rid: number): void {
    this.#relays.delete(rid);
  }
  addMixer(client: MixerClient): number {
    const id = this.#nextId++;
    this.#mixers.set(id, client);
    return id;
  }
  removeMixer(mid: number): void {
    this.#mixers.delete(mid);
  }

  /** Ask the worker; rejects with the worker's error (as VcError), or MEDIA_FAILED if it failed meanwhile. */
  async request(req: PlaneRequest, timeoutMs = REQUEST_MS): Promise<PlaneReply> {
    await this.#ready;
    const w = this.#worker;
    if (this.#closed || !w) throw new VcError('MEDIA_FAILED', say('media.plane.closed'));
    const id = this.#nextId++;
    return new Promise<PlaneReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new VcError('MEDIA_FAILED', say('media.plane.noAnswer', { op: req.op, ms: timeoutMs })));
      }, timeoutMs);
      timer.unref();
      const done =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          f(v);
        };
      this.#pending.set(id, { resolve: done(resolve), reject: done(reject) });
      w.postMessage({ t: 'req', id, req });
    });
  }

  /** Tell the worker (dropped while it restarts: the replay that follows carries the same state). */
  command(cmd: PlaneCommand, transfer?: ArrayBuffer[]): void {
    if (this.#closed || !this.#worker || this.#restarting) return;
    this.#worker.postMessage({ t: 'cmd', cmd }, transfer);
  }

  /** The worker's event-loop delay since the last reset (benches). */
  async loopDelay(reset = false): Promise<LoopDelay> {
    return (await this.request({ op: 'loopDelay', reset })) as LoopDelay;
  }

  /** Fault injection for tests: an uncaught error in the worker (it is restarted like any failure). */
  injectFault(): void {
    this.command({ op: 'fault' });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(say('media.plane.closed'));
    const w = this.#worker;
    this.#worker = undefined;
    await w?.terminate();
    this.removeAllListeners();
  }

  #restarting = false;

  #spawn(): Promise<void> {
    const src = workerSource();
    const w = src.eval
      ? new Worker(src.eval, { eval: true, workerData: { level: this.#level, nice: this.#nice } })
      : new Worker(src.url, { workerData: { level: this.#level, nice: this.#nice } });
    this.#worker = w;
    this.#startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      let up = false;
      w.on('message', (m: FromPlane) => {
        if (m.t === 'ready') {
          this.#tid = m.tid;
          this.#threadNice = m.nice;
          up = true;
          void this.#raiseToRealtime(m.tid).then(() => resolve());
          return;
        }
        this.#onMessage(m);
      });
      w.on('error', (e) => {
        this.#log.error({ err: e }, 'media plane worker failed');
        if (!up) reject(new VcError('MEDIA_FAILED', say('media.plane.cannotStart', { why: e.message || e.name })));
      });
      w.on('exit', (code) => {
        if (this.#worker !== w || this.#closed) return;
        this.#worker = undefined;
        if (!up) return; // start failed: reported by the rejection above
        this.#onDied(new Error(`media plane worker exited (code ${code})`));
      });
    });
  }

  /**
   * SCHED_RR for the worker thread (util-linux chrt: Node has no sched_setscheduler). Failing that
   * (no CAP_SYS_NICE, no chrt) the thread keeps its nice value, and the log says so.
   */
  async #raiseToRealtime(tid: number | undefined): Promise<void> {
    this.#isRealtime = false;
    if (!this.#realtime) return;
    if (tid === undefined) {
      this.#log.warn('media plane thread id unknown: it keeps the normal scheduling (media.realtime)');
      return;
    }
    await new Promise<void>((resolve) => {
      execFile('chrt', ['-r', '-p', String(PLANE_RT_PRIORITY), String(tid)], { timeout: 5000 }, (err, _out, stderr) => {
        if (err) {
          this.#log.warn(
            { err, stderr: String(stderr).trim() },
            'media plane thread keeps the normal scheduling: SCHED_RR refused (media.realtime needs CAP_SYS_NICE and chrt)',
          );
        } else {
          this.#isRealtime = true;
          this.#log.info({ tid, priority: PLANE_RT_PRIORITY }, 'media plane thread at real-time priority (SCHED_RR)');
        }
        resolve();
      });
    });
  }

  #onDied(error: Error): void {
    this.#restarting = true;
    this.#failPending(say('media.plane.restarting'));
    if (Date.now() - this.#startedAt > STABLE_MS) this.#delayMs = RESTART_MS;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(RESTART_MAX_MS, this.#delayMs * 2);
    this.#restarts++;
    this.#log.error({ err: error, restarts: this.#restarts, inMs: delay }, 'media plane worker died; restarting it');
    this.emit('died', { error, restarts: this.#restarts });
    let up!: () => void;
    // requests wait for the new worker (not for the replay: the replay itself asks it things)
    this.#ready = new Promise<void>((r) => (up = r));
    setTimeout(() => {
      if (this.#closed) return up();
      this.#spawn()
        .then(async () => {
          this.#restarting = false;
          up();
          // relays first: the mixers' members refer to them
          await Promise.allSettled([...this.#relays.values()].map((c) => c.replay()));
          await Promise.allSettled([...this.#mixers.values()].map((c) => c.replay()));
          this.#log.info({ restarts: this.#restarts }, 'media plane worker restarted; relays and mixers restored');
          this.emit('restarted', { restarts: this.#restarts });
        })
        .catch((e: unknown) => {
          up();
          this.#onDied(e as Error);
        });
    }, delay).unref();
  }

  #failPending(why: string): void {
    for (const p of this.#pending.values()) p.reject(new VcError('MEDIA_FAILED', why));
    this.#pending.clear();
  }

  #onMessage(m: FromPlane): void {
    switch (m.t) {
      case 'res': {
        const p = this.#pending.get(m.id);
        if (!p) return;
        if (m.ok) p.resolve(m.value);
        else p.reject(new VcError(m.code as VcErrorCode, m.message));
        return;
      }
      case 'relay':
        this.#relays.get(m.rid)?.onEvent(m.ev, m.data);
        return;
      case 'speaker':
        this.#mixers.get(m.mid)?.onSpeaker(m.id, m.dBov);
        return;
      case 'sum':
        this.#mixers.get(m.mid)?.onSum(m.sum);
        return;
      case 'report':
        for (const r of m.mixers) this.#mixers.get(r.mid)?.onReport(r);
        for (const r of m.relays) this.#relays.get(r.rid)?.onCounters(r.counters);
        return;
      case 'srtpAuthFailure':
        srtpEvents.emit('authFailure', { legId: m.legId });
        return;
      case 'log': {
        const log = this.#log.child(m.bindings) as unknown as Record<string, (o: unknown, msg?: string) => void>;
        log[m.level]?.(m.obj, m.msg);
        return;
      }
      case 'ready':
        return;
    }
  }
}
