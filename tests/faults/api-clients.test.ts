// 1,000 control API clients connect, subscribe, call and leave (half close politely, half just drop
// the TCP connection) against the built daemon. Its open file descriptors (/proc/PID/fd) must come
// back to where they were and its JS heap, measured after a full GC through the inspector, must not
// keep what the clients left behind.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { openFds } from './helpers.js';
import { sleep, until } from '../helpers/wait.js';

let d: RunningDaemon;
const replies = { served: 0, limited: 0 };

beforeAll(async () => {
  d = await startDaemon({ env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } });
}, 30_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
});

/** One client's life: connect, subscribe, one call, then leave (politely or not). */
function client(i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(d.url, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    const done = (): void => resolve();
    ws.once('error', done);
    ws.once('close', done);
    ws.once('open', () => {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { topics: ['*'] } }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'status' }));
    });
    let got = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { data?: { code?: string } } };
      if (m.id === 2) {
        if (m.result) replies.served++;
        else if (m.error?.data?.code === 'RATE_LIMITED') replies.limited++;
      }
      if (++got < 2) return;
      if (i % 2 === 0) ws.close();
      else {
        ws.terminate();
        done();
      }
    });
  });
}

async function waves(n: number, concurrency: number): Promise<void> {
  for (let i = 0; i < n; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, (_, k) => client(i + k)));
    // stay under the per-address API budget (200 calls/s), so every client is really served
    await sleep(150);
  }
}

/** The daemon's JS heap in use right after a full garbage collection, asked through its inspector
 *  (the daemon runs with --inspect on a free loopback port). */
async function heapUsed(): Promise<number> {
  const url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(d.output())?.[1];
  if (!url) throw new Error(`no inspector URL in the daemon output:\n${d.output().slice(0, 2000)}`);
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const send = (method: string): Promise<any> =>
    new Promise((resolve) => {
      const my = ++id;
      const onMessage = (data: WebSocket.RawData): void => {
        const m = JSON.parse(data.toString()) as { id?: number; result?: unknown };
        if (m.id !== my) return;
        ws.off('message', onMessage);
        resolve(m.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: my, method }));
    });
  try {
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    return ((await send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
  } finally {
    ws.close();
  }
}

describe('many API clients come and go', () => {
  it('1,000 clients connecting and leaving leave no file descriptors and no heap behind', async () => {
    const pid = d.proc.pid!;
    await waves(100, 25); // warm-up: lazily built things (JIT, pools) are not a leak
    await sleep(500);
    const fds0 = openFds(pid);
    const heap0 = await heapUsed();
    const t0 = Date.now();
    await waves(1000, 25);
    const took = Date.now() - t0;
    await until('connections closed on the daemon side', () => openFds(pid) <= fds0 + 2, 5000);
    const heap1 = await heapUsed();
    const fds1 = openFds(pid);
    expect(fds1 - fds0, `fds ${fds0} → ${fds1}`).toBeLessThanOrEqual(2);
    expect(heap1 - heap0, `heap ${(heap0 / 1e6).toFixed(1)} MB → ${(heap1 / 1e6).toFixed(1)} MB`).toBeLessThan(
      2_000_000,
    );
    // the daemon still serves, and counted every call
    const metrics = await (await fetch(`http://127.0.0.1:${d.apiPort}/metrics`)).text();
    expect(replies.served + replies.limited, 'every client got its answer').toBe(1100);
    expect(replies.served).toBeGreaterThan(900);
    expect(Number(/^vcbridge_api_calls_total\{method="status",result="ok"\} (\d+)$/m.exec(metrics)?.[1])).toBe(
      replies.served,
    );
    console.log(
      `1,000 clients in ${took} ms; fds ${fds0} → ${fds1}; heap after GC ${(heap0 / 1e6).toFixed(2)} → ${(heap1 / 1e6).toFixed(2)} MB`,
    );
  }, 60_000);
});
