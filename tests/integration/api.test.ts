import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TOKENS, rawConnect, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '../../protocol/index.js';

let d: RunningDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(async () => {
  await d?.stop();
});

describe('control API: authentication and roles', () => {
  it('a call without a token fails with AUTH_REQUIRED and the connection stays usable', async () => {
    const c = await rawConnect(d.url);
    const r: any = await c.call('status');
    expect(r.error.data.code).toBe('AUTH_REQUIRED');
    const r2: any = await c.call('status');
    expect(r2.error.data.code).toBe('AUTH_REQUIRED');
    c.close();
  });

  it('a wrong token fails with AUTH_INVALID', async () => {
    const c = await rawConnect(d.url, 'not-a-real-token');
    const r: any = await c.call('status');
    expect(r.error.data.code).toBe('AUTH_INVALID');
    c.close();
  });

  it('each role sees status; a viewer may not stop the daemon (FORBIDDEN, audited)', async () => {
    for (const [role, token] of Object.entries(TOKENS)) {
      const c = await rawConnect(d.url, token);
      const r: any = await c.call('status');
      expect(r.result.you.role).toBe(role);
      expect(r.result.endpoints.total).toBe(1);
      c.close();
    }
    const v = await rawConnect(d.url, TOKENS.viewer);
    const r: any = await v.call('daemon.stop');
    expect(r.error.data.code).toBe('FORBIDDEN');
    expect(r.error.message).toMatch(/operator/);
    v.close();
    const op = await rawConnect(d.url, TOKENS.operator);
    const log: any = await op.call('audit.list', { limit: 10 });
    expect(
      log.result.some(
        (e: any) =>
          e.method === 'daemon.stop' && e.actor === 'vera' && e.result === 'error' && e.errorCode === 'FORBIDDEN',
      ),
    ).toBe(true);
    op.close();
  });
});

describe('control API: protocol version', () => {
  it('a client announcing another version is refused on every call, naming both; the same version and none are served', async () => {
    const other = await rawConnect(d.url, TOKENS.operator, { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION + 1) });
    for (const method of ['status', 'conference.list']) {
      const r: any = await other.call(method);
      expect(r.error.data.code).toBe('PROTOCOL_MISMATCH');
      expect(r.error.message).toContain(`control protocol "${PROTOCOL_VERSION + 1}"`);
      expect(r.error.message).toContain(`the daemon speaks ${PROTOCOL_VERSION}`);
    }
    other.close();
    const same = await rawConnect(d.url, TOKENS.operator, { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) });
    expect(((await same.call('status')) as any).result.you.role).toBe('operator');
    same.close();
    const silent = await rawConnect(d.url, TOKENS.operator);
    expect(((await silent.call('status')) as any).result.you.role).toBe('operator');
    silent.close();
  });
});

describe('control API: malformed requests', () => {
  it('malformed JSON, non-RPC objects, unknown methods and bad params each get their own error; the connection survives', async () => {
    const c = await rawConnect(d.url, TOKENS.operator);
    const bad: any = await c.send('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(bad.error.code).toBe(-32700);
    const notRpc: any = await c.send(JSON.stringify({ hello: 'world', id: 7 }));
    expect(notRpc.error.code).toBe(-32600);
    expect(notRpc.id).toBe(7);
    const unknown: any = await c.call('no.such.method');
    expect(unknown.error.code).toBe(-32601);
    expect(unknown.error.data.code).toBe('METHOD_UNKNOWN');
    const params: any = await c.call('audit.list', { limit: 'lots' });
    expect(params.error.code).toBe(-32602);
    expect(params.error.message).toMatch(/limit/);
    const extra: any = await c.call('audit.list', { bogus: true });
    expect(extra.error.data.code).toBe('PARAMS_INVALID');
    const batch: any = await c.send(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'status' },
        { jsonrpc: '2.0', id: 'b', method: 'nope' },
      ]),
    );
    expect(batch).toHaveLength(2);
    expect(batch[0].result.site).toBe('Test site');
    expect(batch[1].error.code).toBe(-32601);
    const ok: any = await c.call('status');
    expect(ok.result.site).toBe('Test site');
    c.close();
  });

  it('an oversized frame closes that connection only; the daemon keeps serving others', async () => {
    const c = await rawConnect(d.url, TOKENS.operator);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    c.ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    );
    expect(await closed).toBe(1009);
    const c2 = await rawConnect(d.url, TOKENS.operator);
    const r: any = await c2.call('status');
    expect(r.result.site).toBe('Test site');
    c2.close();
  });
});

describe('control API: notifications', () => {
  it('a subscriber gets daemon.reloaded after a SIGHUP; a non-subscriber does not', async () => {
    const sub = await rawConnect(d.url, TOKENS.viewer);
    const other = await rawConnect(d.url, TOKENS.viewer);
    const s: any = await sub.call('subscribe', { topics: ['daemon.*'] });
    expect(s.result.topics).toEqual(['daemon.*']);
    const got = new Promise<any>((resolve) =>
      sub.ws.on('message', (m) => {
        const msg = JSON.parse(m.toString());
        if (msg.method === 'daemon.reloaded') resolve(msg);
      }),
    );
    d.proc.kill('SIGHUP');
    const n = await got;
    expect(n.params.changes).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(other.notifications).toHaveLength(0);
    sub.close();
    other.close();
  });
});

it('a WebSocket with a garbage upgrade does not disturb the daemon', async () => {
  const ws = new WebSocket(d.url, { headers: { authorization: 'Basic xyz' } });
  await new Promise((r) => ws.once('open', r));
  ws.send(Buffer.from([0xff, 0xfe, 0x00]), { binary: true });
  await new Promise((r) => setTimeout(r, 100));
  ws.close();
  const c = await rawConnect(d.url, TOKENS.operator);
  expect(((await c.call('status')) as any).result.site).toBe('Test site');
  c.close();
});

it('GET /metrics serves Prometheus text that counts API calls by method and result', async () => {
  const c = await rawConnect(d.url, TOKENS.viewer);
  await c.call('status');
  await c.call('daemon.stop');
  c.close();
  const res = await fetch(`http://127.0.0.1:${d.apiPort}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toMatch(/vcbridge_api_calls_total\{method="status",result="ok"\} [1-9]/);
  expect(text).toMatch(/vcbridge_api_calls_total\{method="daemon.stop",result="error"\} [1-9]/);
  // the one configured endpoint, counted once: unknown until its first probe, then whatever that found
  // (a busy machine may have probed it already)
  const byState = [...text.matchAll(/^vcbridge_endpoints\{state="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);
  expect(byState.map(([state]) => state).sort()).toEqual(['degraded', 'reachable', 'unknown', 'unreachable']);
  expect(byState.reduce((sum, [, n]) => sum + Number(n), 0)).toBe(1);
  expect(text).toContain('vcbridge_conferences_active 0');
  expect((await fetch(`http://127.0.0.1:${d.apiPort}/nope`)).status).toBe(404);
});
