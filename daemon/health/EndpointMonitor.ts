import type { Endpoint } from '../config/schema.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { HealthRepo, HealthTransition } from '../store/HealthRepo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { checkEndpoint, type CheckStep } from './diagnose.js';
import { describeReply, isGoodAnswer } from './causes.js';
import { Reachability, type ProbeOutcome } from './Reachability.js';
import { SampleWriter } from './SampleWriter.js';
import { DueQueue } from './DueQueue.js';
import { ProbeRunner } from './ProbeRunner.js';
import type { EndpointCheckResult, EndpointState, RegistrationState } from '../../protocol/index.js';
import type {
  EndpointHealth,
  EndpointStateChange,
  HealthSettings,
  OptionsProber,
  RegistrationChange,
} from './types.js';

// OPTIONS "qualify" of every configured endpoint. Each endpoint has its own jittered due time (all
// on one timer, see DueQueue), so 2,000 endpoints spread over the interval instead of firing
// together; ProbeRunner caps how many probes are in flight. An endpoint in a meeting is probed
// about once a second with a short timeout, so losing it is noticed within seconds. A single miss
// triggers an immediate confirmation probe, so an outage is declared within two intervals without
// one lost datagram being an outage.

/** Probe cadence of an endpoint that is in a meeting. */
export const IN_CALL_PERIOD_MS = 1000;
/** Write at most one answered sample per endpoint this often (misses and transitions always). */
export const SAMPLE_EVERY_MS = 60_000;
/** Never probe one endpoint more often than this (after a slow reply, a backlog...). */
const MIN_GAP_MS = 50;
const WAKE_GRAIN_MS = 20;

export type MonitorEvents = {
  state: [EndpointStateChange];
  registration: [RegistrationChange];
  /** Every scheduled probe's outcome (metrics: the RTT histogram). */
  probe: [{ id: string; answered: boolean; rttMs: number | null }];
};

export interface EndpointMonitorOptions {
  prober: OptionsProber;
  /** `store.health` */
  repo: HealthRepo;
  clock: Clock;
  log: Logger;
  settings: HealthSettings;
  /** Jitter source (tests hand in a fixed one). */
  random?: () => number;
}

interface Tracked {
  ep: Endpoint;
  r: Reachability;
  rttMs: number | null;
  lastServer?: string;
  lastProbeAt: number | null;
  lastSampleAt: number;
  registration: RegistrationState;
  registrationReason?: string;
  inCall: boolean;
  conferenceId?: string;
  /** The next probe confirms a pending decision: it jumps the queue. */
  confirming: boolean;
  removed: boolean;
}

export class EndpointMonitor extends TypedEmitter<MonitorEvents> {
  readonly #prober: OptionsProber;
  readonly #repo: HealthRepo;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #random: () => number;
  #settings: HealthSettings;
  readonly #tracked = new Map<string, Tracked>();
  #samples?: SampleWriter;
  readonly #due: DueQueue<Tracked>;
  readonly #runner: ProbeRunner<Tracked>;
  #started = false;
  #closed = false;

