import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  cliSync,
  DAEMON_JS,
  TOKENS,
  rawConnect,
  startDaemon,
  testConfig,
  type RunningDaemon,
} from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

/** SIGKILL the daemon whose pid the data dir's lock names, if it still runs. */
function killFromLock(dataDir: string): void {
  const lock = join(dataDir, 'vcbridged.lock');
  const pid = existsSync(lock) ? Number.parseInt(readFileSync(lock, 'utf8'), 10) : NaN;
  if (!Number.isInteger(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // ESRCH: already stopped by the test
  }
}

const running: RunningDaemon[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop('SIGKILL')));
});

const cli = cliSync;

describe('daemon lifecycle', () => {
  it('SIGTERM stops the daemon gracefully: exit 0, lock released', async () => {
    const d = await startDaemon();
    running.push(d);
    const code = await d.stop('SIGTERM');
    expect(code).toBe(0);
    expect(existsSync(join(d.dataDir, 'vcbridged.lock'))).toBe(false);
    expect(d.output()).toMatch(/vcbridged stopped/);
  });

  it('SIGHUP with a broken config keeps the old one running; a good one is applied and its changes logged', async () => {
    const d = await startDaemon();
    running.push(d);
    const good = readFileSync(d.configFile, 'utf8');
    writeFileSync(d.configFile, good.replace('timezone: Asia/Shanghai', 'timezone: Mars/Olympus'));
    d.proc.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(d.output()).toMatch(/reload refused/);
    const c = await rawConnect(d.url, TOKENS.viewer);
    expect(((await c.call('status')) as any).result.timezone).toBe('Asia/Shanghai');
    writeFileSync(d.configFile, good.replace('name: Test site', 'name: Renamed site'));
    d.proc.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(((await c.call('status')) as any).result.site).toBe('Renamed site');
    c.close();
    expect(d.proc.exitCode).toBeNull();
  });

  it('a second daemon on the same data dir refuses to start, naming the pid holding it', async () => {
    const d = await startDaemon();
    running.push(d);
    const r = spawnSync(
      process.execPath,
      [DAEMON_JS, '--config', d.configFile, '--data-dir', d.dataDir, '--api-port', '0'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`in use by vcbridged pid ${d.proc.pid}`));
  });

  it('a control port already taken gives a clear error and exit 1', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'vcb-port-'));
      writeFileSync(join(dir, 'site.yaml'), stringify(testConfig(port, await freePort())));
      const r = spawnSync(
        process.execPath,
        [DAEMON_JS, '--config', join(dir, 'site.yaml'), '--data-dir', join(dir, 'data')],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`127.0.0.1:${port} is already in use`));
      expect(existsSync(join(dir, 'data', 'vcbridged.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('refuses to start on an invalid config, naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcb-bad-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'site:\n  name: x\noperators: []\nendpoints: 7\n');
    const r = spawnSync(process.execPath, [DAEMON_JS, '--config', file, '--data-dir', join(dir, 'data')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/endpoints/);
  });
});

