// The browser side door of the control port: GET /join?t=TOKEN (the page, or a 403 refusal page),
// GET /join/page.js (the bundled script) and the page's signalling WebSocket /join/ws?t=TOKEN.
// Nothing here works without a genuine, unexpired invitation for a running conference. The token is
// checked first: refusals are rate-limited per source address, and page loads and socket joins with a
// genuine token per seat, so bogus links from an address cannot block a real one from it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { say } from '../../protocol/index.js';
import { toVcError, VcError } from '../errors.js';
import type { Conference } from '../conference/Conference.js';
import type { BrowserListen } from '../media/BrowserLink.js';
import type { JoinClaims, JoinTokens } from './JoinTokens.js';
import { BrowserSession } from './BrowserSession.js';
import { BundledScript } from './BundledScript.js';
import { CLOSE_CODE_OF, refusalWords, type RefusalKind } from './messages.js';
import { joinPage, pageHeaders, refusalPage } from './pageHtml.js';

export interface JoinServerOptions {
  tokens: JoinTokens;
  /** A live conference by id (ConferenceManager.get): throws CONFERENCE_UNKNOWN / CONFERENCE_ENDED. */
  conference(id: string): Conference;
  /** Where browsers' WebRTC transports listen (config media.listenAddress / announcedAddress). */
  listen(): BrowserListen;
  /** The bundled page script (dist/web/page.js). */
  pageScript: string;
  log: Logger;
  /** Page loads + socket joins per seat with a genuine token, and refusals per source address
   *  (default for each: 20 at once, then one per 3 s). */
  rate?: { perSecond: number; burst: number };
}

const MAX_SIGNAL_FRAME = 256 * 1024;
const JOIN_RATE = { perSecond: 1 / 3, burst: 20 };

export class JoinServer {
  readonly #o: JoinServerOptions;
  readonly #log: Logger;
  /** Genuine tokens, per seat. */
  readonly #limiter: RateLimiter;
  /** Refused tokens (invalid, expired, conference over), per source address. */
  readonly #refusals: RateLimiter;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SIGNAL_FRAME });
  readonly #sessions = new Set<BrowserSession>();
  readonly #sockets = new Set<WebSocket>();
  readonly #script: BundledScript;

  constructor(o: JoinServerOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: 'web.join' });
    this.#limiter = new RateLimiter(o.rate ?? JOIN_RATE);
    this.#refusals = new RateLimiter(o.rate ?? JOIN_RATE);
    this.#script = new BundledScript(o.pageScript, 'join page', this.#log);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** For RpcServer.addRoute: true when the request was for us. */
  readonly route = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/join' && !url.pathname.startsWith('/join/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return true;
    }
    if (url.pathname === '/join/page.js') {
      this.#script.serve(res);
      return true;
    }
    if (url.pathname !== '/join') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return true;
    }
    const address = req.socket.remoteAddress ?? '?';
    const checked = this.#check(url.searchParams.get('t'), address);
    if ('refusal' in checked) {
      if (checked.refusal !== 'rateLimited') this.#log.info({ address, why: checked.why }, 'join page refused');
      return this.#refuse(res, checked.refusal === 'rateLimited' ? 429 : 403, checked.refusal);
    }
    res
      .writeHead(200, pageHeaders())
      .end(
        req.method === 'HEAD' ? undefined : joinPage({ title: checked.conference.title, name: checked.claims.name }),
      );
    return true;
  };

  /** For RpcServer.addUpgrade('/join/ws', ...). */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const address = req.socket.remoteAddress ?? '?';
    const checked = this.#check(new URL(req.url ?? '/', 'http://x').searchParams.get('t'), address);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#sockets.add(ws);
      ws.on('close', () => this.#sockets.delete(ws));
      // a bad frame from the peer is an 'error' event: unheard, it would be an uncaught exception
      ws.on('error', (err) => this.#log.debug({ err: err.message, address }, 'join socket error'));
      // refusals are told over the socket (close code + reason): a page cannot read a handshake's status
      if ('refusal' in checked) {
        if (checked.refusal !== 'rateLimited') this.#log.info({ address, why: checked.why }, 'join socket refused');
        return ws.close(CLOSE_CODE_OF[checked.refusal], checked.why.slice(0, 120));
      }
      void BrowserSession.open({
        ws,
        claims: checked.claims,
        conference: checked.conference,
        listen: this.#o.listen(),
        address,
        log: this.#o.log,
      }).then(
        (s) => {
          if (ws.readyState !== ws.OPEN) return;
          this.#sessions.add(s);
          ws.on('close', () => this.#sessions.delete(s));
        },
        (err: unknown) => this.#log.error({ err }, 'browser session failed to open'),
      );
    });
  };

  close(): void {
    for (const s of this.#sessions) s.close('shutdown', 'the bridge is stopping');
    this.#sessions.clear();
    for (const ws of this.#sockets) ws.terminate();
    this.#sockets.clear();
    this.#wss.close();
  }

  /** Test hook and operator aid: drop every page's socket as a network failure would. */
  dropConnections(): number {
    const n = this.#sockets.size;
    for (const ws of this.#sockets) ws.terminate();
    return n;
  }

  /** The token first (cheap), then the rate limit of its kind: refusals per address, genuine tokens per seat. */
  #check(
    token: string | null,
    address: string,
  ): { claims: JoinClaims; conference: Conference } | { refusal: RefusalKind; why: string } {
    const checked = this.#checkToken(token);
    const limited =
      'refusal' in checked ? !this.#refusals.take(address) : !this.#limiter.take(checked.claims.participantId);
    return limited ? { refusal: 'rateLimited', why: 'too many join attempts; wait a minute' } : checked;
  }

  #checkToken(
    token: string | null,
  ): { claims: JoinClaims; conference: Conference } | { refusal: RefusalKind; why: string } {
    let claims: JoinClaims;
    try {
      claims = this.#o.tokens.verify(token);
    } catch (err) {
      const e = toVcError(err, 'TOKEN_INVALID');
      return { refusal: e.code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid', why: e.message };
    }
    try {
      const conference = this.#o.conference(claims.conferenceId);
      if (!conference.live)
        throw new VcError(
          'CONFERENCE_ENDED',
          say('err.conferenceNotLive', { id: conference.id, phase: conference.phase }),
        );
      return { claims, conference };
    } catch (err) {
      const e = toVcError(err);
      if (e.code === 'CONFERENCE_ENDED' || e.code === 'CONFERENCE_UNKNOWN') return { refusal: 'gone', why: e.message };
      throw e;
    }
  }

  #refuse(res: ServerResponse, status: number, kind: RefusalKind): true {
    res.writeHead(status, pageHeaders()).end(refusalPage(refusalWords(kind)));
    return true;
  }
}