  constructor(opts: EndpointMonitorOptions) {
    super();
    this.#prober = opts.prober;
    this.#repo = opts.repo;
    this.#clock = opts.clock;
    this.#log = opts.log.child({ component: 'health' });
    this.#settings = { ...opts.settings };
    this.#random = opts.random ?? Math.random;
    // Probes due within the same 20 ms share a wake-up: fewer event-loop turns at 2,000 endpoints.
    this.#due = new DueQueue(this.#clock, (t) => this.#enqueue(t), { grainMs: WAKE_GRAIN_MS });
    this.#runner = new ProbeRunner<Tracked>({
      clock: this.#clock,
      log: this.#log,
      probe: (t, timeoutMs) => this.#prober.options({ uri: t.ep.uri, transport: t.ep.transport }, { timeoutMs }),
      concurrency: () => this.#settings.concurrency,
      // an endpoint in a meeting gets a short timeout, so its loss is noticed within seconds
      timeoutMs: (t) => (t.inCall ? Math.min(this.#settings.timeoutMs, IN_CALL_PERIOD_MS) : this.#settings.timeoutMs),
      name: (t) => t.ep.id,
    });
    this.#runner.on('settled', ({ target: t, reply, startedAt, timeoutMs }) => {
      if (this.#closed || t.removed) return;
      this.#account(t, describeReply(reply, t.ep.transport, timeoutMs), reply.server, reply.status ?? null, startedAt);
    });
  }

  /** Restore the last known states from the store and start probing. */
  start(endpoints: readonly Endpoint[]): void {
    if (this.#started) throw new VcError('INTERNAL', say('health.startedTwice'));
    this.#started = true;
    this.#apply(endpoints);
    this.#samples = new SampleWriter({ repo: this.#repo, clock: this.#clock, log: this.#log });
    this.#runner.start();
    this.#log.info(
      { endpoints: endpoints.length, intervalSeconds: this.#settings.intervalSeconds },
      'endpoint monitor started',
    );
  }

  /** New config: endpoints added, removed or changed; settings take effect from each next probe. */
  reload(endpoints: readonly Endpoint[], settings?: HealthSettings): void {
    if (settings) this.#settings = { ...settings };
    if (!this.#closed && this.#started) this.#apply(endpoints);
  }

  /** The conference layer says an endpoint joined (true) or left (false) a meeting. */
  setInCall(endpointId: string, inCall: boolean, conferenceId?: string): void {
    const t = this.#tracked.get(endpointId);
    if (!t) return;
    const was = t.inCall;
    t.inCall = inCall;
    t.conferenceId = inCall ? conferenceId : undefined;
    // Switch to the fast cadence at once rather than after the current (long) wait.
    if (inCall && !was && !this.#runner.probing(t) && !this.#closed)
      this.#schedule(t, this.#random() * IN_CALL_PERIOD_MS);
  }

  /** The SIP layer's registration state towards an endpoint (the upstream). Takes the SIP
   *  Registration's own words too: 'unregistered' is shown as 'none'. */
  setRegistration(endpointId: string, sipState: RegistrationState | 'unregistered', reason?: string): void {
    const state: RegistrationState = sipState === 'unregistered' ? 'none' : sipState;
    const t = this.#tracked.get(endpointId);
    if (!t) {
      this.#log.warn({ endpoint: endpointId, state }, 'registration state for an endpoint that is not configured');
      return;
    }
    if (t.registration === state && t.registrationReason === reason) return;
    t.registration = state;
    t.registrationReason = reason;
    this.#log.info({ endpoint: endpointId, registration: state, reason }, `registration to ${endpointId}: ${state}`);
    this.emit('registration', reason === undefined ? { id: endpointId, state } : { id: endpointId, state, reason });
  }

  has(endpointId: string): boolean {
    return this.#tracked.has(endpointId);
  }

  snapshot(endpointId: string): EndpointHealth | undefined {
    const t = this.#tracked.get(endpointId);
    return t && view(t);
  }

  snapshots(): EndpointHealth[] {
    return [...this.#tracked.values()].map(view);
  }

  /** How many endpoints are in each state (for `status`). */
  counts(): Record<EndpointState, number> {
    const c: Record<EndpointState, number> = { unknown: 0, reachable: 0, degraded: 0, unreachable: 0 };
    for (const t of this.#tracked.values()) c[t.r.state]++;
    return c;
  }

  /** Percent of the known time the endpoint answered over the last 24 h and 7 d; null when unknown. */
  uptime(endpointId: string): { last24h: number | null; last7d: number | null } {
    const now = this.#clock.now();
    const pct = (ms: number): number | null => {
      const u = this.#repo.uptime(endpointId, now - ms, now);
      return Number.isNaN(u) ? null : Math.round(u * 10_000) / 100;
    };
    return { last24h: pct(86_400_000), last7d: pct(7 * 86_400_000) };
  }

  /** Newest first. */
  transitions(endpointId: string, limit = 20): HealthTransition[] {
    return this.#repo.lastTransitions(endpointId, limit);
  }

  /** One OPTIONS now, outside the schedule (pre-flight; the shape of the scheduler's ProbeOutcome);
   *  does not change the monitored state. ok = 2xx (or 405/501): a 403/404/401 answer is not ready. */
  async probeNow(endpointId: string): Promise<{ ok: boolean; rttMs: number | null; reason?: string }> {
    const t = this.#mustGet(endpointId);
    const reply = await this.#prober.options(
      { uri: t.ep.uri, transport: t.ep.transport },
      { timeoutMs: this.#settings.timeoutMs },
    );
    const o = describeReply(reply, t.ep.transport, this.#settings.timeoutMs);
    // A meeting needs more than a sign of life: 403/404/401 answers are not "ready".
    const ok = isGoodAnswer(reply);
    return o.reason === undefined ? { ok, rttMs: o.rttMs } : { ok, rttMs: o.rttMs, reason: o.reason };
  }

  /** The technician's check: OPTIONS over each transport, with a likely cause on failure. Takes the
   *  endpoint's config so it also works for one added by a reload the monitor has not seen yet. */
  async check(ep: Endpoint, onStep?: (s: CheckStep) => void): Promise<EndpointCheckResult> {
    const report = await checkEndpoint(ep, this.#prober, {
      timeoutMs: this.#settings.timeoutMs,
      degradedRttMs: this.#settings.degradedRttMs,
      onStep,
    });
    const t = this.#tracked.get(ep.id);
    const server = report.probes.find((p) => p.server !== undefined)?.server;
    if (t && server) t.lastServer = server;
    return report;
  }

  /** Write buffered probe samples now (they are otherwise written every few seconds). */
  flushSamples(): void {
    this.#samples?.flush();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#due.close();
    this.#runner.close();
    this.#samples?.close();
    this.removeAllListeners();
  }

  // ------------------------------------------------------------------ internals

  #mustGet(endpointId: string): Tracked {
    const t = this.#tracked.get(endpointId);
    if (!t) throw new VcError('ENDPOINT_UNKNOWN', say('err.endpointNotMonitored', { id: endpointId }));
    return t;
  }

  #apply(endpoints: readonly Endpoint[]): void {
    const wanted = new Map(endpoints.map((e) => [e.id, e]));
    for (const [id, t] of this.#tracked) {
      if (wanted.has(id)) continue;
      t.removed = true;
      this.#due.cancel(t);
      this.#runner.forget(t);
      this.#tracked.delete(id);
    }
    let restored: Map<string, { state: EndpointState; since: number }> | undefined;
    const spread = Math.min(this.#intervalMs(), 1000);
    for (const ep of endpoints) {
      const t = this.#tracked.get(ep.id);
      if (t) {
        const moved = t.ep.uri !== ep.uri || t.ep.transport !== ep.transport;
        t.ep = ep;
        if (moved && !this.#runner.probing(t)) this.#schedule(t, this.#random() * spread);
        continue;
      }
      restored ??= this.#restore();
      const last = restored.get(ep.id);
      const nt: Tracked = {
        ep,
        r: new Reachability(last?.state ?? 'unknown', last?.since ?? null),
        rttMs: null,
        lastProbeAt: null,
        lastSampleAt: 0,
        registration: 'none',
        inCall: false,
        confirming: false,
        removed: false,
      };
      this.#tracked.set(ep.id, nt);
      this.#schedule(nt, this.#random() * spread);
    }
  }

  #restore(): Map<string, { state: EndpointState; since: number }> {
    try {
      return this.#repo.latestStates();
    } catch (err) {
      this.#log.error({ err }, 'cannot read the last known endpoint states; starting from unknown');
      return new Map();
    }
  }

  #intervalMs(): number {
    return this.#settings.intervalSeconds * 1000;
  }

  #schedule(t: Tracked, delayMs: number): void {
    this.#due.schedule(t, this.#clock.now() + Math.max(0, delayMs));
  }

  #enqueue(t: Tracked): void {
    if (this.#closed || t.removed) return;
    this.#runner.enqueue(t, t.inCall || t.confirming);
  }

  #account(t: Tracked, o: ProbeOutcome, server: string | undefined, code: number | null, startedAt: number): void {
    const now = this.#clock.now();
    t.lastProbeAt = now;
    t.rttMs = o.answered ? o.rttMs : null;
    if (server) t.lastServer = server;
    this.emit('probe', { id: t.ep.id, answered: o.answered, rttMs: t.rttMs });
    const { transition, confirm } = t.r.feed(o, this.#settings.degradedRttMs, now);
    if (!o.answered || transition || now - t.lastSampleAt >= SAMPLE_EVERY_MS) {
      t.lastSampleAt = now;
      this.#samples?.add({ endpointId: t.ep.id, at: now, rttMs: o.answered ? o.rttMs : null, ok: o.answered, code });
    }
    if (transition) this.#transition(t, transition.from, transition.to, transition.reason, now);
    t.confirming = confirm;
    this.#schedule(t, this.#nextDelay(t, confirm, startedAt, now));
  }

  #nextDelay(t: Tracked, confirm: boolean, startedAt: number, now: number): number {
    const period = t.inCall ? IN_CALL_PERIOD_MS : this.#intervalMs();
    // A confirmation goes out at once: the last probe already waited its timeout (or was refused),
    // and each confirmation is a single extra probe (see Reachability), so this cannot spin.
    if (confirm) return 0;
    // Jitter only shortens the period, so "within two intervals" holds for the slowest draw too.
    const due = startedAt + period * (0.85 + 0.15 * this.#random());
    return Math.max(MIN_GAP_MS, due - now);
  }

  #transition(t: Tracked, from: EndpointState, to: EndpointState, reason: string | undefined, at: number): void {
    const rttMs = t.rttMs;
    try {
      this.#repo.recordTransition({ endpointId: t.ep.id, from, to, at, reason, rttMs: rttMs ?? undefined });
    } catch (err) {
      this.#log.error({ err, endpoint: t.ep.id }, 'cannot record an endpoint state change');
    }
    const level = to === 'unreachable' ? 'warn' : 'info';
    this.#log[level](
      { endpoint: t.ep.id, from, to, reason, rttMs, inCall: t.inCall },
      `${t.ep.id}: ${from} → ${to}${reason ? ` (${reason})` : ''}`,
    );
    const change: EndpointStateChange = { id: t.ep.id, from, to, at: new Date(at).toISOString(), rttMs };
    if (reason !== undefined) change.reason = reason;
    this.emit('state', change);
  }
}

function view(t: Tracked): EndpointHealth {
  const h: EndpointHealth = {
    id: t.ep.id,
    state: t.r.state,
    since: t.r.since,
    rttMs: t.rttMs,
    registration: t.registration,
    inCall: t.inCall,
    lastProbeAt: t.lastProbeAt,
  };
  if (t.r.reason !== undefined) h.reason = t.r.reason;
  if (t.registrationReason !== undefined) h.registrationReason = t.registrationReason;
  if (t.conferenceId !== undefined) h.conferenceId = t.conferenceId;
  if (t.lastServer !== undefined) h.lastServer = t.lastServer;
  return h;
}
