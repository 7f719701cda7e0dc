// `npm run demo`: the product on the example site. Starts vcbridged on configs/gongyi.example.yaml
// (state in a temp dir), shows its status, and keeps it running until Ctrl-C.
// `npm run demo -- --once` shows the status and stops (used to check the demo works).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const once = process.argv.includes('--once');
const config = 'configs/gongyi.example.yaml';
const dataDir = join(tmpdir(), 'vcbridge-demo');
const url = 'ws://127.0.0.1:7443';
const token = 'demo-token-gongyi';
mkdirSync(dataDir, { recursive: true });

const daemon = spawn(process.execPath, ['dist/vcbridged.js', '--config', config, '--data-dir', dataDir, '--log-file', join(dataDir, 'vcbridged.log')], { stdio: 'inherit' });
const stop = () => {
  if (daemon.exitCode === null) daemon.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

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
console.log(`\nTry it from another terminal:\n  export VCBRIDGE_TOKEN=${token}\n  node dist/vcbridge.js status\n  node dist/vcbridge.js audit\n`);
if (once) stop();
else console.log('Ctrl-C stops the demo.');
daemon.on('exit', (code) => process.exit(code ?? 0));
