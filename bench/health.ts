// The health monitor with 2,000 endpoints answered by a responder process on 127.0.x.y:
// CPU share of one core on the daemon side (goal ≤ 5 % at a 10 s interval) and the time to detect
// an endpoint that goes silent (goal: within 2 intervals; within 5 s when in a meeting).
// Run: npx tsx bench/health.ts   (env: N=2000 INTERVAL_S=10 MEASURE_S=60)
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Endpoint } from '../daemon/config/schema.js';
import { EndpointMonitor } from '../daemon/health/EndpointMonitor.js';
import type { EndpointStateChange, OptionsProber } from '../daemon/health/types.js';
import { Store } from '../daemon/store/Store.js';
import { systemClock } from '../daemon/util/clock.js';
import { silentLogger } from '../daemon/util/logger.js';
import { freePort } from '../tests/helpers/ports.js';
import { makeBenchProber } from './lib/health-prober.js';

const N = Number(process.env.N ?? 2000);
const INTERVAL_S = Number(process.env.INTERVAL_S ?? 10);
const MEASURE_S = Number(process.env.MEASURE_S ?? 60);
const SILENT_RUNS = Number(process.env.SILENT_RUNS ?? 3);

type Addr = { host: string; port: number };
/** 127.0.10.1 … : 250 addresses per /24, away from the 127.0.0.x others' tests use. */
const addrOf = (i: number, port: number): Addr => ({
  host: `127.0.${10 + Math.floor(i / 250)}.${1 + (i % 250)}`,
  port,
});

function ask<T>(child: ChildProcess, msg: unknown, pick: (m: any) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const v = pick(m);
      if (v === undefined) return;
      child.off('message', on);
      resolve(v);
    };
    child.on('message', on);
    if (msg !== undefined) child.send(msg as object);
  });
}

async function startResponder(): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const addrs = Array.from({ length: N }, (_, i) => addrOf(i, port));
    const child = fork(join(import.meta.dirname, 'lib', 'health-responder.ts'), [JSON.stringify(addrs)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const r = await ask(child, undefined, (m) => (m.ready ? 'ok' : m.error ? `error: ${m.error}` : undefined));
    if (r === 'ok') return { child, port };
    child.kill();
    console.error(`responder could not bind on port ${port} (${r}); trying another`);
  }
  throw new Error('responder could not start');
}

/** PROFILE=file.cpuprofile: a V8 CPU profile of the steady-state window (for finding hot spots). */
async function startProfile(): Promise<{ stop: (file: string) => Promise<void> }> {
  const { Session } = await import('node:inspector/promises');
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  return {
    stop: async (file) => {
      const { profile } = await s.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      s.disconnect();
    },
  };
}

/** CPU ticks (1/100 s) per thread name of this process, from /proc (Linux). */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]);
      out.set(name, (out.get(name) ?? 0) + ticks);
    }
  } catch {
    // not Linux: the per-thread split is a diagnostic only
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), 'vc-bench-health-'));
const { child, port } = await startResponder();
const { prober: inner, kind, close: closeProber } = await makeBenchProber();
let probesSent = 0;
const prober: OptionsProber = {
  options: (t, o) => {
    probesSent++;
    return inner.options(t, o);
  },
};
const store = Store.open(join(dir, 'vcbridge.db'));
const endpoints = Array.from({ length: N }, (_, i) => {
  const a = addrOf(i, port);
  return Endpoint.parse({
    id: `e${i}`,
    name: { zh: `站点${i}`, en: `Site ${i}` },
    kind: 'town',
    uri: `sip:e${i}@${a.host}:${a.port}`,
  });
});
const monitor = new EndpointMonitor({
  prober,
  repo: store.health,
  clock: systemClock,
  log: silentLogger(),
  settings: { intervalSeconds: INTERVAL_S, timeoutMs: 2000, concurrency: 64, degradedRttMs: 300 },
});
const changes: (EndpointStateChange & { t: number })[] = [];
monitor.on('state', (c) => changes.push({ ...c, t: performance.now() }));

try {
  console.log(`health bench: ${N} endpoints on 127.0.10.1… port ${port}, interval ${INTERVAL_S} s, prober: ${kind}`);
  const t0 = performance.now();
  monitor.start(endpoints);
  await waitFor(() => monitor.counts().reachable === N, 60_000);
  console.log(`first round: all ${N} reachable after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Let the start-up burst spread out, then measure a steady state.
  await sleep(INTERVAL_S * 1000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const resp0 = await ask(child, { cpu: true }, (m) =>
    m.cpuMs !== undefined ? (m as { cpuMs: number; answered: number }) : undefined,
  );
  const sent0 = probesSent;
  const profiler = process.env.PROFILE ? await startProfile() : undefined;
  const th0 = threadTicks();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(MEASURE_S * 1000);
  const cpu = process.cpuUsage(c0);
  const wall = performance.now() - w0;
  if (profiler) await profiler.stop(process.env.PROFILE as string);
  const resp1 = await ask(child, { cpu: true }, (m) =>
    m.cpuMs !== undefined ? (m as { cpuMs: number; answered: number }) : undefined,
  );
  loop.disable();
  const share = ((cpu.user + cpu.system) / 1000 / wall) * 100;
  const probes = probesSent - sent0;
  console.log(
    `steady state over ${(wall / 1000).toFixed(0)} s: daemon side ${share.toFixed(2)} % of one core (goal ≤ 5 %; ` +
      `user ${(cpu.user / 10 / wall).toFixed(2)} %, system ${(cpu.system / 10 / wall).toFixed(2)} %), ${probes} probes (${(probes / (wall / 1000)).toFixed(0)}/s), answered by the responder ${resp1.answered - resp0.answered}, responder CPU ${(((resp1.cpuMs - resp0.cpuMs) / wall) * 100).toFixed(2)} %, ` +
      `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
  const th1 = threadTicks();
  const perThread = [...th1]
    .map(([k, v]) => [k, v - (th0.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
  if (perThread.length)
    console.log(
      `  by thread (% of one core): ${perThread.map(([k, v]) => `${k} ${(((v * 10) / wall) * 100).toFixed(2)}`).join(', ')}`,
    );
  const unstable = changes.filter((c) => c.t > w0);
  if (unstable.length) console.log(`  state changes during the steady state (should be none): ${unstable.length}`);

  // Detection: silence an endpoint at a random moment of its cycle.
  const detect: number[] = [];
  for (let k = 0; k < SILENT_RUNS; k++) {
    const i = Math.floor(Math.random() * N);
    await sleep(Math.random() * INTERVAL_S * 1000);
    await ask(child, { silence: addrOf(i, port) }, (m) => (m.silenced ? true : undefined));
    detect.push(await waitFor(() => monitor.snapshot(`e${i}`)?.state === 'unreachable', 4 * INTERVAL_S * 1000));
  }
  console.log(
    `silent endpoint detected unreachable after ${detect.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} (goal ≤ ${2 * INTERVAL_S} s)`,
  );

  const inCall: number[] = [];
  for (let k = 0; k < SILENT_RUNS; k++) {
    const i = Math.floor(Math.random() * N);
    monitor.setInCall(`e${i}`, true, 'bench');
    await sleep(2000 + Math.random() * 1000);
    await ask(child, { silence: addrOf(i, port) }, (m) => (m.silenced ? true : undefined));
    inCall.push(await waitFor(() => monitor.snapshot(`e${i}`)?.state === 'unreachable', 20_000));
  }
  console.log(
    `in a meeting: detected unreachable after ${inCall.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} (goal ≤ 5 s)`,
  );
} finally {
  monitor.close();
  await closeProber();
  store.close();
  child.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
