// `vcbridge status --json` wall time against a running daemon (goal ≤ 300 ms). Run: npx tsx bench/status.ts
import { spawnSync } from 'node:child_process';
import { CLI_JS, TOKENS, startDaemon } from '../tests/helpers/daemon.js';

const RUNS = Number(process.env.RUNS ?? 20);
const d = await startDaemon();
try {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI_JS, 'status', '--json', '--url', d.url, '--token', TOKENS.viewer], {
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`status failed: ${r.stderr}`);
    JSON.parse(r.stdout);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
  console.log(
    `vcbridge status --json wall time over ${RUNS} runs: median ${q(0.5)} ms, p90 ${q(0.9)} ms, min ${q(0)} ms, max ${q(0.999)} ms`,
  );
} finally {
  await d.stop();
}
