import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { VcError, toVcError } from '../errors.js';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { redactUrl } from '../util/redact.js';
import { authenticate, bearerFrom, type OperatorIdentity } from './auth.js';
import type { Caller, MethodRouter } from './MethodRouter.js';
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  ROLE_RANK,
  RPC_APP_ERROR,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  type NotificationName,
  type Notifications,
  type RpcResponse,
  type VcErrorCode,
} from '../../protocol/index.js';
import { API_CLOSE, API_LIMITS } from './limits.js';
import { Admission } from './Admission.js';
import { SocketGuard } from './SocketGuard.js';
import { AuditTrail, type AuditSink } from './AuditTrail.js';

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

interface Connection {
  ws: WebSocket;
  caller?: Caller;
  readonly authenticated: boolean;
  /** A token was presented but matched no operator. */
  badToken: boolean;
  /** The protocol version the client said it speaks, when it is not ours. */
  otherVersion?: string;
  address: string;
  topics: Set<string>;
  /** Closes a connection without a valid token once API_LIMITS.authDeadlineMs has passed. */
  deadline?: NodeJS.Timeout;
}

// A client that reads too slowly stops getting notifications rather than growing our memory.
const MAX_BUFFERED = 4 * 1024 * 1024;
// Batch members run this many at a time: bounded work, yet slow methods (endpoint.check) overlap.
const BATCH_CONCURRENCY = 10;
// A peer that does not answer our close frame is cut off after this long (fds come back).
const CLOSE_GRACE_MS = 2000;

/** The control API: JSON-RPC 2.0 over WebSocket, plus a few HTTP routes on the same port. */
export class RpcServer {
  readonly #opts: RpcServerOptions;
  readonly #log: Logger;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  /** For connections without a valid token: they only ever get AUTH_* errors, so small frames. */
  readonly #wssAnonymous: WebSocketServer;
  readonly #conns = new Set<Connection>();
  readonly #admission = new Admission<Connection>();
  readonly #audit: AuditTrail;
  readonly #callsPerToken = new RateLimiter(API_LIMITS.callsPerToken);
  readonly #anonymousCalls = new RateLimiter(API_LIMITS.unauthenticatedCallsPerAddress);
  readonly #authFailures = new RateLimiter(API_LIMITS.badTokensPerAddress);
  readonly #routes: HttpRoute[] = [];
  readonly #upgrades = new Map<string, UpgradeHandler>();
  readonly #sockets: SocketGuard;

