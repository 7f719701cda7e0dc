import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { ROOT } from '../helpers/daemon.js';
import { until } from '../helpers/wait.js';

// `npm run demo` (scripts/demo.mjs) with its real daemon, baresip rooms and kamailio, stopped the
// three ways a demo ends: Ctrl-C (SIGINT), SIGTERM, and the daemon dying. Every process it started
// must be gone afterwards (the next demo would otherwise find its ports busy).

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  name: string;
}

function processes(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // "pid (name) state ppid pgrp …": the name may hold spaces and parentheses
      const close = stat.lastIndexOf(')');
      const [state, ppid, pgid] = stat.slice(close + 2).split(' ');
      out.set(Number(d), {
        pid: Number(d),
        ppid: Number(ppid),
        pgid: Number(pgid),
        state: state!,
        name: stat.slice(stat.indexOf('(') + 1, close),
      });
    } catch {
      // the process ended while we read /proc: it is simply not listed
    }
  }
  return out;
}

/** Every living process below `root`. */
function descendants(root: number): Proc[] {
  const all = [...processes().values()];
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid === parent && p.state !== 'Z') {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** Of `procs` (and of their process groups), what still runs. */
function leftOver(procs: Proc[]): Proc[] {
  const pids = new Set(procs.map((p) => p.pid));
  const pgids = new Set(procs.map((p) => p.pgid));
  return [...processes().values()].filter((p) => p.state !== 'Z' && (pids.has(p.pid) || pgids.has(p.pgid)));
}

let demo: ChildProcess | undefined;
let started: Proc[] = [];
afterEach(() => {
  // whatever a failed test left behind must not break the next one (or the next demo)
  for (const p of leftOver(started)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  started = [];
});

beforeAll(() => ensureBuilt(), 120_000);

/** Start the demo off a terminal and wait until it runs its meeting. */
async function runDemo(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['scripts/demo.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  demo = child;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await until(
    'the demo running its meeting',
    () => out.includes('Ctrl-C stops the demo.') || child.exitCode !== null,
    120_000,
  );
  expect(child.exitCode, out).toBeNull();
  return { child, output: () => out, exited };
}

function demoProcesses(child: ChildProcess): Proc[] {
  const procs = descendants(child.pid!);
  started = procs;
  const names = procs.map((p) => p.name);
  expect(
    names.filter((n) => n === 'baresip'),
    names.join(' '),
  ).toHaveLength(4);
  expect(names, names.join(' ')).toContain('kamailio');
  expect(names, names.join(' ')).toContain('mediasoup-worke'); // /proc's name is cut at 15 characters
  return procs;
}

describe('npm run demo leaves nothing running', () => {
  it('Ctrl-C (SIGINT) off a terminal: the daemon, the 4 baresip rooms and kamailio are all gone', async () => {
    const { child, output, exited } = await runDemo();
    expect(output()).toMatch(/room systems up/);
    const procs = demoProcesses(child);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await until('every process of the demo gone', () => leftOver(procs).length === 0, 30_000);
  }, 240_000);

  it('SIGTERM: every process of the demo is gone', async () => {
    const { child, exited } = await runDemo();
    const procs = demoProcesses(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    await until('every process of the demo gone', () => leftOver(procs).length === 0, 30_000);
  }, 240_000);

  it('the daemon dying (SIGKILL): the demo stops its rooms and returns', async () => {
    const { child, output, exited } = await runDemo();
    const procs = demoProcesses(child);
    const daemon = procs.find(
      (p) => p.ppid === child.pid && readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('vcbridged'),
    );
    expect(daemon).toBeDefined();
    process.kill(daemon!.pid, 'SIGKILL');
    expect(await exited).not.toBe(0);
    expect(output()).toMatch(/vcbridged exited \(SIGKILL\)/);
    await until('every process of the demo gone', () => leftOver(procs).length === 0, 30_000);
  }, 240_000);
});
