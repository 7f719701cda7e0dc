// JSON-RPC 2.0 over one control connection's frames: parse, batch, rate-limit, authenticate,
// authorise, check params, run the method and audit it. Knows nothing of sockets: RpcServer hands
// in a frame and sends back what this returns.
import { toVcError } from '../errors.js';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import type { Caller, MethodRouter } from './MethodRouter.js';
import {
  PROTOCOL_VERSION,
  ROLE_RANK,
  RPC_APP_ERROR,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  say,
  type RpcResponse,
  type VcErrorCode,
} from '../../protocol/index.js';
import { API_LIMITS } from './limits.js';
import { AuditTrail, type AuditSink } from './AuditTrail.js';
import { paramIssueMessage, paramsDetail } from './paramIssues.js';

/** What the dispatcher knows of a control connection. */
export interface RpcSession {
  /** Set when the connection presented a valid token. */
  caller?: Caller;
  /** A token was presented but matched no operator. */
  badToken: boolean;
  /** The protocol version the client said it speaks, when it is not ours. */
  otherVersion?: string;
  address: string;
  /** Notification topics the connection subscribed to. */
  topics: Set<string>;
}

export interface RpcDispatcherOptions {
  router: MethodRouter;
  audit: AuditSink;
  /** The api component's logger. */
  log: Logger;
  /** Called after every dispatched call (metrics). */
  onCall?: (method: string, result: 'ok' | 'error') => void;
}

// Batch members run this many at a time: bounded work, yet slow methods (endpoint.check) overlap.
const BATCH_CONCURRENCY = 10;

export class RpcDispatcher {
  readonly #o: RpcDispatcherOptions;
  readonly #log: Logger;
  readonly #audit: AuditTrail;
  readonly #callsPerToken = new RateLimiter(API_LIMITS.callsPerToken);
  readonly #anonymousCalls = new RateLimiter(API_LIMITS.unauthenticatedCallsPerAddress);

  constructor(o: RpcDispatcherOptions) {
    this.#o = o;
    this.#log = o.log;
    this.#audit = new AuditTrail(o.audit, o.log);
  }

