import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from './config/load.js';
import { diffConfig } from './config/diff.js';
import { isDemoTokenHash, isLoopbackHost } from './config/tokens.js';
import type { SiteConfig } from './config/schema.js';
import { Store } from './store/Store.js';
import { MAX_AUDIT_PAGE } from './store/AuditRepo.js';
import { VcError, toVcError } from './errors.js';
import type { Logger } from './util/logger.js';
import { DataDirLock } from './lock.js';
import { MethodRouter } from './api/MethodRouter.js';
import { RpcServer } from './api/RpcServer.js';
import { isKnownTopic } from './api/topics.js';
import type { EndpointState, NotificationName, Notifications, StatusResult } from '../protocol/index.js';
import { say } from '../protocol/index.js';
import { API_LIMITS } from './api/limits.js';
import { VERSION } from './version.js';
import { Metrics } from './api/Metrics.js';
import { startLayers } from './layers.js';
import { registerReportMethods } from './api/methods/report.js';
import { registerTemplateMethods } from './api/methods/templates.js';
import { systemClock, type Clock } from './util/clock.js';

/** Something the daemon started and must close, newest first, when it stops. */
export interface Service {
  readonly name: string;
  reload?(config: SiteConfig): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface DaemonOptions {
  configFile: string;
  dataDir: string;
  log: Logger;
  /** Override the control API port (tests use 0). */
  apiPort?: number;
}

const STOP_DEADLINE_MS = 5000;

/** The composition root: loads config, opens the store, starts every layer, wires events up. */
export class Daemon {
  readonly log: Logger;
  readonly store: Store;
  readonly router = new MethodRouter();
  readonly startedAt = new Date();
  readonly clock: Clock = systemClock;
  readonly #opts: DaemonOptions;
  readonly #lock: DataDirLock;
  readonly #services: Service[] = [];
  #config: SiteConfig;
  #api?: RpcServer;
  #stopping?: Promise<void>;
  #resolveStopped!: () => void;
  /** Settles once the daemon has stopped, whoever asked (signal or API). */
  readonly stopped = new Promise<void>((resolve) => {
    this.#resolveStopped = resolve;
  });
  #demoWarned = false;
  /** Filled by the layers that know: endpoint states (health), active conferences, upcoming meetings. */
  readonly counters = {
    endpointStates: (): Partial<Record<EndpointState, number>> => ({}),
    activeConferences: (): number => 0,
    activeLegs: (): number => 0,
    legLoss: (): { conference: string; endpoint: string; lossPct: number }[] => [],
    mixerCpuPct: (): number | null => null,
    upcoming24h: (): number => 0,
  };
  readonly metrics = new Metrics({
    endpointStates: () => this.endpointCounts(),
    conferences: () => ({ active: this.counters.activeConferences(), legs: this.counters.activeLegs() }),
    legLoss: () => this.counters.legLoss(),
    mixerCpuPct: () => this.counters.mixerCpuPct(),
  });

  private constructor(opts: DaemonOptions, config: SiteConfig, lock: DataDirLock, store: Store) {
    this.#opts = opts;
    this.log = opts.log;
    this.#config = config;
    this.#lock = lock;
    this.store = store;
  }

  static async start(opts: DaemonOptions): Promise<Daemon> {
    const { config, warnings } = loadConfig(opts.configFile);
    for (const w of warnings) opts.log.warn({ config: opts.configFile }, w);
    const lock = DataDirLock.acquire(opts.dataDir);
    let store: Store;
    try {
      store = Store.open(join(opts.dataDir, 'vcbridge.db'));
    } catch (err) {
      lock.release();
      throw err;
    }
    const d = new Daemon(opts, config, lock, store);
    try {
      await d.#startLayers();
    } catch (err) {
      // Whatever started before the failure (API socket, SIP sockets, workers) must not keep the
      // process alive or the ports taken.
      await d.#closeServices();
      store.close();
      lock.release();
      throw err;
    }
    return d;
  }

  get config(): SiteConfig {
    return this.#config;
  }

  /** Where the store, the lock and the daemon's working files (live/, ...) live. */
  get dataDir(): string {
    return this.#opts.dataDir;
  }

