// Secrets that could leak sideways: the daemon's environment into an alarm command (a real child
// process), a join token into the log line of a failed HTTP route (a real HTTP server).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmHook } from '../../daemon/health/AlarmHook.js';
import { RpcServer } from '../../daemon/api/RpcServer.js';
import { MethodRouter } from '../../daemon/api/MethodRouter.js';
import { ManualClock } from '../helpers/manualClock.js';
import { untilValue } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-seclogs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(c, _e, cb) {
        lines.push(String(c));
        cb();
      },
    }),
  );
  return { log, lines };
}

const waitFor = <T>(fn: () => T | undefined, ms = 20_000): Promise<T> => untilValue('what was logged', fn, ms, 50);

describe('alarm command environment', () => {
  it("gets PATH and its own VCBRIDGE_* variables, not the daemon's environment (secrets included)", async () => {
    const secretName = 'VCB_TEST_UPSTREAM_PASSWORD';
    process.env[secretName] = 'upstream-pw-91ac';
    const out = join(dir, 'env.txt');
    const script = join(dir, 'alarm.sh');
    // written whole, then renamed: the test never reads a half-written file
    writeFileSync(script, `#!/bin/sh\nenv > "$1.tmp" && mv "$1.tmp" "$1"\n`);
    chmodSync(script, 0o755);
    const { log } = capture();
    const hook = new AlarmHook({
      settings: { command: `${script} ${out}`, minIntervalSeconds: 0 },
      clock: new ManualClock(Date.UTC(2026, 0, 5)),
      log,
    });
    try {
      hook.onStateChange({
        id: 'xiaoguan',
        from: 'reachable',
        to: 'unreachable',
        at: '2026-01-05T01:00:00.000Z',
        reason: 'no answer',
        rttMs: null,
      });
      const env = await waitFor(() => (existsSync(out) ? readFileSync(out, 'utf8') : undefined));
      const names = env
        .split('\n')
        .map((l) => l.split('=')[0])
        .filter(Boolean);
      expect(env).not.toContain('upstream-pw-91ac');
      expect(names).not.toContain(secretName);
      expect(names).toContain('PATH');
      expect(names).toEqual(
        expect.arrayContaining(['VCBRIDGE_ENDPOINT', 'VCBRIDGE_FROM', 'VCBRIDGE_TO', 'VCBRIDGE_REASON']),
      );
      // nothing else of ours leaks either (vitest's own variables, HOME-less CI, ...)
      const allowed = /^(PATH|LANG|LC_ALL|TZ|HOME|VCBRIDGE_[A-Z_]+|PWD|SHLVL|_|OLDPWD)$/;
      expect(names.filter((n) => !allowed.test(n!))).toEqual([]);
    } finally {
      delete process.env[secretName];
      await hook.close();
    }
  });
});

describe('a failing HTTP route', () => {
  it('logs the URL with its join token redacted', async () => {
    const { log, lines } = capture();
    const server = await RpcServer.start({
      host: '127.0.0.1',
      port: 0,
      router: new MethodRouter(),
      operators: () => [],
      audit: { append: () => 0 },
      log,
    });
    server.addRoute(() => {
      throw new Error('route exploded');
    });
    try {
      const token = 'eyJ2IjoxfQ.SECRETSIGNATURE123';
      const res = await fetch(`${server.url.replace('ws', 'http')}/join?t=${token}&x=1`);
      expect(res.status).toBe(500);
      await waitFor(() => (lines.some((l) => l.includes('HTTP route failed')) ? true : undefined));
      const all = lines.join('');
      expect(all).toContain('/join?t=[redacted]&x=1');
      expect(all).not.toContain('SECRETSIGNATURE123');
    } finally {
      await server.close();
    }
  });
});
