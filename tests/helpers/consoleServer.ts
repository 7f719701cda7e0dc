// A tiny real JSON-RPC-over-WebSocket server for the console's hook tests: answers the methods it is
// given, records calls and the bearer token, pushes notifications, and can go away and come back on
// the same port (what a daemon restart looks like to the console).
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export type Answer = ((params: unknown) => unknown) | object | string | number | boolean | null;

export class RpcTestServer {
  readonly calls: { method: string; params: unknown; token: string | undefined }[] = [];
  readonly #answers: Record<string, Answer>;
  #http?: Server;
  #wss?: WebSocketServer;
  #port = 0;

  /** `port` 0 (default) takes a free one. */
  constructor(answers: Record<string, Answer>, { port = 0 }: { port?: number } = {}) {
    this.#answers = answers;
    this.#port = port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** Listen (on a free port the first time, on the same port after a stop). */
  async start(): Promise<void> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws, req) => {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      ws.on('message', (data) => this.#onMessage(ws, data.toString(), token));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const addr = http.address();
    this.#port = typeof addr === 'object' && addr ? addr.port : 0;
    this.#http = http;
    this.#wss = wss;
  }

  /** Go away abruptly, like a killed daemon. */
  async stop(): Promise<void> {
    for (const ws of this.#wss?.clients ?? []) ws.terminate();
    await new Promise<void>((r) => this.#wss?.close(() => r()) ?? r());
    await new Promise<void>((r) => this.#http?.close(() => r()) ?? r());
    this.#wss = undefined;
    this.#http = undefined;
  }

  push(method: string, params: unknown): void {
    for (const ws of this.#wss?.clients ?? []) ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  #onMessage(ws: WebSocket, text: string, token: string | undefined): void {
    const msg = JSON.parse(text) as { id: number; method: string; params: unknown };
    this.calls.push({ method: msg.method, params: msg.params, token });
    if (!(msg.method in this.#answers)) {
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: msg.id,
          error: { code: -32601, message: `unknown method "${msg.method}"`, data: { code: 'METHOD_UNKNOWN' } },
        }),
      );
      return;
    }
    const a = this.#answers[msg.method];
    const result = typeof a === 'function' ? (a as (p: unknown) => unknown)(msg.params) : a;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
  }
}
