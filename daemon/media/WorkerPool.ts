// mediasoup workers, one per core, each with its own slice of the RTC port range, and one router per
// conference on the least loaded worker. A worker that dies is reported with the conferences it
// carried (the conference layer rebuilds them elsewhere) and is respawned; it never takes the daemon
// down with it.
import os from 'node:os';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { ROUTER_MEDIA_CODECS } from './mediaCodecs.js';

export interface WorkerPoolOptions {
  log: Logger;
  clock?: Clock;
  /** Number of workers (config media.workers); default os.availableParallelism(). */
  workers?: number;
  /** mediasoup RTC ports (config media.rtpPorts), split evenly across workers. */
  rtcPorts: { min: number; max: number };
  logLevel?: ms.WorkerLogLevel;
}

export interface WorkerDied {
  workerIndex: number;
  pid: number;
  error: Error;
  /** Conferences whose router was on that worker; their media is gone. */
  conferenceIds: string[];
}

type PoolEvents = {
  died: [WorkerDied];
  respawned: [{ workerIndex: number; pid: number }];
};

interface Slot {
  index: number;
  ports: { min: number; max: number };
  worker?: ms.Worker;
  /** conferenceId → router on this worker. */
  routers: Map<string, { router: ms.Router; weight: number }>;
  retryMs: number;
  timer?: Timer;
}

const MAX_RETRY_MS = 30_000;

export class WorkerPool extends TypedEmitter<PoolEvents> {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #slots: Slot[] = [];
  readonly #logLevel: ms.WorkerLogLevel;
  readonly #pending = new Map<string, Promise<ms.Router>>();
  #closed = false;

  constructor(o: WorkerPoolOptions) {
    super();
    this.#log = o.log.child({ component: 'media.workers' });
    this.#clock = o.clock ?? systemClock;
    this.#logLevel = o.logLevel ?? 'warn';
    const n = Math.max(1, o.workers ?? os.availableParallelism());
    const span = o.rtcPorts.max - o.rtcPorts.min + 1;
    const each = Math.floor(span / n);
    if (each < 2) {
      throw new VcError('CONFIG_INVALID', say('media.rtpPortsSmall', { min: o.rtcPorts.min, max: o.rtcPorts.max, n }));
    }
    for (let i = 0; i < n; i++) {
      const min = o.rtcPorts.min + i * each;
      this.#slots.push({ index: i, ports: { min, max: min + each - 1 }, routers: new Map(), retryMs: 500 });
    }
  }

