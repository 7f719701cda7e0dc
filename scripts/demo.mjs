// `npm run demo`: the product on the example site. Starts vcbridged on configs/gongyi.example.yaml
// (state in a temp dir), a few baresip room systems on the example's 127.0.x.y addresses (towns,
// and the upstream MCU behind a kamailio registrar), starts a conference among them, shows its
// status, and keeps everything running until Ctrl-C.
// `npm run demo -- --once` does the same, shows the meeting and stops (used to check the demo works).
// `--no-rooms` skips the room systems and the conference.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { tsImport } from 'tsx/esm/api';

const once = process.argv.includes('--once');
const withRooms = !process.argv.includes('--no-rooms');
const DEMO_TOWNS = ['mihe', 'xinzhong', 'xiaoguan'];
const DEMO_UPSTREAM = 'zhengzhou';
const config = 'configs/gongyi.example.yaml';
const dataDir = join(tmpdir(), 'vcbridge-demo');
const url = 'ws://127.0.0.1:7443';
const token = 'demo-token-gongyi';
mkdirSync(dataDir, { recursive: true });

const daemon = spawn(process.execPath, ['dist/vcbridged.js', '--config', config, '--data-dir', dataDir, '--log-file', join(dataDir, 'vcbridged.log')], { stdio: 'inherit' });
let peers;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  // the daemon first: it ends the conference with BYE while the rooms are still there to answer
  if (daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((r) => (daemon.exitCode === null ? daemon.once('exit', r) : r()));
  }
  await peers?.stop().catch((err) => console.error(`stopping the demo rooms: ${err.message}`));
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

const up = () => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.once('open', () => { ws.close(); resolve(true); });
  ws.once('error', () => resolve(false));
});
for (let i = 0; i < 100 && daemon.exitCode === null && !(await up()); i++) await new Promise((r) => setTimeout(r, 100));
if (daemon.exitCode !== null) {
  console.error(`vcbridged exited (${daemon.exitCode}); see ${join(dataDir, 'vcbridged.log')}`);
  process.exit(1);
}
const env = { ...process.env, VCBRIDGE_URL: url, VCBRIDGE_TOKEN: token };
const cli = (...args) => spawnSync(process.execPath, ['dist/vcbridge.js', ...args], { stdio: 'inherit', env });
console.log(`\nvcbridged is running on the example site (log: ${join(dataDir, 'vcbridged.log')})\n`);
cli('status');
let confId;
if (withRooms) {
  try {
    const { startDemoPeers } = await tsImport('../tests/peers/demoPeers.ts', import.meta.url);
    peers = await startDemoPeers({ configFile: config, towns: DEMO_TOWNS, upstream: DEMO_UPSTREAM });
    console.log(`\nroom systems up: ${DEMO_TOWNS.join(', ')} (baresip on 127.0.1.x), ${DEMO_UPSTREAM} (kamailio on 127.0.4.1 + an MCU on 127.0.4.2)\n`);
    const r = spawnSync(process.execPath, ['dist/vcbridge.js', 'conf', 'start', '--title', '周例会 (demo)', '--endpoints', DEMO_TOWNS.join(','),
      '--upstream', DEMO_UPSTREAM, '--chair', DEMO_TOWNS[0], '--mode', 'voice', '--wait', '20', '--json'], { env, encoding: 'utf8' });
    if (r.status === 0) {
      confId = JSON.parse(r.stdout).id;
      cli('conf', 'show', confId);
    } else {
      console.error(`could not start the demo conference: ${(r.stderr || r.stdout).trim()}`);
    }
  } catch (err) {
    console.error(`the demo room systems could not start (${err.message}); the daemon runs without them`);
  }
}
console.log(`\nTry it from another terminal:\n  export VCBRIDGE_TOKEN=${token}\n  node dist/vcbridge.js status\n  node dist/vcbridge.js conf list${confId ? `\n  node dist/vcbridge.js conf show ${confId}\n  node dist/vcbridge.js conf floor ${confId} xiaoguan\n  node dist/vcbridge.js conf mute ${confId} xinzhong` : ''}\n  node dist/vcbridge.js audit\n`);
if (once) await stop();
else if (process.stdout.isTTY && process.stdin.isTTY) {
  // On a terminal the demo opens the operator console on the meeting; leaving it (q) ends the demo.
  await new Promise((r) => setTimeout(r, 1500));
  const args = ['dist/vcbridge.js', 'console', ...(confId ? ['--screen', 'conference'] : [])];
  spawnSync(process.execPath, args, { stdio: 'inherit', env });
  await stop();
} else console.log('Ctrl-C stops the demo.');
daemon.on('exit', (code) => {
  void (async () => {
    await stop();
    process.exit(code ?? 0);
  })();
});
