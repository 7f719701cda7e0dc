import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { VcError } from '../errors.js';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { redactUrl } from '../util/redact.js';
import { authenticate, bearerFrom, type OperatorIdentity } from './auth.js';
import type { Caller, MethodRouter } from './MethodRouter.js';
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  RPC_INTERNAL_ERROR,
  say,
  type NotificationName,
  type Notifications,
} from '../../protocol/index.js';
import { API_CLOSE, API_LIMITS } from './limits.js';
import { Admission } from './Admission.js';
import { SocketGuard } from './SocketGuard.js';
import type { AuditSink } from './AuditTrail.js';
import { RpcDispatcher, errorReply, type RpcSession } from './RpcDispatcher.js';

export type { AuditSink } from './AuditTrail.js';

/** Plain HTTP routes on the control port (/metrics, the join page); return false when not handled. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** A WebSocket upgrade on a path of its own (the browser join signalling), not the control API. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface RpcServerOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  router: MethodRouter;
  operators: () => readonly OperatorIdentity[];
  audit: AuditSink;
  log: Logger;
  /** Called after every dispatched call (metrics). */
  onCall?: (method: string, result: 'ok' | 'error') => void;
  /** Called when an operator authenticates with the published demo token. */
  onDemoToken?: (caller: Caller) => void;
}

interface Connection extends RpcSession {
  ws: WebSocket;
  readonly authenticated: boolean;
  /** Closes a connection without a valid token once API_LIMITS.authDeadlineMs has passed. */
  deadline?: NodeJS.Timeout;
}

// A client that reads too slowly stops getting notifications rather than growing our memory.
const MAX_BUFFERED = 4 * 1024 * 1024;
// A peer that does not answer our close frame is cut off after this long (fds come back).
const CLOSE_GRACE_MS = 2000;

/** The control API: JSON-RPC 2.0 over WebSocket (calls are RpcDispatcher's), plus a few HTTP routes
 *  on the same port. This owns the port: sockets, upgrades, admission, notifications, slow readers. */
export class RpcServer {
  readonly #opts: RpcServerOptions;
  readonly #log: Logger;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  /** For connections without a valid token: they only ever get AUTH_* errors, so small frames. */
  readonly #wssAnonymous: WebSocketServer;
  readonly #conns = new Set<Connection>();
  readonly #admission = new Admission<Connection>();
  readonly #dispatcher: RpcDispatcher;
  readonly #authFailures = new RateLimiter(API_LIMITS.badTokensPerAddress);
  readonly #routes: HttpRoute[] = [];
  readonly #upgrades = new Map<string, UpgradeHandler>();
  readonly #sockets: SocketGuard;

