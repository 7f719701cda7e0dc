import { Command } from 'commander';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ApiClient } from '../client.js';
import { globals, parseOptions, type Globals } from '../context.js';
import { CliError } from '../errors.js';
import { isAlive, spawnDaemon } from '../daemonProcess.js';
import { checkConfigFile, configRefusal } from './config.js';
import { print } from '../output.js';
import { install } from './install.js';

/** Same default as vcbridged's own (VCBRIDGE_DATA_DIR, /var/lib/vcbridge for root, else ~/.local/state). */
function defaultDataDir(): string {
  if (process.env.VCBRIDGE_DATA_DIR) return process.env.VCBRIDGE_DATA_DIR;
  if (process.getuid?.() === 0) return '/var/lib/vcbridge';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'vcbridge');
}

function lockPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'vcbridged.lock'), 'utf8'), 10);
    return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long `daemon start` waits for the new daemon's API, and `daemon stop` for it to exit. By the
 * clock, not by a count of polls: on a busy machine (two CPU hogs, load 7) a start took over 10 s,
 * and each poll itself can take a second.
 */
export const START_WAIT_S = 30;
export const STOP_WAIT_S = 15;

async function ping(g: Globals): Promise<boolean> {
  try {
    const c = await ApiClient.connect({ url: g.url, token: g.token, timeoutMs: 1000 });
    c.close();
    return true;
  } catch {
    return false; // not up yet: the caller polls
  }
}

const StartOptions = z.object({
  config: z.string().min(1),
  dataDir: z.string().optional(),
  apiPort: z.coerce.number().int().min(0).max(65535).optional(),
});

const start = new Command('start')
  .description('start vcbridged in the background')
  .requiredOption('--config <file>', 'site config')
  .option('--data-dir <dir>', 'state directory (database, lock, log)')
  .option('--api-port <port>', 'override the control API port')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(StartOptions, raw);
    const dataDir = resolve(o.dataDir ?? defaultDataDir());
    const running = lockPid(dataDir);
    if (running) throw new CliError('DATA_DIR_LOCKED', g.t('c.d.already', { dir: dataDir, pid: running }));
    mkdirSync(dataDir, { recursive: true });
    const logFile = join(dataDir, 'vcbridged.log');
    const fd = openSync(logFile, 'a');
    const args = ['--config', resolve(o.config), '--data-dir', dataDir, '--log-file', logFile];
    if (o.apiPort !== undefined) args.push('--api-port', String(o.apiPort));
    const pid = spawnDaemon(args, fd);
    closeSync(fd);
    const deadline = performance.now() + START_WAIT_S * 1000;
    while (performance.now() < deadline) {
      if (!isAlive(pid)) {
        // a bad config: every problem, said like `config check` says it (the log has them in English)
        const refused = configRefusal(checkConfigFile(resolve(o.config)));
        if (refused) throw refused;
        const tail = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).slice(-5).join('\n');
        throw new CliError('INTERNAL', `${g.t('c.d.exited', { log: logFile })}\n${tail}`);
      }
      if (lockPid(dataDir) === pid && (await ping(g))) {
        print(g, { started: true, pid, dataDir, log: logFile }, () => g.t('c.d.started', { pid, log: logFile }));
        return;
      }
      await sleep(100);
    }
    throw new CliError('TIMEOUT', g.t('c.d.noAnswer', { pid, url: g.url, log: logFile, s: START_WAIT_S }));
  });

const DirOptions = z.object({ dataDir: z.string().optional() });

const stop = new Command('stop')
  .description('stop vcbridged gracefully (hangs up calls first)')
  .option('--data-dir <dir>', 'state directory')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const dataDir = resolve(parseOptions(DirOptions, raw).dataDir ?? defaultDataDir());
    const pid = lockPid(dataDir);
    if (!pid) throw new CliError('DAEMON_NOT_RUNNING', g.t('c.d.none', { dir: dataDir }));
    process.kill(pid, 'SIGTERM');
    const deadline = performance.now() + STOP_WAIT_S * 1000;
    while (isAlive(pid) && performance.now() < deadline) await sleep(100);
    if (isAlive(pid)) throw new CliError('TIMEOUT', g.t('c.d.stillRunning', { pid, s: STOP_WAIT_S }));
    print(g, { stopped: true, pid }, () => g.t('c.d.stopped', { pid }));
  });

const status = new Command('status')
  .description('is vcbridged running for this data dir, and does its API answer?')
  .option('--data-dir <dir>', 'state directory')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const dataDir = resolve(parseOptions(DirOptions, raw).dataDir ?? defaultDataDir());
    const pid = lockPid(dataDir);
    const api = pid ? await ping(g) : false;
    const out = { running: Boolean(pid), pid: pid ?? null, dataDir, api: { url: g.url, answering: api } };
    print(g, out, (s) =>
      s.running
        ? g.t(api ? 'c.d.running' : 'c.d.runningMute', { pid: s.pid ?? '', dir: s.dataDir, url: s.api.url })
        : g.t('c.d.notRunning', { dir: s.dataDir }),
    );
    if (!pid) process.exitCode = 1;
  });

export const daemon = new Command('daemon')
  .description('start, stop and check the daemon')
  .addCommand(start)
  .addCommand(stop)
  .addCommand(status)
  .addCommand(install);
