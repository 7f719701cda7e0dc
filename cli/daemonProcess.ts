import { existsSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

/** Where the daemon launcher is: beside the bundled CLI, or the built one when run from source. */
export function daemonEntry(): string {
  if (process.env.VCBRIDGED_BIN) return process.env.VCBRIDGED_BIN;
  for (const rel of ['./vcbridged.js', '../dist/vcbridged.js', '../../dist/vcbridged.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new CliError('INTERNAL', 'cannot find vcbridged.js (run `npm run build`)');
}

/** Run the daemon launcher to completion (e.g. --check), returning its output. */
export function runDaemonSync(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [daemonEntry(), ...args], { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Start the daemon in the background, detached from this terminal, its output to `logFile`. */
export function spawnDaemon(args: string[], logFd: number): number {
  const child = spawn(process.execPath, [daemonEntry(), ...args], { detached: true, stdio: ['ignore', logFd, logFd] });
  child.unref();
  if (child.pid === undefined) throw new CliError('INTERNAL', 'could not start vcbridged');
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
