// Benchmark: how fast the operator gets a picture.
//  1. `vcbridge` (no command) in a pseudo-terminal → first frame of the console, and → first frame
//     showing the daemon's data (site name), over N runs.
//  2. `vcbridge status --json` wall time over N runs (goal ≤ 300 ms).
// Against a real daemon started on free ports with a temp config. Build first: node scripts/build.mjs
// Run: npx tsx bench/console.ts [--runs 20]
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { CLI_JS, ROOT, TOKENS, startDaemon } from '../tests/helpers/daemon.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return `min ${q(0).toFixed(0)}  median ${q(0.5).toFixed(0)}  p90 ${q(0.9).toFixed(0)}  max ${q(1).toFixed(0)} ms`;
}

/** One console start in a pty (util-linux `script`): ms to the first frame and to the site name. */
function consoleRun(url: string, site: string): Promise<{ frame: number; data: number }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, CLI_JS, '--url', url, '--token', TOKENS.operator, '--lang', 'en'].join(' ');
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, COLUMNS: '120', LINES: '40', TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let frame = 0;
    let done = false;
    // the pty may be gone by the time 'q' is written; that is the end we wanted anyway
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no frame with "${site}" within 15 s; output:\n${out.slice(-2000)}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // the tab bar is the console's first frame; the site name arrives with the status call
      if (!frame && out.includes('1 Overview')) frame = performance.now() - t0;
      if (frame && !done && out.includes(site)) {
        done = true;
        const data = performance.now() - t0;
        clearTimeout(timer);
        child.stdin.write('q');
        child.once('exit', () => resolve({ frame, data }));
        setTimeout(() => child.kill('SIGTERM'), 2000).unref();
      }
    });
    child.once('error', reject);
  });
}

function statusRun(url: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI_JS, 'status', '--json', '--url', url, '--token', TOKENS.operator], {
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`status --json failed (${r.status}): ${r.stdout}${r.stderr}`);
  JSON.parse(r.stdout);
  return ms;
}

const daemon = await startDaemon();
// Even if the benchmark dies on an uncaught error, the daemon it started must not outlive it.
process.once('exit', () => {
  if (daemon.proc.exitCode === null) daemon.proc.kill('SIGTERM');
});
try {
  const site = 'Test site';
  await consoleRun(daemon.url, site); // warm the file cache
  const frames: number[] = [];
  const datas: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await consoleRun(daemon.url, site);
    frames.push(r.frame);
    datas.push(r.data);
  }
  statusRun(daemon.url);
  const status = Array.from({ length: runs }, () => statusRun(daemon.url));
  console.log(`vcbridge console, ${runs} runs in a pty (script), against a running daemon:`);
  console.log(`  start → first frame            ${stats(frames)}`);
  console.log(`  start → daemon data on screen  ${stats(datas)}`);
  console.log(`vcbridge status --json, ${runs} runs (goal ≤ 300 ms):`);
  console.log(`  wall time                      ${stats(status)}`);
  const median = [...status].sort((a, b) => a - b)[Math.floor(status.length / 2)] ?? Infinity;
  console.log(`  goal ${median <= 300 ? 'met' : 'MISSED'} (median ${median.toFixed(0)} ms)`);
} finally {
  await daemon.stop();
}