  private constructor(opts: RpcServerOptions, http: Server) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'api' });
    this.#http = http;
    this.#audit = new AuditTrail(opts.audit, this.#log);
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
            ? new VcError(
                'PORT_IN_USE',
                `control API port ${host}:${port} is already in use (another vcbridged running?)`,
              )
            : new VcError('INTERNAL', `control API cannot listen on ${host}:${port}: ${err.message}`),
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
          this.#send(conn, errorReply(null, RPC_INTERNAL_ERROR, 'internal error handling this message', 'INTERNAL'));
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
    if (isBinary)
      return this.#send(conn, errorReply(null, RPC_INVALID_REQUEST, 'binary frames are not JSON-RPC', 'BAD_REQUEST'));
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return this.#send(conn, errorReply(null, RPC_PARSE_ERROR, 'malformed JSON', 'BAD_REQUEST'));
    }
    if (Array.isArray(msg)) return this.#batch(conn, msg);
    const reply = await this.#handle(conn, msg);
    if (reply) this.#send(conn, reply);
  }

  /** A JSON-RPC batch: refused whole when too long; members run a few at a time, and once the
   *  replies reach their byte budget the members not yet run are answered with an error. */
  async #batch(conn: Connection, batch: unknown[]): Promise<void> {
    const { maxBatch, maxBatchReplyBytes } = API_LIMITS;
    if (batch.length === 0)
      return this.#send(conn, errorReply(null, RPC_INVALID_REQUEST, 'empty batch', 'BAD_REQUEST'));
    if (batch.length > maxBatch) {
      return this.#send(
        conn,
        errorReply(
          null,
          RPC_INVALID_REQUEST,
          `a batch of ${batch.length} calls; at most ${maxBatch} per batch (nothing was run: send it in parts)`,
          'BAD_REQUEST',
        ),
      );
    }
    const frames: string[] = [];
    let bytes = 0;
    for (let i = 0; i < batch.length; i += BATCH_CONCURRENCY) {
      const part = batch.slice(i, i + BATCH_CONCURRENCY);
      if (bytes > maxBatchReplyBytes) {
        for (const m of part) {
          if (isObject(m) && isId(m.id))
            frames.push(
              JSON.stringify(
                errorReply(
                  m.id,
                  RPC_APP_ERROR,
                  `not run: this batch's replies passed ${maxBatchReplyBytes} bytes; call it separately`,
                  'CAPACITY_EXCEEDED',
                ),
              ),
            );
        }
        continue;
      }
      for (const r of await Promise.all(part.map((m) => this.#handle(conn, m)))) {
        if (!r) continue;
        const f = JSON.stringify(r);
        bytes += f.length;
        frames.push(f);
      }
    }
    if (frames.length) this.#sendRaw(conn, `[${frames.join(',')}]`);
  }

  async #handle(conn: Connection, msg: unknown): Promise<RpcResponse | undefined> {
    if (!isObject(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
      const id = isObject(msg) && isId(msg.id) ? msg.id : null;
      return errorReply(
        id,
        RPC_INVALID_REQUEST,
        'not a JSON-RPC 2.0 request (need jsonrpc "2.0" and a method)',
        'BAD_REQUEST',
      );
    }
    if (msg.id !== undefined && !isId(msg.id))
      return errorReply(null, RPC_INVALID_REQUEST, 'id must be a string, number or null', 'BAD_REQUEST');
    const id = (msg.id ?? null) as string | number | null;
    const isNotification = msg.id === undefined;
    const method = msg.method;
    const reply = await this.#dispatch(conn, method, msg.params, id);
    return isNotification ? undefined : reply;
  }

  async #dispatch(conn: Connection, method: string, params: unknown, id: string | number | null): Promise<RpcResponse> {
    const caller = conn.caller;
    // token holders are budgeted per operator, everyone else per address in a bucket of their own,
    // so anonymous traffic cannot use up an operator's calls
    if (caller ? !this.#callsPerToken.take(caller.name) : !this.#anonymousCalls.take(conn.address)) {
      return errorReply(
        id,
        RPC_APP_ERROR,
        caller
          ? `too many calls for ${caller.name}; slow down`
          : 'too many calls without a valid token from this address; slow down',
        'RATE_LIMITED',
      );
    }
    if (conn.otherVersion !== undefined) {
      return errorReply(
        id,
        RPC_APP_ERROR,
        `this client speaks control protocol ${conn.otherVersion}, the daemon speaks ${PROTOCOL_VERSION}: use the vcbridge CLI of the same release as vcbridged`,
        'PROTOCOL_MISMATCH',
      );
    }
    if (!caller) {
      return conn.badToken
        ? errorReply(id, RPC_APP_ERROR, 'the token is not valid for any operator', 'AUTH_INVALID')
        : errorReply(
            id,
            RPC_APP_ERROR,
            'authentication required: send "Authorization: Bearer <token>" when connecting',
            'AUTH_REQUIRED',
          );
    }
    const entry = this.#opts.router.get(method);
    if (!entry) return errorReply(id, RPC_METHOD_NOT_FOUND, `unknown method "${method}"`, 'METHOD_UNKNOWN');
    if (ROLE_RANK[caller.role] < ROLE_RANK[entry.role]) {
      return this.#audited(
        caller,
        method,
        params,
        errorReply(
          id,
          RPC_APP_ERROR,
          `${method} needs the ${entry.role} role; ${caller.name} is ${caller.role}`,
          'FORBIDDEN',
        ),
      );
    }
    let input = params;
    if (entry.schema) {
      const parsed = entry.schema.safeParse(params ?? {});
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
        return this.#audited(
          caller,
          method,
          params,
          errorReply(id, RPC_INVALID_PARAMS, `bad params for ${method}: ${detail}`, 'PARAMS_INVALID'),
        );
      }
      input = parsed.data;
    }
    if (method === 'subscribe') {
      const topics = new Set([...conn.topics, ...(input as { topics: string[] }).topics]);
      if (topics.size > API_LIMITS.maxTopicsPerConnection) {
        return errorReply(
          id,
          RPC_INVALID_PARAMS,
          `a connection holds at most ${API_LIMITS.maxTopicsPerConnection} topics (it would have ${topics.size})`,
          'PARAMS_INVALID',
        );
      }
    }
    try {
      const result = await entry.handler(input, caller);
      if (method === 'subscribe' || method === 'unsubscribe') this.#applyTopics(conn, method, input);
      return this.#audited(caller, method, params, { jsonrpc: '2.0', id, result: result ?? null });
    } catch (err) {
      const e = toVcError(err);
      if (e.code === 'INTERNAL') this.#log.error({ err, method, actor: caller.name }, 'API method failed unexpectedly');
      return this.#audited(caller, method, params, errorReply(id, RPC_APP_ERROR, e.message, e.code, e.details));
    }
  }

  #applyTopics(conn: Connection, method: string, input: unknown): void {
    const topics = (input as { topics: string[] }).topics;
    for (const t of topics) {
      if (method === 'subscribe') conn.topics.add(t);
      else conn.topics.delete(t);
    }
  }

  #audited(caller: Caller, method: string, params: unknown, reply: RpcResponse): RpcResponse {
    // unknown methods never get here, so the label set stays bounded
    this.#opts.onCall?.(method, reply.error ? 'error' : 'ok');
    this.#audit.record(caller, method, params, reply, this.#opts.router.get(method)?.audited === true);
    return reply;
  }

  #send(conn: Connection, reply: RpcResponse): void {
    this.#sendRaw(conn, JSON.stringify(reply));
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

function errorReply(
  id: string | number | null,
  code: number,
  message: string,
  vcCode: VcErrorCode,
  details?: unknown,
): RpcResponse {
  return {
    jsonrpc: '2.0',
    id,
    error: { code, message, data: details === undefined ? { code: vcCode } : { code: vcCode, details } },
  };
}

/** The version a client announced in its upgrade request, when it differs from ours. A client that
 *  announces none (a script, an older CLI) is served as before. */
function versionMismatch(req: IncomingMessage): string | undefined {
  const said = req.headers[PROTOCOL_HEADER];
  if (said === undefined) return undefined;
  const v = (Array.isArray(said) ? said.join(',') : said).trim().slice(0, 20);
  return v === String(PROTOCOL_VERSION) ? undefined : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is string | number | null {
  return typeof v === 'string' || typeof v === 'number' || v === null;
}

function matches(topics: Set<string>, method: string): boolean {
  if (topics.has('*') || topics.has(method)) return true;
  for (const t of topics) if (t.endsWith('*') && method.startsWith(t.slice(0, -1))) return true;
  return false;
}
