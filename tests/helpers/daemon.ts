import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import WebSocket from 'ws';
import { freePort } from './ports.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DAEMON_JS = join(ROOT, 'dist', 'vcbridged.js');
export const CLI_JS = join(ROOT, 'dist', 'vcbridge.js');

export const TOKENS = {
  operator: 'op-secret-token',
  technician: 'tech-secret-token',
  viewer: 'viewer-secret-token',
} as const;
const hash = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;

/** A small valid site config; `extra` is merged on top (shallowly, per top-level key). */
export function testConfig(
  apiPort: number,
  sipPort: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    site: { name: 'Test site', timezone: 'Asia/Shanghai' },
    sip: {
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: sipPort },
        { transport: 'tcp', host: '127.0.0.1', port: sipPort },
      ],
    },
    api: { host: '127.0.0.1', port: apiPort },
    // Below the OS's ephemeral range (freePort) and the peers' port runs (21000-32700, freePortRun).
    media: { rtpPorts: { min: 10000, max: 14999 }, relayPorts: { min: 15000, max: 19999 } },
    groups: [{ id: 'towns', name: { zh: '乡镇', en: 'Towns' } }],
    operators: [
      { name: 'alice', role: 'operator', tokenHash: hash(TOKENS.operator) },
      { name: 'tom', role: 'technician', tokenHash: hash(TOKENS.technician) },
      { name: 'vera', role: 'viewer', tokenHash: hash(TOKENS.viewer) },
    ],
    endpoints: [
      {
        id: 'xiaoguan',
        name: { zh: '小关镇', en: 'Xiaoguan' },
        kind: 'town',
        uri: 'sip:xiaoguan@127.0.0.1:5999',
        groups: ['towns'],
      },
    ],
    ...extra,
  };
}

export interface RunningDaemon {
  proc: ChildProcess;
  url: string;
  apiPort: number;
  sipPort: number;
  dir: string;
  configFile: string;
  dataDir: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start the built daemon on free ports with a temp config and data dir; resolves when its API answers. */
export async function startDaemon(
  opts: {
    config?: Record<string, unknown>;
    dir?: string;
    env?: NodeJS.ProcessEnv;
    /** Another copy of the built daemon (default dist/vcbridged.js). */
    daemonJs?: string;
  } = {},
): Promise<RunningDaemon> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vcb-daemon-'));
  const configFile = join(dir, 'site.yaml');
  let apiPort: number;
  let sipPort: number;
  if (opts.config) {
    writeFileSync(configFile, stringify(opts.config));
    apiPort = (opts.config.api as { port: number }).port;
    sipPort = ((opts.config.sip as { listen: { port: number }[] }).listen[0] as { port: number }).port;
  } else if (existsSync(configFile)) {
    const text = readFileSync(configFile, 'utf8');
    apiPort = Number(/port: (\d+)/.exec(text.slice(text.indexOf('api:')))?.[1]);
    sipPort = Number(/port: (\d+)/.exec(text.slice(text.indexOf('sip:')))?.[1]);
  } else {
    apiPort = await freePort();
    sipPort = await freePort();
    writeFileSync(configFile, stringify(testConfig(apiPort, sipPort)));
  }
  const dataDir = join(dir, 'data');
  const proc = spawn(process.execPath, [opts.daemonJs ?? DAEMON_JS, '--config', configFile, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VCBRIDGE_LOG_LEVEL: 'debug', ...opts.env },
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `ws://127.0.0.1:${apiPort}`;
  const d: RunningDaemon = {
    proc,
    url,
    apiPort,
    sipPort,
    dir,
    configFile,
    dataDir,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`daemon exited ${proc.exitCode} during start:\n${out}`);
    if (await canConnect(url)) return d;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not answer within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('error', () => resolve(false));
  });
}

/** A raw JSON-RPC connection for tests that need to send malformed frames. */
export async function rawConnect(
  url: string,
  token?: string,
  extraHeaders: Record<string, string> = {},
): Promise<{
  ws: WebSocket;
  send: (frame: string) => Promise<unknown>;
  call: (method: string, params?: unknown) => Promise<any>;
  notifications: unknown[];
  close: () => void;
}> {
  const ws = new WebSocket(url, {
    headers: { ...extraHeaders, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const queue: ((v: unknown) => void)[] = [];
  const notifications: unknown[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (!Array.isArray(msg) && msg.method && msg.id === undefined) notifications.push(msg);
    else queue.shift()?.(msg);
  });
  const send = (frame: string) =>
    new Promise<unknown>((res) => {
      queue.push(res);
      ws.send(frame);
    });
  let id = 1;
  return {
    ws,
    send,
    notifications,
    close: () => ws.close(),
    call: (method, params) => send(JSON.stringify({ jsonrpc: '2.0', id: id++, method, params })),
  };
}

/** Run the built CLI (dist/vcbridge.js) against a daemon as `token`; resolves with what it printed, never throws.
 *  `env` is added to this process's environment (e.g. its own XDG_CONFIG_HOME). */
export function runCli(
  url: string,
  args: string[],
  token: string = TOKENS.operator,
  timeoutMs = 60_000,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_JS, '--url', url, '--token', token, ...args],
      { timeout: timeoutMs, ...(env ? { env: { ...process.env, ...env } } : {}) },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Run the built CLI to its end with its own empty XDG_CONFIG_HOME (no url/token/lang settings file);
 *  `env` is added on top. */
export function cliSync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI_JS, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'vcb-xdg-')), ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
