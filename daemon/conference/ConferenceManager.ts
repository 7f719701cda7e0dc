// Every conference of the daemon: starts them on a router of the worker pool, keeps them in the
// store, routes dial-ins to the meeting that lists the caller, rebuilds meetings whose worker died,
// and ends them all (BYE to every leg) on close(); which sites a request names is requestedSites.ts,
// what a resume needs is kept by CrashResume. Its events are what the daemon pushes to API
// clients as conference.* and stats notifications.
import {
  reasonText,
  say,
  type ConferenceMode,
  type ConferenceView,
  type ParticipantView,
} from '../../protocol/index.js';
import type { Endpoint } from '../config/schema.js';
import type { CdrListOptions, CdrRow } from '../store/CdrRepo.js';
import type { ConferenceRow } from '../store/ConferenceRepo.js';
import { systemClock, type Clock, type Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError, toVcError } from '../errors.js';
import { applyTemplate } from '../config/templates.js';
import type { WorkerDied } from '../media/WorkerPool.js';
import { Conference } from './Conference.js';
import type { ProgramFeed } from '../media/program/ProgramFeed.js';
import { ConferenceGauges } from './ConferenceGauges.js';
import { CrashResume } from './CrashResume.js';
import { applyStartPlan, restorePlan } from './startPlan.js';
import { BatchWriter } from '../store/BatchWriter.js';
import type { LegStatsSample } from '../store/StatsRepo.js';
import { storedConferenceView } from './views.js';
import { toStoredSample } from './statsView.js';
import type { IncomingSignal } from './Signalling.js';
import { endpointOf, pollSitesOf, requestedEndpoints } from './requestedSites.js';

export type { ConferenceManagerOptions, StartRequest, ManagerEvents } from './managerOptions.js';
import type { ConferenceManagerOptions, StartRequest, ManagerEvents } from './managerOptions.js';

const ROUTER_RETRY_MS = 250;
const ROUTER_WAIT_MS = 30_000;

export class ConferenceManager extends TypedEmitter<ManagerEvents> {
  readonly #o: ConferenceManagerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #live = new Map<string, Conference>();
  readonly #endTimers = new Map<string, Timer>();
  readonly #inCall = new Set<string>();
  /** Leg stats go to the store in one transaction per round: 200 legs every 2 s cost one commit. */
  readonly #recorder: BatchWriter<LegStatsSample>;
  readonly #offIncoming: () => void;
  readonly #onDied = (d: WorkerDied): void => this.#workerDied(d);
  readonly #crashResume: CrashResume;
  /** Figures over the live conferences, read by /metrics. */
  readonly gauges = new ConferenceGauges(() => this.#live.values());
  #closed = false;

  constructor(o: ConferenceManagerOptions) {
    super();
    this.#o = o;
    this.#log = o.log.child({ component: 'conference.manager' });
    this.#clock = o.clock ?? systemClock;
    this.#recorder = new BatchWriter({
      write: (rows) => o.store.stats.insertMany(rows),
      clock: this.#clock,
      log: o.log.child({ component: 'conference.stats' }),
      what: 'leg stats samples',
      flushMs: 1000,
      maxBatch: 500,
    });
    this.#crashResume = new CrashResume(o.store, this.#log);
    this.#offIncoming = o.signalling.onIncoming((sig) => this.#incoming(sig));
    o.pool.on('died', this.#onDied);
  }

  get activeCount(): number {
    return this.#live.size;
  }

