// Shared plumbing of the real-peer harnesses: temp dirs, free ports, a child process whose output
// is kept (and can be waited on), and a stop() that really stops it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vcb-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A port p where p .. p+count-1 are all free for TCP and UDP on 127.0.0.1 (baresip also takes
 * p+1 for TLS). Picked at random in 21000-32700: below Linux's ephemeral range (32768+), so
 * an outgoing connection cannot take it between this check and the peer binding it, and random
 * so concurrently running tests rarely pick the same one.
 */
export async function freePortRun(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 21000 + Math.floor(Math.random() * (32700 - 21000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = (await tcpFree(base + i)) && (await udpFree(base + i));
    if (ok) return base;
  }
  throw new Error(`no run of ${count} free ports on 127.0.0.1`);
}

export interface Proc {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first line matching `re` (also if it was printed before the call). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startProc(cmd: string, args: string[], opts: SpawnOptions & { name: string }): Proc {
  const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const onData = (d: Buffer): void => {
    out += d.toString('utf8');
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
    if (waiters.length) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (e) => {
      out += `\n[spawn error] ${e.message}\n`;
      resolve(null);
    });
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const w = {
          re,
          resolve: (l: string) => {
            clearTimeout(t);
            resolve(l);
          },
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(`${opts.name}: no line matching ${re} within ${timeoutMs} ms; output:\n${out.slice(-3000)}`),
          );
        }, timeoutMs);
        waiters.push(w);
        check();
        void exited.then(() => {
          if (waiters.includes(w)) {
            waiters.splice(waiters.indexOf(w), 1);
            clearTimeout(t);
            reject(new Error(`${opts.name} exited before printing ${re}; output:\n${out.slice(-3000)}`));
          }
        });
      });
    },
    async stop(graceMs = 2000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}
