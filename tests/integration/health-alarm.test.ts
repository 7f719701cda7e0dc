import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlarmHook, splitCommand } from '../../daemon/health/AlarmHook.js';
import type { EndpointStateChange } from '../../daemon/health/types.js';
import { ManualClock } from '../helpers/manualClock.js';
import { untilValue } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-alarm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capturingLogger() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const change = (over: Partial<EndpointStateChange> = {}): EndpointStateChange => ({
  id: 'xiaoguan',
  from: 'reachable',
  to: 'unreachable',
  at: '2026-01-05T01:00:00.000Z',
  reason: 'no answer within 2000 ms over UDP',
  rttMs: null,
  ...over,
});

/** A script that appends its environment's alarm variables to the file named by its first argument. */
function alarmScript(): string {
  const f = join(dir, `alarm-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(
    f,
    '#!/bin/sh\nprintf "%s|%s|%s|%s|%s\\n" "$VCBRIDGE_ENDPOINT" "$VCBRIDGE_FROM" "$VCBRIDGE_TO" "$VCBRIDGE_REASON" "$2" >> "$1"\n',
  );
  chmodSync(f, 0o755);
  return f;
}

/** The file's text once it holds `n` whole lines: the script creates the file (`>>`) before it
 *  writes, so a read in between sees it empty or half-written. */
function linesWritten(file: string, n = 1): string | undefined {
  const t = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return t.endsWith('\n') && t.split('\n').length > n ? t : undefined;
}

// generous: only a bound on a busy machine (a local POST once took over 5 s at load 14), never a timing check
const waitFor = <T>(fn: () => T | undefined, ms = 20_000): Promise<T> =>
  untilValue('what the alarm hook did', fn, ms, 20);

let hooks: AlarmHook[] = [];
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(hooks.map((h) => h.close()));
  await Promise.all(
    servers.map(
      (s) =>
        new Promise((r) => {
          s.close(r);
          s.closeAllConnections();
        }),
    ),
  );
  hooks = [];
  servers = [];
});

function hook(
  settings: ConstructorParameters<typeof AlarmHook>[0]['settings'],
  clock = new ManualClock(Date.UTC(2026, 0, 5)),
  webhookTimeoutMs = 10_000,
) {
  const { log, lines } = capturingLogger();
  const h = new AlarmHook({ settings, clock, log, webhookTimeoutMs });
  hooks.push(h);
  return { h, lines, clock };
}

async function httpServer(
  handler: (req: IncomingMessage, body: string) => { status: number; delayMs?: number },
): Promise<string> {
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const r = handler(req, body);
      setTimeout(() => res.writeHead(r.status).end('ok'), r.delayMs ?? 0);
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  if (!a || typeof a === 'string') throw new Error('no address');
  return `http://127.0.0.1:${a.port}/hooks/alarm?key=secret`;
}

describe('AlarmHook: command', () => {
  it('runs the configured command with the change in environment variables', async () => {
    const out = join(dir, 'cmd1.txt');
    const { h } = hook({ command: `${alarmScript()} ${out} "second arg"`, minIntervalSeconds: 60 });
    expect(h.onStateChange(change())).toBe(true);
    const text = await waitFor(() => linesWritten(out));
    expect(text).toBe('xiaoguan|reachable|unreachable|no answer within 2000 ms over UDP|second arg\n');
  });

  it('peer-influenced text reaches the command only as data, never through a shell', async () => {
    const out = join(dir, 'cmd2.txt');
    const marker = join(dir, 'pwned');
    const { h } = hook({ command: `${alarmScript()} ${out}`, minIntervalSeconds: 0 });
    const evil = `$(touch ${marker}); touch ${marker} \`touch ${marker}\``;
    h.onStateChange(change({ reason: evil }));
    const text = await waitFor(() => linesWritten(out));
    expect(text).toBe(`xiaoguan|reachable|unreachable|${evil}|\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('is rate-limited per endpoint: a second change within minIntervalSeconds is dropped, another endpoint is not', async () => {
    const out = join(dir, 'cmd3.txt');
    const { h, clock } = hook({ command: `${alarmScript()} ${out}`, minIntervalSeconds: 60 });
    expect(h.onStateChange(change())).toBe(true);
    await clock.advance(10_000);
    expect(h.onStateChange(change({ from: 'unreachable', to: 'reachable', reason: undefined }))).toBe(false);
    expect(h.onStateChange(change({ id: 'mihe' }))).toBe(true);
    await clock.advance(60_000);
    expect(h.onStateChange(change({ from: 'unreachable', to: 'reachable', reason: undefined }))).toBe(true);
    const text = await waitFor(() => linesWritten(out, 3));
    expect(text.trim().split('\n').sort()).toEqual(
      [
        'mihe|reachable|unreachable|no answer within 2000 ms over UDP|',
        'xiaoguan|reachable|unreachable|no answer within 2000 ms over UDP|',
        'xiaoguan|unreachable|reachable||',
      ].sort(),
    );
  });

  it('a failing or missing command is logged, not thrown', async () => {
    const { h, lines } = hook({ command: '/bin/sh -c "exit 3"', minIntervalSeconds: 0 });
    h.onStateChange(change());
    await waitFor(() => lines.find((l) => /alarm command failed \(exit 3\)/.test(l.msg)));
    h.reload({ command: join(dir, 'no-such-command'), minIntervalSeconds: 0 });
    expect(() => h.onStateChange(change({ id: 'other' }))).not.toThrow();
    const l = await waitFor(() => lines.find((x) => /could not be started/.test(x.msg)));
    expect(l.err).toBeDefined();
  });

  it('splits the command line into words without a shell', () => {
    expect(splitCommand(`/usr/bin/notify --to "ops team" 'a b' c\\ d  e`)).toEqual([
      '/usr/bin/notify',
      '--to',
      'ops team',
      'a b',
      'c d',
      'e',
    ]);
    expect(splitCommand('x "" y')).toEqual(['x', '', 'y']);
  });
});

describe('AlarmHook: webhook', () => {
  it('POSTs the change as JSON to a local HTTP server', async () => {
    const got: { method?: string; type?: string; body: unknown }[] = [];
    const url = await httpServer((req, body) => {
      got.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) });
      return { status: 204 };
    });
    const { h, lines } = hook({ webhook: url, minIntervalSeconds: 60 });
    h.onStateChange(change({ to: 'degraded', reason: 'slow answers: RTT 450 ms (limit 300 ms)', rttMs: 450 }));
    await waitFor(() => got[0]);
    expect(got[0]).toEqual({
      method: 'POST',
      type: 'application/json',
      body: {
        event: 'endpoint.state',
        endpoint: 'xiaoguan',
        from: 'reachable',
        to: 'degraded',
        at: '2026-01-05T01:00:00.000Z',
        reason: 'slow answers: RTT 450 ms (limit 300 ms)',
        rttMs: 450,
        suppressed: 0,
      },
    });
    const l = await waitFor(() => lines.find((x) => x.msg === 'alarm webhook delivered'));
    // the query string may hold a secret: it is not logged
    expect(JSON.stringify(l)).not.toContain('secret');
  });

  it('an error status, a hanging server and a closed port are each logged, never thrown', async () => {
    const failing = await httpServer(() => ({ status: 500 }));
    // the hook gives up after 2 s; the hanging server would answer after 30 s (closed at the end before that)
    const hanging = await httpServer(() => ({ status: 200, delayMs: 30_000 }));
    const { h, lines } = hook({ webhook: failing, minIntervalSeconds: 0 }, undefined, 2000);
    h.onStateChange(change());
    await waitFor(() => lines.find((x) => /alarm webhook answered 500/.test(x.msg)));
    h.reload({ webhook: hanging, minIntervalSeconds: 0 });
    h.onStateChange(change());
    await waitFor(() => (lines.filter((x) => x.msg === 'alarm webhook failed').length === 1 ? true : undefined));
    h.reload({ webhook: 'http://127.0.0.1:1/nothing', minIntervalSeconds: 0 });
    h.onStateChange(change());
    await waitFor(() => (lines.filter((x) => x.msg === 'alarm webhook failed').length === 2 ? true : undefined));
  });

  it('command and webhook both fire for one change', async () => {
    const out = join(dir, 'both.txt');
    let posts = 0;
    const url = await httpServer(() => {
      posts++;
      return { status: 200 };
    });
    const { h } = hook({ command: `${alarmScript()} ${out}`, webhook: url, minIntervalSeconds: 60 });
    h.onStateChange(change());
    await waitFor(() => (linesWritten(out) !== undefined && posts === 1 ? true : undefined));
  });
});
