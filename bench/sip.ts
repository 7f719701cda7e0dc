// SIP stack throughput: sipp OPTIONS/s and INVITE/ACK/BYE calls/s against our stack (a UAS that
// answers every INVITE with a dummy SDP, no media). Our process is pinned to CPU 0 and sipp to
// CPU 1 (taskset) when there are two cores. Goals: >= 4,000 OPTIONS/s and >= 800 calls/s with 0
// failed. Run: npx tsx bench/sip.ts [seconds-per-step]
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SipStack } from '../daemon/sip/SipStack.js';
import { buildOffer } from '../daemon/sip/sdp.js';
import { silentLogger } from '../daemon/util/logger.js';
import { runSipp, startSippUas, type SippResult } from '../tests/peers/sipp.js';

interface UasStats {
  cpuMs: number;
  rssMb: number;
  dialogs: number;
}

/** The measured side: a SipStack answering everything. Talks to the driver over IPC. */
async function uas(): Promise<void> {
  const stack = await SipStack.start({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    userAgent: 'vcbridge-bench',
    log: silentLogger(),
    sessionTimer: false,
  });
  const sdp = buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMU', 'PCMA'] } });
  stack.on('invite', (inc) => void inc.accept(sdp).catch(() => undefined));
  process.on('message', (m: { cmd: string; port?: number; count?: number; concurrency?: number }) => {
    if (m.cmd === 'probe') {
      void probe(stack, m.port!, m.count!, m.concurrency!).then((r) => process.send?.(r));
    } else if (m.cmd === 'stats') {
      const u = process.cpuUsage();
      process.send?.({
        cpuMs: (u.user + u.system) / 1000,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        dialogs: stack.stats().dialogs,
      } satisfies UasStats);
    } else if (m.cmd === 'stop') {
      void stack.close().then(() => process.exit(0));
    }
  });
  process.send?.({ ports: stack.ports });
}

/** SipStack.options() as fast as `concurrency` outstanding probes allow. */
async function probe(
  stack: SipStack,
  port: number,
  count: number,
  concurrency: number,
): Promise<{ perSecond: number; ok: number; failed: number; cpu: number }> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const r = await stack.options({ uri: `sip:probe@127.0.0.1:${port}`, transport: 'udp' }, { timeoutMs: 2000 });
      if (r.ok) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { perSecond: (ok / ms) * 1000, ok, failed, cpu: (c.user + c.system) / 1000 / ms };
}

function ask(child: ChildProcess): Promise<UasStats> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as UasStats));
    child.send({ cmd: 'stats' });
  });
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function driver(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const pin = availableParallelism() >= 2 && hasTaskset();
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, ['--uas'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ ports: { udp: number; tcp: number } }>((resolve) =>
    child.once('message', (m) => resolve(m as { ports: { udp: number; tcp: number } })),
  );
  if (pin) execFileSync('taskset', ['-p', '-c', '0', String(child.pid)], { stdio: 'ignore' });
  console.log(
    `our stack: pid ${child.pid} ${pin ? 'pinned to CPU 0' : '(not pinned)'}; sipp ${pin ? 'on CPU 1' : 'unpinned'}; ${seconds} s per step`,
  );
  console.log('scenario         target/s  done/s  successful  failed  retrans  our CPU  RSS MB');
  const rows: { scenario: string; rate: number; r: SippResult; cpu: number; rss: number }[] = [];
  const step = async (
    scenario: 'options' | 'invite-bye',
    rate: number,
    transport: 'udp' | 'tcp' = 'udp',
  ): Promise<void> => {
    const before = await ask(child);
    const r = await runSipp({
      port: ready.ports[transport],
      transport,
      scenario,
      rate,
      count: rate * seconds,
      cpu: pin ? 1 : undefined,
    });
    const after = await ask(child);
    const cpu = (after.cpuMs - before.cpuMs) / Math.max(1, r.elapsedMs);
    rows.push({ scenario, rate, r, cpu, rss: after.rssMb });
    const name = `${scenario}/${transport}`;
    console.log(
      `${name.padEnd(16)} ${String(rate).padStart(8)}  ${r.perSecond.toFixed(0).padStart(6)}  ${String(r.successful).padStart(10)}  ${String(r.failed).padStart(6)}  ${String(r.retransmissions).padStart(7)}  ${(cpu * 100).toFixed(0).padStart(6)}%  ${after.rssMb.toFixed(0).padStart(6)}`,
    );
  };
  try {
    for (const rate of [2000, 4000, 6000]) await step('options', rate);
    for (const rate of [400, 800, 1200, 1600]) await step('invite-bye', rate);
    await step('invite-bye', 400, 'tcp');
    // the other direction: our options() probes (what the health monitor calls) against sipp as UAS
    const peer = await startSippUas({ cpu: pin ? 1 : undefined });
    for (const concurrency of [64, 256]) {
      const r = await new Promise<{ perSecond: number; ok: number; failed: number; cpu: number }>((resolve) => {
        child.once('message', (m) => resolve(m as { perSecond: number; ok: number; failed: number; cpu: number }));
        child.send({ cmd: 'probe', port: peer.port, count: 4000 * seconds, concurrency });
      });
      console.log(
        `${`probe x${concurrency}`.padEnd(16)} ${'-'.padStart(8)}  ${r.perSecond.toFixed(0).padStart(6)}  ${String(r.ok).padStart(10)}  ${String(r.failed).padStart(6)}  ${'-'.padStart(7)}  ${(r.cpu * 100).toFixed(0).padStart(6)}%`,
      );
      rows.push({
        scenario: 'probe',
        rate: 0,
        r: {
          successful: r.ok,
          failed: r.failed,
          retransmissions: 0,
          elapsedMs: 0,
          perSecond: r.perSecond,
          exitCode: 0,
          output: '',
        },
        cpu: r.cpu,
        rss: 0,
      });
    }
    await peer.stop();
  } finally {
    child.send({ cmd: 'stop' });
  }
  const best = (s: string): number =>
    Math.max(0, ...rows.filter((x) => x.scenario === s && x.r.failed === 0).map((x) => x.r.perSecond));
  console.log(
    `\nbest clean (0 failed): ${best('options').toFixed(0)} OPTIONS/s answered (goal 4000), ${best('invite-bye').toFixed(0)} calls/s (goal 800), ${best('probe').toFixed(0)} options() probes/s sent`,
  );
}

if (process.argv.includes('--uas')) void uas();
else void driver();