describe('CLI', () => {
  it('status --json talks to the daemon with the token from the environment', async () => {
    const d = await startDaemon();
    running.push(d);
    const r = cli(['status', '--json', '--url', d.url], { VCBRIDGE_TOKEN: TOKENS.technician });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.you).toEqual({ name: 'tom', role: 'technician' });
    const flagWins = cli(['status', '--json', '--url', d.url, '--token', TOKENS.viewer], {
      VCBRIDGE_TOKEN: TOKENS.technician,
    });
    expect(JSON.parse(flagWins.out).you.name).toBe('vera');
  });

  it('the settings file supplies url and token when no flag or env does', async () => {
    const d = await startDaemon();
    running.push(d);
    const xdg = mkdtempSync(join(tmpdir(), 'vcb-xdg-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(xdg, 'vcbridge'));
    writeFileSync(join(xdg, 'vcbridge', 'config.yaml'), `url: ${d.url}\ntoken: ${TOKENS.operator}\n`);
    const r = cli(['status', '--json'], { XDG_CONFIG_HOME: xdg, VCBRIDGE_TOKEN: '', VCBRIDGE_URL: '' });
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).you.name).toBe('alice');
  });

  it('errors: unreachable daemon → exit 1 with a hint; --json prints {error:{code,message}}; usage → exit 2', async () => {
    const port = await freePort();
    const r = cli(['status', '--url', `ws://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the daemon.*vcbridged running/);
    const j = cli(['status', '--json', '--url', `ws://127.0.0.1:${port}`]);
    expect(JSON.parse(j.out).error.code).toBe('DAEMON_UNREACHABLE');
    expect(cli(['no-such-command']).code).toBe(2);
    expect(cli(['status', '--url', 'http://x']).code).toBe(2);
    expect(cli(['audit', '--limit', 'many']).code).toBe(2);
  });

  it('config check: the example config is valid; a broken one names file, line and field, exit 1', () => {
    const ok = cli(['config', 'check', 'configs/gongyi.example.yaml']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/valid/);
    const dir = mkdtempSync(join(tmpdir(), 'vcb-chk-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'site:\n  name: x\noperators:\n  - name: a\n    role: boss\n    tokenHash: nope\n');
    const bad = cli(['config', 'check', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${file}:5`);
    expect(bad.err).toMatch(/operators\[0\]\.role/);
  });

  it('daemon start / status / stop manage a background daemon', async () => {
    const apiPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vcb-bg-'));
    const cfg = join(dir, 'site.yaml');
    writeFileSync(cfg, stringify(testConfig(apiPort, await freePort())));
    const url = `ws://127.0.0.1:${apiPort}`;
    const dataDir = join(dir, 'data');
    const s = cli(['daemon', 'start', '--config', cfg, '--data-dir', dataDir, '--url', url]);
    try {
      expect(s.code, s.err).toBe(0);
      const st = cli(['daemon', 'status', '--data-dir', dataDir, '--url', url, '--json']);
      expect(JSON.parse(st.out).running).toBe(true);
      const again = cli(['daemon', 'start', '--config', cfg, '--data-dir', dataDir, '--url', url]);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/already running/);
      const stop = cli(['daemon', 'stop', '--data-dir', dataDir]);
      expect(stop.code, stop.err).toBe(0);
      expect(cli(['daemon', 'status', '--data-dir', dataDir]).code).toBe(1);
    } finally {
      killFromLock(dataDir); // a failed step must not leave the background daemon running for the rest of the suite
    }
  });

  it('daemon install --root stages the systemd unit (unprivileged user, restart on failure, state dir) and the config', () => {
    const root = mkdtempSync(join(tmpdir(), 'vcb-root-'));
    const r = cli(['daemon', 'install', '--root', root, '--config', 'configs/gongyi.example.yaml', '--json']);
    expect(r.code, r.err).toBe(0);
    const unit = readFileSync(join(root, 'etc/systemd/system/vcbridged.service'), 'utf8');
    expect(unit).toMatch(/^User=vcbridge$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/--data-dir \/var\/lib\/vcbridge/);
    expect(unit).toContain(process.execPath);
    expect(unit).not.toMatch(/@(NODE|PREFIX)@/);
    expect(existsSync(join(root, 'etc/vcbridge/site.yaml'))).toBe(true);
    expect(existsSync(join(root, 'var/lib/vcbridge'))).toBe(true);
  });

  it('warns loudly when the published demo token is accepted on a non-loopback bind, and not on loopback', async () => {
    const { createHash } = await import('node:crypto');
    const demoHash = `sha256:${createHash('sha256').update('demo-token-gongyi').digest('hex')}`;
    for (const host of ['0.0.0.0', '127.0.0.1']) {
      const apiPort = await freePort();
      const cfg = testConfig(apiPort, await freePort());
      cfg.api = { host, port: apiPort };
      (cfg.operators as unknown[]).push({ name: 'demo', role: 'operator', tokenHash: demoHash });
      const d = await startDaemon({ config: cfg });
      running.push(d);
      // traffic stays on loopback: a 0.0.0.0 bind is reached through 127.0.0.1
      const c = await rawConnect(`ws://127.0.0.1:${apiPort}`, 'demo-token-gongyi');
      expect(((await c.call('status')) as any).result.you.name).toBe('demo');
      c.close();
      await new Promise((r) => setTimeout(r, 200));
      if (host === '0.0.0.0') expect(d.output()).toMatch(/PUBLISHED DEMO TOKEN was accepted on a non-loopback address/);
      else expect(d.output()).not.toMatch(/PUBLISHED DEMO TOKEN/);
    }
  });
});
