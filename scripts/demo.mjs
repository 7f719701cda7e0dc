// `npm run demo`: the product on the example site. Starts vcbridged on configs/gongyi.example.yaml
// (state in a temp dir), a few baresip room systems on the example's 127.0.x.y addresses (towns,
// and the upstream MCU behind a kamailio registrar), starts a conference among them, shows its
// status, and keeps everything running until Ctrl-C.
// `npm run demo -- --once` does the same, shows the meeting and stops (used to check the demo works).
// `--no-rooms` skips the room systems and the conference.
//
// Every process the demo starts is gone when it returns, however it is stopped (Ctrl-C, SIGTERM,
// the daemon dying, an error here): the daemon and the room systems each run in a process group
// of their own (a terminal's Ctrl-C reaches only the demo, which stops them in order: the daemon
// first so its BYEs find the rooms, then the rooms), and whatever is left of either group after a
// grace period is killed as a group.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const once = process.argv.includes('--once');
const withRooms = !process.argv.includes('--no-rooms');
const DEMO_TOWNS = ['mihe', 'xinzhong', 'xiaoguan'];
const DEMO_UPSTREAM = 'zhengzhou';
const config = 'configs/gongyi.example.yaml';
const dataDir = join(tmpdir(), 'vcbridge-demo');
const url = 'ws://127.0.0.1:7443';
const token = 'demo-token-gongyi';
/** How long the daemon and the rooms get to stop by themselves before their group is killed. */
const GRACE_MS = 10_000;
mkdirSync(dataDir, { recursive: true });

const exited = (child) =>
  new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const groups = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') console.error(`demo: cannot signal process group ${child.pid}: ${err.message}`);
  }
}
/** SIGTERM to the group's leader, then after GRACE_MS SIGKILL to the whole group. */
async function stopGroup(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.race([exited(child), sleep(GRACE_MS)]);
  killGroup(child, 'SIGKILL'); // stragglers: kamailio's workers, a mediasoup worker
}

const daemon = spawn(
  process.execPath,
  ['dist/vcbridged.js', '--config', config, '--data-dir', dataDir, '--log-file', join(dataDir, 'vcbridged.log')],
  { stdio: 'inherit', detached: true },
);
groups.add(daemon);
let peers;
let stopping;
const stop = (code = 0) =>
  (stopping ??= (async () => {
    await stopGroup(daemon);
    if (peers) await stopGroup(peers);
    process.exit(code);
  })());
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));
daemon.once('exit', (code, signal) => {
  if (!stopping)
    console.error(`vcbridged exited (${signal ?? code}); stopping the demo (log: ${join(dataDir, 'vcbridged.log')})`);
  void stop(code ?? 1);
});
// the last resort (an error here, process.exit): nothing may outlive the demo
process.on('exit', () => {
  for (const g of groups) killGroup(g, 'SIGKILL');
});
process.on('uncaughtException', (err) => {
  console.error(`demo: ${err.stack ?? err}`);
  void stop(1);
});

/** A CLI call; asynchronous so that Ctrl-C is handled while it runs. */
const env = { ...process.env, VCBRIDGE_URL: url, VCBRIDGE_TOKEN: token };
function cli(args, { capture = false } = {}) {
  const child = spawn(process.execPath, ['dist/vcbridge.js', ...args], {
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env,
  });
  let out = '';
  if (capture) {
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
  }
  return exited(child).then(() => ({ status: child.exitCode, out }));
}

const up = () =>
  new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('error', () => resolve(false));
  });
for (let i = 0; i < 300 && !stopping && !(await up()); i++) await sleep(100);
if (stopping) await stopping;
console.log(`\nvcbridged is running on the example site (log: ${join(dataDir, 'vcbridged.log')})\n`);
await cli(['status']);
let confId;
if (withRooms && !stopping) {
  peers = spawn(
    process.execPath,
    ['scripts/demo-peers.mjs', JSON.stringify({ configFile: config, towns: DEMO_TOWNS, upstream: DEMO_UPSTREAM })],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true },
  );
  groups.add(peers);
  const started = await new Promise((resolve) => {
    peers.once('message', resolve);
    peers.once('exit', () => resolve({ error: 'the room process exited' }));
  });
  if (started.error) {
    console.error(`the demo room systems could not start (${started.error}); the daemon runs without them`);
  } else if (!stopping) {
    console.log(
      `\nroom systems up: ${DEMO_TOWNS.join(', ')} (baresip on 127.0.1.x), ${DEMO_UPSTREAM} (kamailio on 127.0.4.1 + an MCU on 127.0.4.2)\n`,
    );
    const r = await cli(
      [
        'conf',
        'start',
        '--title',
        '周例会 (demo)',
        '--endpoints',
        DEMO_TOWNS.join(','),
        '--upstream',
        DEMO_UPSTREAM,
        '--chair',
        DEMO_TOWNS[0],
        '--mode',
        'voice',
        '--wait',
        '20',
        '--json',
      ],
      { capture: true },
    );
    if (r.status === 0) {
      confId = JSON.parse(r.out).id;
      await cli(['conf', 'show', confId]);
    } else if (!stopping) {
      console.error(`could not start the demo conference: ${r.out.trim()}`);
    }
  }
}
if (stopping) await stopping;
console.log(
  `\nTry it from another terminal:\n  export VCBRIDGE_TOKEN=${token}\n  node dist/vcbridge.js status\n  node dist/vcbridge.js conf list${confId ? `\n  node dist/vcbridge.js conf show ${confId}\n  node dist/vcbridge.js conf floor ${confId} xiaoguan\n  node dist/vcbridge.js conf mute ${confId} xinzhong` : ''}\n  node dist/vcbridge.js audit\n`,
);
if (once) await stop(0);
else if (process.stdout.isTTY && process.stdin.isTTY) {
  // On a terminal the demo opens the operator console on the meeting; leaving it (q) ends the demo.
  await sleep(1500);
  await cli(['console', ...(confId ? ['--screen', 'conference'] : [])]);
  await stop(0);
} else console.log('Ctrl-C stops the demo.');