  /** Start every worker; rejects if none can start (e.g. the worker binary is missing). */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.#slots.map((s) => this.#spawn(s)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === this.#slots.length) {
      throw new VcError('MEDIA_FAILED', say('media.noWorkerStarted', { why: String(failed[0]?.reason) }));
    }
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') this.#retry(this.#slots[i]!, r.reason);
    }
  }

  /** Live workers (for metrics and tests). */
  get workers(): {
    index: number;
    pid: number | undefined;
    conferences: string[];
    ports: { min: number; max: number };
  }[] {
    return this.#slots.map((s) => ({
      index: s.index,
      pid: s.worker?.pid,
      conferences: [...s.routers.keys()],
      ports: s.ports,
    }));
  }

  /** The conference's router, created on the least loaded worker on first use. */
  async routerFor(conferenceId: string, opts: { weight?: number } = {}): Promise<ms.Router> {
    if (this.#closed) throw new VcError('MEDIA_FAILED', say('media.poolClosed'));
    for (const s of this.#slots) {
      const r = s.routers.get(conferenceId);
      if (r && !r.router.closed) return r.router;
    }
    const pending = this.#pending.get(conferenceId);
    if (pending) return pending;
    const p = this.#createRouter(conferenceId, opts.weight ?? 1).finally(() => this.#pending.delete(conferenceId));
    this.#pending.set(conferenceId, p);
    return p;
  }

  /** Close the conference's router (and everything on it). */
  releaseRouter(conferenceId: string): void {
    for (const s of this.#slots) {
      const r = s.routers.get(conferenceId);
      if (!r) continue;
      s.routers.delete(conferenceId);
      if (!r.router.closed) r.router.close();
    }
  }

  /** Which worker a conference is on (for tests and diagnostics). */
  workerOf(conferenceId: string): { index: number; pid: number } | undefined {
    const s = this.#slots.find((x) => x.routers.has(conferenceId));
    return s?.worker ? { index: s.index, pid: s.worker.pid } : undefined;
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#slots) {
      this.#clock.clearTimeout(s.timer);
      s.routers.clear();
      const w = s.worker;
      s.worker = undefined;
      if (w && !w.closed) w.close();
    }
  }

  async #createRouter(conferenceId: string, weight: number): Promise<ms.Router> {
    const load = (s: Slot): number => [...s.routers.values()].reduce((a, r) => a + r.weight, 0);
    const live = this.#slots.filter((s) => s.worker && !s.worker.died && !s.worker.closed);
    const slot = live.sort((a, b) => load(a) - load(b) || a.index - b.index)[0];
    if (!slot?.worker) throw new VcError('MEDIA_FAILED', say('media.noLiveWorker'));
    let router: ms.Router;
    try {
      router = await slot.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS, appData: { conferenceId } });
    } catch (e) {
      throw new VcError(
        'MEDIA_FAILED',
        say('media.routerFailed', { id: conferenceId, why: (e as Error).message }),
        undefined,
        { cause: e },
      );
    }
    slot.routers.set(conferenceId, { router, weight });
    const worker = slot.worker;
    router.observer.once('close', () => {
      // A dying worker closes its routers before it emits 'died': keep them for the died report.
      if (worker.died) return;
      if (slot.routers.get(conferenceId)?.router === router) slot.routers.delete(conferenceId);
    });
    this.#log.info({ conferenceId, worker: slot.index, pid: slot.worker.pid }, 'router created');
    return router;
  }

  async #spawn(slot: Slot): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.#logLevel,
      rtcMinPort: slot.ports.min,
      rtcMaxPort: slot.ports.max,
      appData: { index: slot.index },
    });
    if (this.#closed) {
      worker.close();
      return;
    }
    slot.worker = worker;
    slot.retryMs = 500;
    worker.on('died', (error) => this.#onDied(slot, worker, error));
    this.#log.info({ worker: slot.index, pid: worker.pid, ports: slot.ports }, 'mediasoup worker started');
  }

  #onDied(slot: Slot, worker: ms.Worker, error: Error): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const conferenceIds = [...slot.routers.keys()];
    slot.routers.clear();
    this.#log.error({ worker: slot.index, pid: worker.pid, err: error, conferenceIds }, 'mediasoup worker died');
    try {
      this.emit('died', { workerIndex: slot.index, pid: worker.pid, error, conferenceIds });
    } catch (e) {
      // A listener's bug must not stop the respawn.
      this.#log.error({ err: e }, 'worker died listener threw');
    }
    if (!this.#closed) this.#retry(slot, error, 0);
  }

  #retry(slot: Slot, reason: unknown, delayMs = slot.retryMs): void {
    if (this.#closed) return;
    this.#clock.clearTimeout(slot.timer);
    slot.timer = this.#clock.setTimeout(() => {
      slot.timer = undefined;
      this.#spawn(slot).then(
        () => {
          if (slot.worker) this.emit('respawned', { workerIndex: slot.index, pid: slot.worker.pid });
        },
        (e: unknown) => {
          slot.retryMs = Math.min(MAX_RETRY_MS, slot.retryMs * 2);
          this.#log.error({ worker: slot.index, err: e, retryMs: slot.retryMs }, 'mediasoup worker respawn failed');
          this.#retry(slot, e);
        },
      );
    }, delayMs);
    this.#log.debug({ worker: slot.index, reason: String(reason), delayMs }, 'worker respawn scheduled');
  }
}
