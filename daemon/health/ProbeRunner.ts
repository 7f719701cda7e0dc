import { say } from '../../protocol/index.js';
import type { OptionsProbeResult } from '../../protocol/index.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';

// Runs the monitor's OPTIONS probes: a bounded number in flight, urgent ones (confirmations,
// in-call endpoints) ahead of the routine round, and one watchdog that gives up on a prober that
// never settles. What a result means is the EndpointMonitor's business.

/** Slack past the probe timeout before the runner gives up on the prober itself. */
const GUARD_MS = 2000;
const WATCHDOG_MS = 1000;

export type ProbeRunnerEvents<T> = {
  /** A probe finished (answered, failed, or given up by the watchdog). */
  settled: [{ target: T; reply: OptionsProbeResult; startedAt: number; timeoutMs: number }];
};

export interface ProbeRunnerOptions<T> {
  clock: Clock;
  log: Logger;
  /** Send one probe; it should resolve for network failures (a rejection is logged as a bug). */
  probe: (target: T, timeoutMs: number) => Promise<OptionsProbeResult>;
  /** Probes in flight at once (read at every start, so a reload takes effect). */
  concurrency: () => number;
  /** The timeout of the next probe of this target. */
  timeoutMs: (target: T) => number;
  /** A name for logs. */
  name: (target: T) => string;
}

interface InFlight {
  seq: number;
  deadline: number;
  startedAt: number;
  timeoutMs: number;
}

export class ProbeRunner<T> extends TypedEmitter<ProbeRunnerEvents<T>> {
  readonly #o: ProbeRunnerOptions<T>;
  readonly #urgent = new Set<T>();
  readonly #queue = new Set<T>();
  readonly #inflight = new Map<T, InFlight>();
  #seq = 0;
  #watchdog?: Timer;
  #closed = false;

  constructor(o: ProbeRunnerOptions<T>) {
    super();
    this.#o = o;
  }

  /** Start the watchdog. */
  start(): void {
    this.#watchdog = this.#later();
  }

  /** Is a probe of this target under way? */
  probing(target: T): boolean {
    return this.#inflight.has(target);
  }

  /** Queue a probe (once: a target already waiting or in flight is not queued twice). */
  enqueue(target: T, urgent: boolean): void {
    if (this.#closed || this.#inflight.has(target)) return;
    if (urgent) this.#urgent.add(target);
    else this.#queue.add(target);
    this.#pump();
  }

  /** Take a target out of the queues (a probe in flight still settles). */
  forget(target: T): void {
    this.#urgent.delete(target);
    this.#queue.delete(target);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#watchdog);
    this.#inflight.clear();
    this.#urgent.clear();
    this.#queue.clear();
  }

  #pump(): void {
    while (this.#inflight.size < this.#o.concurrency()) {
      const next = first(this.#urgent) ?? first(this.#queue);
      if (next === undefined) return;
      this.#urgent.delete(next);
      this.#queue.delete(next);
      void this.#probe(next);
    }
  }

  async #probe(target: T): Promise<void> {
    const startedAt = this.#o.clock.now();
    const timeoutMs = this.#o.timeoutMs(target);
    const seq = ++this.#seq;
    this.#inflight.set(target, { seq, deadline: startedAt + timeoutMs + GUARD_MS, startedAt, timeoutMs });
    let reply: OptionsProbeResult;
    try {
      reply = await this.#o.probe(target, timeoutMs);
    } catch (err) {
      // The prober promises to resolve for network failures; a rejection is a bug below us.
      this.#o.log.error({ err, endpoint: this.#o.name(target) }, 'OPTIONS probe threw');
      reply = { ok: false, error: 'transport', reason: say('probe.failed', { detail: (err as Error).message }) };
    }
    // Given up by the watchdog (or the runner closed): already accounted for.
    if (this.#inflight.get(target)?.seq !== seq) return;
    this.#settle(target, reply, startedAt, timeoutMs);
  }

  #settle(target: T, reply: OptionsProbeResult, startedAt: number, timeoutMs: number): void {
    this.#inflight.delete(target);
    if (this.#closed) return;
    this.emit('settled', { target, reply, startedAt, timeoutMs });
    this.#pump();
  }

  /** A prober that never settles must not freeze an endpoint's schedule: one watchdog (not a timer
   *  per probe) gives up on probes past their deadline and counts them as unanswered. */
  #watch(): void {
    const now = this.#o.clock.now();
    for (const [t, w] of this.#inflight) {
      if (now < w.deadline) continue;
      this.#o.log.error({ endpoint: this.#o.name(t) }, 'the OPTIONS prober did not settle after its timeout');
      this.#settle(t, { ok: false, error: 'timeout' }, w.startedAt, w.timeoutMs);
    }
    if (!this.#closed) this.#watchdog = this.#later();
  }

  #later(): Timer {
    const timer = this.#o.clock.setTimeout(() => this.#watch(), WATCHDOG_MS);
    timer.unref?.();
    return timer;
  }
}

function first<T>(s: Set<T>): T | undefined {
  const it = s.values().next();
  return it.done ? undefined : it.value;
}