  get api(): RpcServer {
    if (!this.#api) throw new VcError('INTERNAL', say('run.apiNotStarted'));
    return this.#api;
  }

  async #startLayers(): Promise<void> {
    this.#registerCoreMethods();
    const cfg = this.#config;
    const api = RpcServer.create({
      host: cfg.api.host,
      port: this.#opts.apiPort ?? cfg.api.port,
      tls: cfg.api.tls,
      router: this.router,
      operators: () => this.#config.operators,
      audit: this.store.audit,
      log: this.log,
      onDemoToken: (caller) => this.#warnDemoToken(caller.name),
      onCall: (method, result) => this.metrics.apiCalls.inc({ method, result }),
    });
    this.#api = api;
    api.addRoute(this.metrics.route);
    // Every layer first, the control port last: a client that can connect finds every method there.
    await startLayers(this);
    await api.listen();
    this.#services.push({ name: 'api', close: () => api.close() });
    this.log.info({ url: this.#api.url, site: cfg.site.name, endpoints: cfg.endpoints.length }, 'vcbridged ready');
  }

  /** Endpoints per health state; those the monitor has not judged yet count as unknown. */
  endpointCounts(): Record<EndpointState, number> {
    const byState: Record<EndpointState, number> = { unknown: 0, reachable: 0, degraded: 0, unreachable: 0 };
    Object.assign(byState, this.counters.endpointStates());
    const known = byState.reachable + byState.degraded + byState.unreachable;
    byState.unknown = Math.max(0, this.#config.endpoints.length - known);
    return byState;
  }

  /** Push a notification to API subscribers (dropped while the API is not up yet: nobody listens). */
  notify<N extends NotificationName>(method: N, params: Notifications[N]): void {
    this.#api?.notify(method, params);
  }

  /** Add a started component; it is closed before those added earlier. */
  addService(s: Service): void {
    this.#services.push(s);
  }

  #warnDemoToken(name: string): void {
    const op = this.#config.operators.find((o) => o.name === name);
    if (!op || !isDemoTokenHash(op.tokenHash) || this.#demoWarned) return;
    const host = this.#config.api.host;
    if (isLoopbackHost(host)) return;
    this.#demoWarned = true;
    this.log.warn(
      { operator: name, bind: host },
      "!!! the PUBLISHED DEMO TOKEN was accepted on a non-loopback address: anyone can control this bridge. Replace the demo operator's tokenHash now. !!!",
    );
  }

  #registerCoreMethods(): void {
    const r = this.router;
    r.register('status', undefined, (_p, caller): StatusResult => {
      const byState = this.endpointCounts();
      return {
        site: this.#config.site.name,
        version: VERSION,
        pid: process.pid,
        startedAt: this.startedAt.toISOString(),
        uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
        timezone: this.#config.site.timezone,
        api: { url: this.#api?.url ?? '' },
        endpoints: { total: this.#config.endpoints.length, byState },
        conferences: { active: this.counters.activeConferences() },
        schedules: { upcoming24h: this.counters.upcoming24h() },
        you: { name: caller.name, role: caller.role },
      };
    });
    r.register(
      'audit.list',
      z
        .object({
          since: z.iso.datetime({ offset: true }).optional(),
          beforeId: z.number().int().min(1).optional(),
          limit: z.number().int().min(1).max(MAX_AUDIT_PAGE).optional(),
        })
        .strict(),
      (p) => this.store.audit.list({ since: p.since, beforeId: p.beforeId, limit: p.limit ?? 100 }),
    );
    const Topics = z
      .object({
        topics: z
          .array(
            z
              .string()
              .min(1)
              .max(100)
              .refine(isKnownTopic, {
                error: (i) => `unknown topic "${String(i.input)}": a notification name, "<head>.*" or "*"`,
              }),
          )
          .min(1)
          .max(API_LIMITS.maxTopicsPerConnection),
      })
      .strict();
    r.register('subscribe', Topics, (p) => ({ topics: p.topics }));
    r.register('unsubscribe', Topics, (p) => ({ topics: p.topics }));
    r.register('daemon.stop', undefined, () => {
      setImmediate(() => void this.stop('api request'));
      return { stopping: true as const };
    });
    r.register('daemon.reload', undefined, () => this.reload());
    registerReportMethods(r, { store: this.store, config: () => this.#config, clock: this.clock });
    registerTemplateMethods(r, () => this.#config);
  }

  /** Re-read the config file; on any error keep running on the old one. */
  async reload(): Promise<{ reloaded: boolean; changes: string[] }> {
    let next: SiteConfig;
    try {
      next = loadConfig(this.#opts.configFile).config;
    } catch (err) {
      const e = toVcError(err, 'CONFIG_INVALID');
      this.log.error(
        { code: e.code, config: this.#opts.configFile },
        `config reload refused, still running on the old config: ${e.message}`,
      );
      throw e;
    }
    const changes = diffConfig(this.#config, next);
    this.#config = next;
    for (const s of this.#services) {
      try {
        await s.reload?.(next);
      } catch (err) {
        this.log.error({ err, service: s.name }, 'service failed to apply the new config');
      }
    }
    this.log.info(
      { changes },
      changes.length ? `config reloaded: ${changes.length} change(s)` : 'config reloaded: no changes',
    );
    this.#api?.notify('daemon.reloaded', { changes });
    return { reloaded: true, changes };
  }

  /** Close every started service, newest first, each bounded by what is left of the stop deadline. */
  async #closeServices(): Promise<void> {
    const deadline = Date.now() + STOP_DEADLINE_MS - 500;
    for (const s of this.#services.splice(0).reverse()) {
      const left = deadline - Date.now();
      try {
        await Promise.race([
          Promise.resolve(s.close()),
          new Promise((_, rej) =>
            setTimeout(
              () => rej(new VcError('TIMEOUT', say('run.closeSlow', { name: s.name }))),
              Math.max(100, left),
            ).unref(),
          ),
        ]);
      } catch (err) {
        this.log.error({ err, service: s.name }, 'service close failed');
      }
    }
  }

  /** Graceful stop: every service closed newest-first, bounded by a 5 s deadline. */
  stop(reason: string): Promise<void> {
    this.#stopping ??= this.#stop(reason);
    return this.#stopping;
  }

  async #stop(reason: string): Promise<void> {
    this.log.info({ reason }, 'vcbridged stopping');
    this.#api?.notify('daemon.stopping', { reason });
    await this.#closeServices();
    this.store.close();
    this.#lock.release();
    this.log.info('vcbridged stopped');
    this.#resolveStopped();
  }
}
