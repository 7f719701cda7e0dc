import { z } from 'zod';
import type { Endpoint, SiteConfig } from '../../config/schema.js';
import { VcError } from '../../errors.js';
import type { EndpointMonitor } from '../../health/EndpointMonitor.js';
import type { EndpointHealth } from '../../health/types.js';
import type { EndpointCheckResult, EndpointDetail, EndpointTransition, EndpointView } from '../../../protocol/index.js';
import { say } from '../../../protocol/index.js';
import type { MethodRouter } from '../MethodRouter.js';

// endpoints.list / endpoint.show / endpoint.check: the site config says which endpoints exist, the
// health monitor says how they are. An endpoint the monitor has not seen yet (just added by a
// reload) is listed as "unknown" rather than missing.

export interface EndpointMethodsDeps {
  monitor: Pick<EndpointMonitor, 'snapshot' | 'uptime' | 'transitions' | 'check'>;
  config: () => SiteConfig;
}

const State = z.enum(['unknown', 'reachable', 'degraded', 'unreachable']);
const ListParams = z.object({ group: z.string().min(1).max(64).optional(), state: State.optional() }).strict();
const IdParams = z.object({ id: z.string().min(1).max(64) }).strict();

const TRANSITIONS_SHOWN = 20;

export function registerEndpointMethods(router: MethodRouter, deps: EndpointMethodsDeps): void {
  router.register('endpoints.list', ListParams, (p): EndpointView[] => {
    const cfg = deps.config();
    if (p.group !== undefined && !cfg.groups.some((g) => g.id === p.group)) {
      const known = cfg.groups.map((g) => g.id).join(', ');
      throw new VcError(
        'GROUP_UNKNOWN',
        known ? say('err.groupUnknown', { id: p.group, known }) : say('api.noGroups', { id: p.group }),
      );
    }
    return cfg.endpoints
      .filter((e) => p.group === undefined || e.groups.includes(p.group))
      .map((e) => toView(e, deps.monitor.snapshot(e.id)))
      .filter((v) => p.state === undefined || v.state === p.state);
  });

  router.register('endpoint.show', IdParams, (p): EndpointDetail => {
    const ep = findEndpoint(deps.config(), p.id);
    const h = deps.monitor.snapshot(ep.id);
    const transitions: EndpointTransition[] = deps.monitor.transitions(ep.id, TRANSITIONS_SHOWN).map((t) => {
      const out: EndpointTransition = { at: new Date(t.at).toISOString(), from: t.from, to: t.to, rttMs: t.rttMs };
      if (t.reason !== null) out.reason = t.reason;
      return out;
    });
    const detail: EndpointDetail = { ...toView(ep, h), uptime: deps.monitor.uptime(ep.id), transitions };
    if (h?.lastServer !== undefined) detail.lastUserAgent = h.lastServer;
    return detail;
  });

  router.register('endpoint.check', IdParams, async (p): Promise<EndpointCheckResult> => {
    const ep = findEndpoint(deps.config(), p.id);
    return deps.monitor.check(ep);
  });
}

function findEndpoint(cfg: SiteConfig, id: string): Endpoint {
  const ep = cfg.endpoints.find((e) => e.id === id);
  if (!ep) throw new VcError('ENDPOINT_UNKNOWN', say('err.endpointUnknown', { id }));
  return ep;
}

function toView(e: Endpoint, h: EndpointHealth | undefined): EndpointView {
  const v: EndpointView = {
    id: e.id,
    name: { zh: e.name.zh, en: e.name.en },
    kind: e.kind,
    uri: e.uri,
    transport: e.transport,
    groups: [...e.groups],
    state: h?.state ?? 'unknown',
    rttMs: h?.rttMs === null || h?.rttMs === undefined ? null : Math.round(h.rttMs * 10) / 10,
    since: h?.since === null || h?.since === undefined ? null : new Date(h.since).toISOString(),
    registration: h?.registration ?? 'none',
  };
  const reason = h?.reason ?? (h?.registration === 'failed' ? h.registrationReason : undefined);
  if (reason !== undefined) v.reason = reason;
  if (h?.conferenceId !== undefined) v.conferenceId = h.conferenceId;
  return v;
}