  /** One WebSocket message in; the frame to send back (none for notifications). */
  async message(conn: RpcSession, text: string | undefined): Promise<string | undefined> {
    if (text === undefined) return frame(errorReply(null, RPC_INVALID_REQUEST, say('api.binary'), 'BAD_REQUEST'));
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return frame(errorReply(null, RPC_PARSE_ERROR, say('api.malformedJson'), 'BAD_REQUEST'));
    }
    if (Array.isArray(msg)) return this.#batch(conn, msg);
    const reply = await this.#handle(conn, msg);
    return reply && frame(reply);
  }

  /** A JSON-RPC batch: refused whole when too long; members run a few at a time, and once the
   *  replies reach their byte budget the members not yet run are answered with an error. */
  async #batch(conn: RpcSession, batch: unknown[]): Promise<string | undefined> {
    const { maxBatch, maxBatchReplyBytes } = API_LIMITS;
    if (batch.length === 0) return frame(errorReply(null, RPC_INVALID_REQUEST, say('api.emptyBatch'), 'BAD_REQUEST'));
    if (batch.length > maxBatch) {
      return frame(
        errorReply(
          null,
          RPC_INVALID_REQUEST,
          say('api.batchTooLong', { n: batch.length, max: maxBatch }),
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
              frame(
                errorReply(
                  m.id,
                  RPC_APP_ERROR,
                  say('api.batchReplyFull', { bytes: maxBatchReplyBytes }),
                  'CAPACITY_EXCEEDED',
                ),
              ),
            );
        }
        continue;
      }
      for (const r of await Promise.all(part.map((m) => this.#handle(conn, m)))) {
        if (!r) continue;
        const f = frame(r);
        bytes += f.length;
        frames.push(f);
      }
    }
    return frames.length ? `[${frames.join(',')}]` : undefined;
  }

  async #handle(conn: RpcSession, msg: unknown): Promise<RpcResponse | undefined> {
    if (!isObject(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
      const id = isObject(msg) && isId(msg.id) ? msg.id : null;
      return errorReply(id, RPC_INVALID_REQUEST, say('api.notJsonRpc'), 'BAD_REQUEST');
    }
    if (msg.id !== undefined && !isId(msg.id))
      return errorReply(null, RPC_INVALID_REQUEST, say('api.badId'), 'BAD_REQUEST');
    const id = (msg.id ?? null) as string | number | null;
    const isNotification = msg.id === undefined;
    const method = msg.method;
    const reply = await this.#dispatch(conn, method, msg.params, id);
    return isNotification ? undefined : reply;
  }

  async #dispatch(conn: RpcSession, method: string, params: unknown, id: string | number | null): Promise<RpcResponse> {
    const caller = conn.caller;
    // token holders are budgeted per operator, everyone else per address in a bucket of their own,
    // so anonymous traffic cannot use up an operator's calls
    if (caller ? !this.#callsPerToken.take(caller.name) : !this.#anonymousCalls.take(conn.address)) {
      return errorReply(
        id,
        RPC_APP_ERROR,
        caller ? say('api.rateLimited', { name: caller.name }) : say('api.rateLimitedAnonymous'),
        'RATE_LIMITED',
      );
    }
    if (conn.otherVersion !== undefined) {
      return errorReply(
        id,
        RPC_APP_ERROR,
        say('err.protocol', { client: conn.otherVersion, daemon: PROTOCOL_VERSION }),
        'PROTOCOL_MISMATCH',
      );
    }
    if (!caller) {
      return conn.badToken
        ? errorReply(id, RPC_APP_ERROR, say('err.tokenInvalid'), 'AUTH_INVALID')
        : errorReply(id, RPC_APP_ERROR, say('err.authRequired'), 'AUTH_REQUIRED');
    }
    const entry = this.#o.router.get(method);
    if (!entry) return errorReply(id, RPC_METHOD_NOT_FOUND, say('api.unknownMethod', { method }), 'METHOD_UNKNOWN');
    if (ROLE_RANK[caller.role] < ROLE_RANK[entry.role]) {
      return this.#audited(
        caller,
        method,
        params,
        errorReply(
          id,
          RPC_APP_ERROR,
          say('err.role', { method, role: entry.role, name: caller.name, has: caller.role }),
          'FORBIDDEN',
        ),
      );
    }
    let input = params;
    if (entry.schema) {
      const parsed = entry.schema.safeParse(params ?? {}, { error: paramIssueMessage });
      if (!parsed.success) {
        const detail = paramsDetail(parsed.error.issues);
        return this.#audited(
          caller,
          method,
          params,
          errorReply(id, RPC_INVALID_PARAMS, say('err.params', { method, detail }), 'PARAMS_INVALID'),
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
          say('api.tooManyTopics', { max: API_LIMITS.maxTopicsPerConnection, n: topics.size }),
          'PARAMS_INVALID',
        );
      }
    }
    try {
      const result = await entry.handler(input, caller);
      if (method === 'subscribe' || method === 'unsubscribe') applyTopics(conn, method, input);
      return this.#audited(caller, method, params, { jsonrpc: '2.0', id, result: result ?? null });
    } catch (err) {
      const e = toVcError(err);
      if (e.code === 'INTERNAL') this.#log.error({ err, method, actor: caller.name }, 'API method failed unexpectedly');
      return this.#audited(caller, method, params, errorReply(id, RPC_APP_ERROR, e.message, e.code, e.details));
    }
  }

  #audited(caller: Caller, method: string, params: unknown, reply: RpcResponse): RpcResponse {
    // unknown methods never get here, so the label set stays bounded
    this.#o.onCall?.(method, reply.error ? 'error' : 'ok');
    this.#audit.record(caller, method, params, reply, this.#o.router.get(method)?.audited === true);
    return reply;
  }
}

function applyTopics(conn: RpcSession, method: string, input: unknown): void {
  const topics = (input as { topics: string[] }).topics;
  for (const t of topics) {
    if (method === 'subscribe') conn.topics.add(t);
    else conn.topics.delete(t);
  }
}

function frame(reply: RpcResponse): string {
  return JSON.stringify(reply);
}

export function errorReply(
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is string | number | null {
  return typeof v === 'string' || typeof v === 'number' || v === null;
}
