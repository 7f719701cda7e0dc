// Which configured endpoints a request names: the sites a new conference dials (its upstream, chair,
// group and list), and the members of a group inside one conference (for polling). Each refusal
// names what is wrong: an unknown endpoint or group, a site another meeting holds.
import { say } from '../../protocol/index.js';
import type { Endpoint, SiteConfig } from '../config/schema.js';
import { VcError } from '../errors.js';
import type { StartRequest } from './managerOptions.js';

/** A live meeting as these checks name it. */
interface Holder {
  readonly id: string;
  readonly title: string;
}

/** The configured endpoint `id`; ENDPOINT_UNKNOWN when there is none. */
export function endpointOf(cfg: SiteConfig, id: string): Endpoint {
  const ep = cfg.endpoints.find((e) => e.id === id);
  if (!ep) throw new VcError('ENDPOINT_UNKNOWN', say('err.endpointUnknown', { id }));
  return ep;
}

/**
 * The sites a new conference dials, each once, in this order: upstream, chair, the group's members,
 * the listed ones. ENDPOINT_BUSY names every one that `occupiedBy` says another meeting holds.
 */
export function requestedEndpoints(
  cfg: SiteConfig,
  p: Pick<StartRequest, 'upstream' | 'chair' | 'group' | 'endpoints'>,
  occupiedBy: (endpointId: string) => Holder | undefined,
): Endpoint[] {
  const ids: string[] = [];
  const push = (id: string): void => {
    if (!ids.includes(id)) ids.push(id);
  };
  if (p.upstream) push(p.upstream);
  if (p.chair) push(p.chair);
  if (p.group !== undefined) {
    requireGroup(cfg, p.group);
    for (const e of cfg.endpoints) if (e.groups.includes(p.group)) push(e.id);
  }
  for (const id of p.endpoints ?? []) push(id);
  if (ids.length === 0) throw new VcError('BAD_REQUEST', say('err.needEndpoints'));
  const endpoints = ids.map((id) => endpointOf(cfg, id));
  const busy = endpoints.map((e) => [e.id, occupiedBy(e.id)] as const).filter(([, c]) => c);
  if (busy.length) {
    throw new VcError(
      'ENDPOINT_BUSY',
      busy.map(([id, c]) => say('err.endpointBusy', { id, conference: c!.id, title: c!.title })).join('; '),
      { endpoints: busy.map(([id]) => id) },
    );
  }
  return endpoints;
}

/** The sites to poll in `conference`: a list and/or the members of a group that are in it (null: all). */
export function pollSitesOf(
  cfg: SiteConfig,
  conference: { readonly id: string; readonly endpointIds: readonly string[] },
  sites: readonly string[] | undefined,
  group: string | undefined,
): string[] | null {
  if (group === undefined) return sites ? [...sites] : null;
  requireGroup(cfg, group);
  const inGroup = cfg.endpoints
    .filter((e) => e.groups.includes(group) && conference.endpointIds.includes(e.id))
    .map((e) => e.id);
  if (inGroup.length === 0) {
    throw new VcError('BAD_REQUEST', say('err.groupNotInConference', { group, id: conference.id }));
  }
  return [...new Set([...(sites ?? []), ...inGroup])];
}

/** GROUP_UNKNOWN, naming the configured groups, unless `group` is one of them. */
function requireGroup(cfg: SiteConfig, group: string): void {
  if (cfg.groups.some((g) => g.id === group)) return;
  throw new VcError(
    'GROUP_UNKNOWN',
    say('err.groupUnknown', { id: group, known: cfg.groups.map((g) => g.id).join(', ') || say('err.none') }),
  );
}