  async start(req: StartRequest, createdBy = 'system'): Promise<ConferenceView> {
    if (this.#closed) throw new VcError('CONFERENCE_ENDED', say('err.stopping'));
    const cfg = this.#o.config();
    const p = applyTemplate(cfg, req);
    const endpoints = requestedEndpoints(cfg, p, (id) => this.#occupiedBy(id));
    const limits = cfg.scheduler;
    if (this.#live.size >= limits.maxConcurrentConferences) {
      throw new VcError(
        'CAPACITY_EXCEEDED',
        say('err.maxConferences', { n: this.#live.size, max: limits.maxConcurrentConferences }),
      );
    }
    const legs = [...this.#live.values()].reduce((n, c) => n + c.endpointIds.length, 0) + endpoints.length;
    if (legs > limits.maxLegs)
      throw new VcError('CAPACITY_EXCEEDED', say('err.capacity', { legs, max: limits.maxLegs }));
    const now = this.#clock.now();
    const endsAt = p.endsAt ? Date.parse(p.endsAt) : p.durationMinutes ? now + p.durationMinutes * 60_000 : null;
    const row = this.#o.store.conferences.create({
      title: p.title,
      scheduleId: p.scheduleId ?? null,
      occurrenceStartUtc: p.occurrenceStart ? Date.parse(p.occurrenceStart) : null,
      mode: p.mode ?? 'broadcast',
      chair: p.chair ?? null,
      upstream: p.upstream ?? null,
      startedAt: now,
      endsAt,
      endpoints: endpoints.map((e) => e.id),
      createdBy,
    });
    const conf = await this.#launch(row, endpoints);
    this.#log.info(
      { conferenceId: row.id, title: row.title, endpoints: conf.endpointIds, createdBy },
      'conference starting',
    );
    applyStartPlan(conf, p, {
      log: this.#log,
      pollSites: (sites, group) => this.pollSites(row.id, sites, group),
    });
    this.emit('started', { conferenceId: row.id, record: p.record === true });
    return conf.view();
  }

  /**
   * At start-up: dial again, under the same id, every conference the last run left active (it was
   * killed or crashed), so a meeting survives a restart; one whose planned end passed meanwhile is
   * closed. Call once, before the scheduler starts (it then finds its meetings active). Returns the
   * ids resumed.
   */
  async resumeActive(): Promise<string[]> {
    return this.#crashResume.resume({
      endpoints: this.#o.config().endpoints,
      now: () => this.#clock.now(),
      closing: () => this.#closed,
      launch: async (row, endpoints) => {
        const plan = this.#o.store.conferences.plan(row.id);
        const conf = await this.#launch(row, endpoints);
        if (plan) restorePlan(conf, plan, this.#log);
        return conf;
      },
    });
  }

  /** Media for a stored conference row, then dial every site. Ends the row when the media fails. */
  async #launch(row: ConferenceRow, endpoints: Endpoint[]): Promise<Conference> {
    const cfg = this.#o.config();
    let conf: Conference;
    try {
      const router = await this.#o.pool.routerFor(row.id, { weight: endpoints.length });
      conf = await Conference.create(
        { row, endpoints, router },
        {
          log: this.#o.log,
          clock: this.#clock,
          signalling: this.#o.signalling,
          ports: this.#o.ports,
          ...(this.#o.plane ? { plane: this.#o.plane } : {}),
          cdr: this.#o.store.cdr,
          announcedAddress: cfg.media.announcedAddress,
          rtpTimeoutMs: this.#o.rtpTimeoutMs ?? 10_000,
          pinDelayMs: this.#o.pinDelayMs ?? 1000,
          statsIntervalMs: this.#o.statsIntervalMs ?? 2000,
        },
      );
    } catch (err) {
      this.#o.pool.releaseRouter(row.id);
      this.#o.store.conferences.end(row.id, `could not start: ${(err as Error).message}`);
      throw toVcError(err, 'MEDIA_FAILED');
    }
    this.#live.set(row.id, conf);
    this.#wire(conf);
    this.#armEnd(conf);
    conf.start();
    return conf;
  }

  /** Live conferences; with `all`, also the ones that ended (newest 100 from the store). */
  list(opts: { all?: boolean; since?: number } = {}): ConferenceView[] {
    if (!opts.all) return [...this.#live.values()].map((c) => c.view());
    const cfg = this.#o.config();
    return this.#o.store.conferences
      .list({ since: opts.since })
      .map(
        (row) =>
          this.#live.get(row.id)?.view() ??
          storedConferenceView(row, this.#o.store.cdr.list({ conferenceId: row.id, limit: 1000 }), cfg.endpoints),
      );
  }

  show(id: string): ConferenceView {
    const live = this.#live.get(id);
    if (live) return live.view();
    const row = this.#o.store.conferences.get(id);
    if (!row) throw new VcError('CONFERENCE_UNKNOWN', say('err.conferenceUnknown', { id }));
    return storedConferenceView(
      row,
      this.#o.store.cdr.list({ conferenceId: id, limit: 1000 }),
      this.#o.config().endpoints,
    );
  }

  /** A live conference, for operator actions. */
  get(id: string): Conference {
    const c = this.#live.get(id);
    if (c) return c;
    if (this.#o.store.conferences.get(id)) throw new VcError('CONFERENCE_ENDED', say('err.conferenceEnded', { id }));
    throw new VcError('CONFERENCE_UNKNOWN', say('err.conferenceUnknown', { id }));
  }

  /** The program feed of a live conference (its picture and full mix, for recording and live streams). */
  programFeed(id: string): ProgramFeed {
    return this.get(id).media.program;
  }

  isActive(id: string): boolean {
    return this.#live.get(id)?.live ?? false;
  }

  endsAt(id: string): number | null | undefined {
    return this.#live.get(id)?.endsAt;
  }

  notice(id: string, message: string): void {
    this.#live.get(id)?.notice(message);
  }

  async end(id: string, reason = say('leg.endedByOperator')): Promise<ConferenceView> {
    const c = this.get(id);
    await c.end(reason);
    return this.show(id);
  }

  /** Dial an endpoint into a live conference (a configured endpoint not yet in it joins it). */
  dial(id: string, endpointId: string): ParticipantView {
    const c = this.get(id);
    const ep = endpointOf(this.#o.config(), endpointId);
    const other = this.#occupiedBy(endpointId);
    if (other && other !== c)
      throw new VcError(
        'ENDPOINT_BUSY',
        say('err.endpointBusy', { id: endpointId, conference: other.id, title: other.title }),
      );
    if (!c.endpointIds.includes(endpointId))
      this.#o.store.conferences.update(id, { endpoints: [...c.endpointIds, endpointId] });
    return c.dial(ep);
  }

  extend(id: string, minutes: number): ConferenceView {
    const c = this.get(id);
    const endsAt = c.extend(minutes);
    this.#o.store.conferences.update(id, { endsAt });
    this.#armEnd(c);
    this.emit('extended', { conferenceId: id, endsAt });
    return c.view();
  }

  setMode(id: string, mode: ConferenceMode, floor?: string | null): ConferenceView {
    const c = this.get(id);
    c.setMode(mode, floor);
    this.#o.store.conferences.update(id, { mode });
    return c.view();
  }

  /** Call records, oldest first (the newest `limit`). */
  listCdr(opts: CdrListOptions): CdrRow[] {
    return this.#o.store.cdr.list(opts);
  }

  /** End every conference with BYE to every leg (SIGTERM). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#offIncoming();
    this.#o.pool.off('died', this.#onDied);
    await Promise.all([...this.#live.values()].map((c) => c.end('the bridge is shutting down')));
    for (const t of this.#endTimers.values()) this.#clock.clearTimeout(t);
    this.#endTimers.clear();
    this.#recorder.close();
  }

  #wire(c: Conference): void {
    const conferenceId = c.id;
    c.on('state', (v) => {
      this.#crashResume.keep(conferenceId, v, c.givenFloor);
      this.emit('state', v);
    });
    c.on('participant', (participant) => {
      this.emit('participant', { conferenceId, participant });
      this.#trackInCall(conferenceId, participant);
    });
    c.on('event', (e) => {
      const at = new Date(this.#clock.now()).toISOString();
      this.emit(
        'event',
        typeof e === 'string' ? { conferenceId, at, message: e } : { conferenceId, at, message: reasonText(e), why: e },
      );
    });
    c.on('stats', (s) => {
      this.#recorder.add(toStoredSample(conferenceId, s.endpointId, s.stats));
      this.emit('stats', { conferenceId, ...s });
    });
    c.on('ended', ({ reason }) => {
      this.gauges.ended(c);
      this.#live.delete(conferenceId);
      this.#crashResume.forget(conferenceId);
      this.#clock.clearTimeout(this.#endTimers.get(conferenceId));
      this.#endTimers.delete(conferenceId);
      this.#o.pool.releaseRouter(conferenceId);
      try {
        this.#o.store.conferences.end(conferenceId, reason);
      } catch (err) {
        this.#log.error({ err, conferenceId }, 'could not record the end of a conference');
      }
      for (const id of c.endpointIds) this.#trackInCall(conferenceId, { endpointId: id, state: 'ended' });
      this.emit('ended', { conferenceId, reason });
    });
  }

  #trackInCall(conferenceId: string, p: Pick<ParticipantView, 'endpointId' | 'state'>): void {
    const key = `${conferenceId}\u0000${p.endpointId}`;
    const now = p.state === 'connected';
    if (now === this.#inCall.has(key)) return;
    if (now) this.#inCall.add(key);
    else this.#inCall.delete(key);
    this.emit('inCall', { endpointId: p.endpointId, conferenceId, inCall: now });
  }

  /** Ad-hoc conferences end themselves at their planned end; the scheduler ends scheduled ones. */
  #armEnd(c: Conference): void {
    this.#clock.clearTimeout(this.#endTimers.get(c.id));
    this.#endTimers.delete(c.id);
    if (c.scheduleId || c.endsAt === null) return;
    const t = this.#clock.setTimeout(
      () => {
        void c
          .end('planned end reached')
          .catch((err: unknown) => this.#log.error({ err, conferenceId: c.id }, 'ending failed'));
      },
      Math.max(0, c.endsAt - this.#clock.now()),
    );
    t.unref?.();
    this.#endTimers.set(c.id, t);
  }

  /** The sites to poll: a list and/or the members of a group that are in the conference (null: all). */
  pollSites(id: string, sites: readonly string[] | undefined, group: string | undefined): string[] | null {
    const c = this.get(id);
    return pollSitesOf(this.#o.config(), c, sites, group);
  }

  #occupiedBy(endpointId: string): Conference | undefined {
    return [...this.#live.values()].find((c) => c.occupies(endpointId));
  }

  #incoming(sig: IncomingSignal): void {
    const cfg = this.#o.config();
    const ep = sig.endpointId ? cfg.endpoints.find((e) => e.id === sig.endpointId) : undefined;
    if (!ep) {
      this.#log.warn({ from: sig.fromUri, callId: sig.callId }, 'dial-in from an unknown endpoint refused');
      return sig.reject(403, 'Forbidden');
    }
    const conf = [...this.#live.values()].find((c) => c.live && c.endpointIds.includes(ep.id));
    if (!conf) {
      this.#log.info({ endpoint: ep.id, callId: sig.callId }, 'dial-in while no conference lists the endpoint');
      return sig.reject(480, 'Temporarily Unavailable (no conference for this site now)');
    }
    conf.incoming(sig, ep);
  }

  #workerDied(d: WorkerDied): void {
    for (const id of d.conferenceIds) {
      const c = this.#live.get(id);
      if (!c) continue;
      void this.#routerAgain(id).then(
        (router) => c.rebuild(router),
        (err: unknown) => {
          this.#log.error({ err, conferenceId: id }, 'no router to rebuild the conference on; ending it');
          return c.end('the media server failed and could not be restarted');
        },
      );
    }
  }

  /** A router on a live worker, waiting for a respawn when the dead worker was the only one. */
  async #routerAgain(id: string): Promise<import('mediasoup').types.Router> {
    const deadline = this.#clock.now() + ROUTER_WAIT_MS;
    for (;;) {
      try {
        return await this.#o.pool.routerFor(id);
      } catch (err) {
        if (this.#clock.now() > deadline || this.#closed) throw err;
        await new Promise((r) => setTimeout(r, ROUTER_RETRY_MS));
      }
    }
  }
}