  private constructor(opts: RpcServerOptions, http: Server) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'api' });
    this.#http = http;
    this.#dispatcher = new RpcDispatcher({
      router: opts.router,
      audit: opts.audit,
      log: this.#log,
      onCall: opts.onCall,
    });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: API_LIMITS.maxFrameBytes });
    this.#wssAnonymous = new WebSocketServer({ noServer: true, maxPayload: API_LIMITS.maxAnonymousFrameBytes });
    http.on('upgrade', (req, socket, head) => {
      // node drops its own error listener from an upgraded socket: a reset before ws takes it over
      // must not become an uncaught exception
      socket.on('error', (err) => this.#log.debug({ err: err.message }, 'control socket error during the handshake'));
      try {
        this.#upgrade(req, socket, head);
      } catch (err) {
        this.#log.error({ err, url: redactUrl(req.url) }, 'WebSocket upgrade failed');
        socket.destroy();
      }
    });
    this.#sockets = new SocketGuard(API_LIMITS, this.#log);
    this.#sockets.attach(http);
    http.on('request', (req, res) => void this.#request(req, res));
    http.on('clientError', (err, socket) => {
      this.#log.debug({ err: err.message }, 'bad HTTP from client');
      socket.destroy();
    });
  }

  /** Create the server without listening yet: routes and upgrades can be added, then listen(). */
  static create(opts: RpcServerOptions): RpcServer {
    const http = opts.tls
      ? createHttpsServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) })
      : createHttpServer();
    http.headersTimeout = 10_000;
    http.requestTimeout = 30_000;
    return new RpcServer(opts, http);
  }

  static async start(opts: RpcServerOptions): Promise<RpcServer> {
    const server = RpcServer.create(opts);
    await server.listen();
    return server;
  }

  /** Bind the control port; a port in use is PORT_IN_USE. */
  async listen(): Promise<void> {
    const { host, port } = this.#opts;
    const http = this.#http;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new VcError('PORT_IN_USE', say('api.portInUse', { at: `${host}:${port}` }))
            : new VcError('INTERNAL', say('api.cannotListen', { at: `${host}:${port}`, detail: err.message })),
        );
      };
      http.once('error', onError);
      http.listen(port, host, () => {
        http.off('error', onError);
        resolve();
      });
    });
  }

  get url(): string {
    const a = this.#http.address();
    const port = typeof a === 'object' && a ? a.port : this.#opts.port;
    return `${this.#opts.tls ? 'wss' : 'ws'}://${this.#opts.host}:${port}`;
  }

  /** TCP connections to the port (any kind), refused ones, and ones closed for sending nothing. */
  get socketStats(): { open: number; refused: number; expired: number } {
    return this.#sockets.stats;
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  addRoute(route: HttpRoute): void {
    this.#routes.push(route);
  }

  /** Hand WebSocket upgrades for exactly this path (query ignored) to `handler` instead of the control API. */
  addUpgrade(path: string, handler: UpgradeHandler): void {
    this.#upgrades.set(path, handler);
  }

  /** Push a notification to every connection subscribed to it. */
  notify<N extends NotificationName>(method: N, params: Notifications[N]): void {
    if (this.#conns.size === 0) return;
    const frame = JSON.stringify({ jsonrpc: '2.0', method, params });
    for (const c of this.#conns) {
      if (!c.caller || !matches(c.topics, method)) continue;
      if (c.ws.bufferedAmount > MAX_BUFFERED) continue;
      c.ws.send(frame);
    }
  }

  async close(): Promise<void> {
    for (const c of this.#conns) {
      clearTimeout(c.deadline);
      c.ws.close(1001, 'daemon stopping');
    }
    this.#wss.close();
    this.#wssAnonymous.close();
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  async #request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      for (const route of this.#routes) if (await route(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    } catch (err) {
      this.#log.error({ err, url: redactUrl(req.url) }, 'HTTP route failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const other = this.#upgrades.get((req.url ?? '/').split('?')[0] ?? '/');
    if (other) return other(req, socket, head);
    const address = req.socket.remoteAddress ?? '?';
    const token = bearerFrom(req.headers.authorization);
    let caller: Caller | undefined;
    if (token) {
      const op = authenticate(token, this.#opts.operators());
      if (op) {
        caller = { name: op.name, role: op.role, address };
      } else if (!this.#authFailures.take(address)) {
        socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n');
        return;
      }
    }
    const decision = this.#admission.decide(address, caller !== undefined);
    if ('refused' in decision) {
      this.#log.debug({ address, why: decision.refused }, 'control connection refused');
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${decision.refused}\n`,
      );
      return;
    }
    if (decision.evict)
      this.#drop(
        decision.evict,
        API_CLOSE.TOO_MANY,
        'the control API is full: making room for a client with a valid token',
      );
    (caller ? this.#wss : this.#wssAnonymous).handleUpgrade(req, socket, head, (ws) => {
      // A wrong token still gets a connection (until the deadline), so that every call can say precisely why it fails.
      const conn: Connection = {
        ws,
        address,
        topics: new Set(),
        caller,
        authenticated: caller !== undefined,
        badToken: Boolean(token && !caller),
        otherVersion: versionMismatch(req),
      };
      this.#conns.add(conn);
      this.#admission.add(conn);
      if (caller) this.#opts.onDemoToken?.(caller);
      else {
        const s = API_LIMITS.authDeadlineMs / 1000;
        conn.deadline = setTimeout(
          () =>
            this.#drop(
              conn,
              API_CLOSE.AUTH_DEADLINE,
              `not authenticated within ${s} s: connect with "Authorization: Bearer <token>"`,
            ),
          API_LIMITS.authDeadlineMs,
        );
        conn.deadline.unref();
      }
      ws.on('message', (data, isBinary) => {
        this.#onMessage(conn, data, isBinary).catch((err: unknown) => {
          this.#log.error({ err, address }, 'control message handling failed (bug)');
          this.#sendRaw(
            conn,
            JSON.stringify(errorReply(null, RPC_INTERNAL_ERROR, 'internal error handling this message', 'INTERNAL')),
          );
        });
      });
      ws.on('close', () => this.#forget(conn));
      ws.on('error', (err) => this.#log.debug({ err: err.message, address }, 'control connection error'));
    });
  }

  /** Close a connection from our side with a code and reason; cut it off if the peer does not answer. */
  #drop(conn: Connection, code: number, reason: string): void {
    this.#forget(conn);
    conn.ws.close(code, reason);
    setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  #forget(conn: Connection): void {
    clearTimeout(conn.deadline);
    this.#conns.delete(conn);
    this.#admission.remove(conn);
  }

  async #onMessage(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    const reply = await this.#dispatcher.message(conn, isBinary ? undefined : data.toString());
    if (reply !== undefined) this.#sendRaw(conn, reply);
  }

  #sendRaw(conn: Connection, frame: string): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    // replies cannot be skipped like notifications: a client that asks without reading is cut off
    if (conn.ws.bufferedAmount > API_LIMITS.maxBufferedBytes) {
      this.#log.warn(
        { address: conn.address, actor: conn.caller?.name, buffered: conn.ws.bufferedAmount },
        'control client does not read its replies; closing it',
      );
      return this.#drop(conn, API_CLOSE.SLOW_READER, 'replies are not being read; reconnect');
    }
    conn.ws.send(frame);
  }
}

/** The version a client announced in its upgrade request, when it differs from ours. A client that
 *  announces none (a script, an older CLI) is served as before. */
function versionMismatch(req: IncomingMessage): string | undefined {
  const said = req.headers[PROTOCOL_HEADER];
  if (said === undefined) return undefined;
  const v = (Array.isArray(said) ? said.join(',') : said).trim().slice(0, 20);
  return v === String(PROTOCOL_VERSION) ? undefined : JSON.stringify(v);
}

function matches(topics: Set<string>, method: string): boolean {
  if (topics.has('*') || topics.has(method)) return true;
  for (const t of topics) if (t.endsWith('*') && method.startsWith(t.slice(0, -1))) return true;
  return false;
}
