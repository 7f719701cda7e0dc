import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { EndpointStateChange } from './types.js';

// Tells someone outside when an endpoint changes state: a configured command and/or a webhook.
// The command line comes from the site config (trusted) and is split into words here, never given
// to a shell; what the peer influences (endpoint, reason) reaches the command only as environment
// variables. Per endpoint at most one alarm per `minIntervalSeconds`; a flapping endpoint's later
// changes in that window are dropped (and counted in the log). Failures are logged, never thrown.

export interface AlarmSettings {
  command?: string;
  webhook?: string;
  minIntervalSeconds: number;
}

export interface AlarmHookOptions {
  settings: AlarmSettings | undefined;
  clock: Clock;
  log: Logger;
  /** Webhook timeout (default 5 s). */
  webhookTimeoutMs?: number;
  /** A command running longer than this is killed (default 30 s). */
  commandTimeoutMs?: number;
}

export class AlarmHook {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #webhookTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  #settings: AlarmSettings | undefined;
  readonly #lastAt = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();
  readonly #children = new Set<ChildProcess>();
  readonly #inflight = new Set<Promise<void>>();
  #closed = false;

  constructor(opts: AlarmHookOptions) {
    this.#clock = opts.clock;
    this.#log = opts.log.child({ component: 'alarm' });
    this.#settings = opts.settings;
    this.#webhookTimeoutMs = opts.webhookTimeoutMs ?? 5000;
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 30_000;
  }

  reload(settings: AlarmSettings | undefined): void {
    this.#settings = settings;
  }

  /** Fire the alarm for a state change (rate-limited per endpoint). Returns whether it fired. */
  onStateChange(c: EndpointStateChange): boolean {
    const s = this.#settings;
    if (this.#closed || !s || (!s.command && !s.webhook)) return false;
    const now = this.#clock.now();
    const last = this.#lastAt.get(c.id);
    if (last !== undefined && now - last < s.minIntervalSeconds * 1000) {
      const n = (this.#suppressed.get(c.id) ?? 0) + 1;
      this.#suppressed.set(c.id, n);
      this.#log.info(
        { endpoint: c.id, from: c.from, to: c.to, suppressed: n },
        `alarm for ${c.id} suppressed (rate limit ${s.minIntervalSeconds} s)`,
      );
      return false;
    }
    this.#lastAt.set(c.id, now);
    const suppressed = this.#suppressed.get(c.id) ?? 0;
    this.#suppressed.delete(c.id);
    if (s.command) this.#track(this.#runCommand(s.command, c, suppressed));
    if (s.webhook) this.#track(this.#postWebhook(s.webhook, c, suppressed));
    return true;
  }

  /** Wait for running alarms (up to their timeouts); kill commands still running after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    this.#closed = true;
    const all = Promise.allSettled([...this.#inflight]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const child of this.#children) child.kill('SIGKILL');
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  #runCommand(command: string, c: EndpointStateChange, suppressed: number): Promise<void> {
    const argv = splitCommand(command);
    const [file, ...args] = argv;
    if (!file) {
      this.#log.error({ command }, 'health.alarm.command is empty');
      return Promise.resolve();
    }
    // only what a command needs to run, never the daemon's own environment (it holds `env:` secrets
    // such as the upstream password)
    const env: NodeJS.ProcessEnv = {
      ...pick(process.env, ALARM_ENV_PASSED),
      VCBRIDGE_ENDPOINT: c.id,
      VCBRIDGE_FROM: c.from,
      VCBRIDGE_TO: c.to,
      VCBRIDGE_REASON: c.reason ?? '',
      VCBRIDGE_AT: c.at,
      VCBRIDGE_RTT_MS: c.rttMs === null ? '' : String(Math.round(c.rttMs)),
      VCBRIDGE_SUPPRESSED: String(suppressed),
    };
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(file, args, {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
          shell: false,
          timeout: this.#commandTimeoutMs,
          killSignal: 'SIGKILL',
        });
      } catch (err) {
        this.#log.error({ err, command: file }, 'alarm command could not be started');
        resolve();
        return;
      }
      this.#children.add(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 2000) stderr += d.toString();
      });
      child.once('error', (err) => {
        this.#children.delete(child);
        this.#log.error({ err, command: file, endpoint: c.id }, 'alarm command could not be started');
        resolve();
      });
      child.once('close', (code, signal) => {
        this.#children.delete(child);
        if (code === 0) this.#log.info({ command: file, endpoint: c.id, to: c.to }, 'alarm command ran');
        else
          this.#log.error(
            { command: file, endpoint: c.id, code, signal, stderr: stderr.trim() },
            `alarm command failed (${signal ?? `exit ${code}`})`,
          );
        resolve();
      });
    });
  }

  async #postWebhook(url: string, c: EndpointStateChange, suppressed: number): Promise<void> {
    const body = JSON.stringify({
      event: 'endpoint.state',
      endpoint: c.id,
      from: c.from,
      to: c.to,
      at: c.at,
      reason: c.reason ?? null,
      rttMs: c.rttMs,
      suppressed,
    });
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'vcbridge-alarm' },
        body,
        signal: AbortSignal.timeout(this.#webhookTimeoutMs),
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer();
      if (res.ok)
        this.#log.info({ webhook: redactUrl(url), endpoint: c.id, status: res.status }, 'alarm webhook delivered');
      else
        this.#log.error(
          { webhook: redactUrl(url), endpoint: c.id, status: res.status },
          `alarm webhook answered ${res.status}`,
        );
    } catch (err) {
      this.#log.error({ err, webhook: redactUrl(url), endpoint: c.id }, 'alarm webhook failed');
    }
  }
}

/** Split a command line into words: whitespace separates, '…' and "…" group, \ escapes. No globbing,
 *  no variables, no pipes — there is no shell. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** Webhook URLs may carry a secret in the query or userinfo: log only scheme, host and path. */
/** The daemon's environment variables an alarm command inherits. */
export const ALARM_ENV_PASSED = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'HOME'] as const;

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const n of names) if (env[n] !== undefined) out[n] = env[n];
  return out;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
