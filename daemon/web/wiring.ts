// Browser participants, wired into a running daemon: the invitation method (conference.invite), the
// join page and its signalling socket on the control port. One call from the daemon's layers:
//
//   d.addService(startBrowserJoin({ router: d.router, api, manager, kv: d.store.kv, config: () => d.config, log }));
import { z } from 'zod';
import type { SiteConfig } from '../config/schema.js';
import type { ConferenceManager } from '../conference/ConferenceManager.js';
import type { MethodRouter } from '../api/MethodRouter.js';
import type { RpcServer } from '../api/RpcServer.js';
import { say, type ConferenceInviteResult } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { JoinServer } from './JoinServer.js';
import { defaultScriptPath } from './BundledScript.js';
import { JoinTokens, type SecretStore } from './JoinTokens.js';

export interface BrowserJoinDeps {
  router: MethodRouter;
  api: Pick<RpcServer, 'addRoute' | 'addUpgrade' | 'url'>;
  manager: Pick<ConferenceManager, 'get' | 'notice'>;
  /** Store.kv: keeps the token secret between runs. */
  kv: SecretStore;
  config: () => SiteConfig;
  log: Logger;
  clock?: Clock;
  /** The bundled page script; default dist/web/page.js next to the daemon. */
  pageScript?: string;
  rate?: { perSecond: number; burst: number };
}

export interface BrowserJoin {
  readonly name: 'web';
  readonly server: JoinServer;
  readonly tokens: JoinTokens;
  close(): void;
}

const DEFAULT_TTL_MINUTES = 240;
/** How long a link works: a minute to a week. */
export const TtlMinutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60);
// a display name is shown to every site: printable, short
const Name = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^\p{Cc}\p{Cf}<>]+$/u, say('web.nameChars'));
const Invite = z
  .object({
    id: z.string().min(1).max(64),
    name: Name,
    ttlMinutes: TtlMinutes.optional(),
  })
  .strict();

/** dist/web/page.js: beside the bundled daemon (dist/vcbridged.js) or from the sources (daemon/web/). */
export function defaultPageScript(): string {
  return defaultScriptPath('page.js');
}

/** The join links' base: api.publicUrl, else the control port's own address. */
export function joinBase(cfg: SiteConfig, apiUrl: string): string {
  return (cfg.api.publicUrl ?? apiUrl.replace(/^ws/, 'http')).replace(/\/+$/, '');
}

export function startBrowserJoin(d: BrowserJoinDeps): BrowserJoin {
  const tokens = new JoinTokens({ kv: d.kv, clock: d.clock });
  const server = new JoinServer({
    tokens,
    conference: (id) => d.manager.get(id),
    listen: () => {
      const m = d.config().media;
      return {
        ip: m.listenAddress,
        ...(m.announcedAddress !== m.listenAddress ? { announcedAddress: m.announcedAddress } : {}),
      };
    },
    pageScript: d.pageScript ?? defaultPageScript(),
    log: d.log,
    rate: d.rate,
  });
  d.api.addRoute(server.route);
  d.api.addUpgrade('/join/ws', server.upgrade);

  d.router.register('conference.invite', Invite, (p, caller): ConferenceInviteResult => {
    const conf = d.manager.get(p.id);
    if (!conf.live) throw new VcError('CONFERENCE_ENDED', say('web.inviteNotLive', { id: p.id, phase: conf.phase }));
    const ttlMs = (p.ttlMinutes ?? DEFAULT_TTL_MINUTES) * 60_000;
    let issued = tokens.issue({ conferenceId: conf.id, name: p.name, ttlMs });
    // a configured site's id is never a browser's
    while (conf.endpointIds.includes(issued.claims.participantId))
      issued = tokens.issue({ conferenceId: conf.id, name: p.name, ttlMs });
    const expiresAt = new Date(issued.claims.expiresAt).toISOString();
    d.manager.notice(
      conf.id,
      say('web.invited', { by: caller.name, name: p.name, id: issued.claims.participantId, until: expiresAt }),
    );
    return {
      url: `${joinBase(d.config(), d.api.url)}/join?t=${issued.token}`,
      expiresAt,
      participantId: issued.claims.participantId,
    };
  });

  return { name: 'web', server, tokens, close: () => server.close() };
}
