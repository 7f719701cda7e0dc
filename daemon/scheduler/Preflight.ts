import { say, type PreflightReport, type PreflightSiteStatus } from '../../protocol/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Prober, TestCallOutcome } from './types.js';

// Pre-flight check (会前检测): every site of a meeting is pinged, and where the endpoint allows
// it a short test call measures loss, jitter and RTT. The result is one line per site.

/** Limits above which a site that answers is still "degraded". */
export const TEST_CALL_LIMITS = { lossPct: 3, jitterMs: 40 };

export interface PreflightOptions {
  prober: Prober;
  clock: Clock;
  log: Logger;
  /** RTT above which an answering site is degraded (config health.degradedRttMs). */
  degradedRttMs: () => number;
  /** Does the config allow a test call to this endpoint (endpoint.testCall)? */
  allowsTestCall: (endpointId: string) => boolean;
  probeTimeoutMs?: number;
  testCallTimeoutMs?: number;
}

export interface PreflightRequest {
  scheduleId: string;
  title: string;
  /** ISO */
  occurrenceStart: string;
  stage: 'lead' | 'final' | 'manual';
  endpoints: readonly string[];
  timezone?: string;
}

type Site = PreflightReport['sites'][number];

export class Preflight {
  readonly #opts: PreflightOptions;
  readonly #log: Logger;

  constructor(opts: PreflightOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'preflight' });
  }

  /** Check every site at once; never throws for a site's failure (that is the report's job). */
  async run(req: PreflightRequest): Promise<PreflightReport> {
    const sites = await Promise.all(req.endpoints.map((id) => this.#site(id)));
    const report: PreflightReport = {
      scheduleId: req.scheduleId,
      occurrenceStart: req.occurrenceStart,
      at: new Date(this.#opts.clock.now()).toISOString(),
      title: req.title,
      ...(req.timezone ? { timezone: req.timezone } : {}),
      stage: req.stage,
      sites,
    };
    const bad = sites.filter((s) => s.status !== 'ready');
    this.#log.info(
      {
        scheduleId: req.scheduleId,
        occurrence: req.occurrenceStart,
        stage: req.stage,
        ready: sites.length - bad.length,
        notReady: bad.map((s) => s.endpointId),
      },
      `pre-flight of "${req.title}": ${sites.length - bad.length}/${sites.length} sites ready`,
    );
    return report;
  }

  async #site(endpointId: string): Promise<Site> {
    const limit = this.#opts.degradedRttMs();
    let rttMs: number | null = null;
    try {
      const ms = this.#opts.probeTimeoutMs ?? 5000;
      const p = await this.#within(this.#opts.prober.probe(endpointId), ms, say('sched.pfNoOptions', { ms }));
      if (!p.ok) return { endpointId, status: 'unreachable', reason: p.reason ?? say('health.noAnswer'), rttMs: null };
      rttMs = p.rttMs;
    } catch (e) {
      return { endpointId, status: 'unreachable', reason: reasonOf(e), rttMs: null };
    }
    const site: Site = { endpointId, status: 'ready', rttMs };
    const why: string[] = [];
    if (rttMs !== null && rttMs > limit) why.push(say('pf.slow', { rtt: Math.round(rttMs), limit }));
    const testCall = this.#opts.prober.testCall?.bind(this.#opts.prober);
    if (testCall && this.#opts.allowsTestCall(endpointId)) {
      try {
        const ms = this.#opts.testCallTimeoutMs ?? 30_000;
        const t: TestCallOutcome = await this.#within(testCall(endpointId), ms, say('sched.pfCallSlow', { ms }));
        Object.assign(site, { lossPct: t.lossPct, jitterMs: t.jitterMs, rttMs: t.rttMs });
        if (t.lossPct > TEST_CALL_LIMITS.lossPct) why.push(say('pf.loss', { pct: t.lossPct.toFixed(1) }));
        if (t.jitterMs > TEST_CALL_LIMITS.jitterMs) why.push(say('pf.jitter', { ms: Math.round(t.jitterMs) }));
        if (t.rttMs > limit) why.push(say('pf.rtt', { ms: Math.round(t.rttMs) }));
      } catch (e) {
        why.push(say('pf.callFailed', { reason: reasonOf(e) }));
      }
    }
    if (why.length > 0) {
      site.status = 'degraded' satisfies PreflightSiteStatus;
      site.reason = why.join('; ');
    }
    return site;
  }

  /** `p`, or an Error saying `timedOut` when it takes longer than `ms`. */
  #within<T>(p: Promise<T>, ms: number, timedOut: string): Promise<T> {
    const clock = this.#opts.clock;
    return new Promise<T>((resolve, reject) => {
      const t = clock.setTimeout(() => reject(new Error(timedOut)), ms);
      p.then(
        (v) => {
          clock.clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clock.clearTimeout(t);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
