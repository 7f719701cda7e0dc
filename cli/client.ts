import WebSocket from 'ws';
import { CliError } from './errors.js';
import { say } from '../protocol/index.js';
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type MethodName,
  type NotificationArgs,
  type ParamsOf,
  type ResultOf,
  type RpcResponse,
} from '../protocol/index.js';

export interface ClientOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
/** Gets every notification the daemon pushes, typed by the protocol's Notifications table. */
export type NotificationHandler = (...n: NotificationArgs) => void;

/** JSON-RPC 2.0 client for the control API. */
export class ApiClient {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #handlers = new Set<NotificationHandler>();
  readonly #closeHandlers = new Set<() => void>();
  readonly #timeoutMs: number;
  #nextId = 1;

  private constructor(ws: WebSocket, timeoutMs: number) {
    this.#ws = ws;
    this.#timeoutMs = timeoutMs;
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('close', () => {
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new CliError('DAEMON_UNREACHABLE', say('cli.closed')));
      }
      this.#pending.clear();
      for (const h of this.#closeHandlers) h();
    });
  }

  static connect(opts: ClientOptions): Promise<ApiClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let ws: WebSocket;
      try {
        ws = new WebSocket(opts.url, {
          headers,
          handshakeTimeout: Math.min(timeoutMs, 5000),
          maxPayload: 64 * 1024 * 1024,
        });
      } catch (err) {
        reject(
          new CliError('USAGE', say('cli.badUrl', { url: opts.url, why: (err as Error).message }), { exitCode: 2 }),
        );
        return;
      }
      ws.once('open', () => resolve(new ApiClient(ws, timeoutMs)));
      ws.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'ECONNREFUSED' ? say('cli.nothingListens') : err.message;
        reject(new CliError('DAEMON_UNREACHABLE', say('cli.unreachable', { url: opts.url, why })));
      });
    });
  }

  /** One call; `wait` overrides the connection's timeout for a call known to take longer, with the
   *  error to give when even that runs out. */
  call<M extends MethodName>(
    method: M,
    params?: ParamsOf<M>,
    wait?: { ms: number; error: () => string },
  ): Promise<ResultOf<M>> {
    const id = this.#nextId++;
    const ms = wait?.ms ?? this.#timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CliError('TIMEOUT', wait ? wait.error() : say('cli.timeout', { method, ms })));
      }, ms);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? {} }));
    });
  }

  onNotification(h: NotificationHandler): () => void {
    this.#handlers.add(h);
    return () => this.#handlers.delete(h);
  }

  onClose(h: () => void): () => void {
    this.#closeHandlers.add(h);
    return () => this.#closeHandlers.delete(h);
  }

  close(): void {
    this.#ws.close();
  }

  #onMessage(text: string): void {
    let msg: RpcResponse & { method?: string; params?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return; // the daemon only sends JSON; a broken frame has no id to answer anyway
    }
    if (msg.method !== undefined && msg.id === undefined) {
      // The wire is where the contract is trusted: a method this client does not know (a newer
      // daemon's) passes through, and handlers ignore it.
      const n = [msg.method, msg.params] as NotificationArgs;
      for (const h of this.#handlers) h(...n);
      return;
    }
    const p = typeof msg.id === 'number' ? this.#pending.get(msg.id) : undefined;
    if (!p) return;
    this.#pending.delete(msg.id as number);
    clearTimeout(p.timer);
    if (msg.error)
      p.reject(
        new CliError(msg.error.data?.code ?? 'INTERNAL', msg.error.message, { details: msg.error.data?.details }),
      );
    else p.resolve(msg.result);
  }
}
