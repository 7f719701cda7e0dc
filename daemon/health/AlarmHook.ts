import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { EndpointStateChange } from './types.js';

// Tells someone outside when an endpoint changes state, or when the daemon itself needs attention
// (raise(): a recording stopped by the disk guard, ...): a configured command and/or a webhook.
// The command line comes from the site config (trusted) and is split into words here, never given
// to a shell; what the peer influences (endpoint, reason) reaches the command only as environment
// variables. Per endpoint at most one alarm per `minIntervalSeconds`; a flapping endpoint's later
// changes in that window are dropped (and counted in the log). Failures are logged, never thrown.

/** An alarm that is not an endpoint's state change (raise()). */
export interface DaemonAlarm {
  /** What happened, e.g. 'recording.disk' (the webhook's `event`, the command's VCBRIDGE_EVENT). */
  event: string;
  /** Rate limiting is per key (e.g. the event and the conference). */
  key: string;
  /** One line for people (VCBRIDGE_MESSAGE). */
  message: string;
  /** More fields for the webhook body and as VCBRIDGE_<NAME> (upper case) for the command. */
  details?: Record<string, string | number | null>;
}

/** What one alarm hands the command (environment) and the webhook (JSON body). */
interface Outgoing {
  key: string;
  env: Record<string, string>;
  body: Record<string, unknown>;
  /** For the log lines. */
  what: Record<string, unknown>;
}

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
    return this.#fire({
      key: c.id,
      env: {
        VCBRIDGE_ENDPOINT: c.id,
        VCBRIDGE_FROM: c.from,
        VCBRIDGE_TO: c.to,
        VCBRIDGE_REASON: c.reason ?? '',
        VCBRIDGE_AT: c.at,
        VCBRIDGE_RTT_MS: c.rttMs === null ? '' : String(Math.round(c.rttMs)),
      },
      body: {
        event: 'endpoint.state',
        endpoint: c.id,
        from: c.from,
        to: c.to,
        at: c.at,
        reason: c.reason ?? null,
        rttMs: c.rttMs,
      },
      what: { endpoint: c.id, from: c.from, to: c.to },
    });
  }

  /** Fire a daemon alarm (rate-limited per key like endpoint alarms). Returns whether it fired. */
  raise(a: DaemonAlarm): boolean {
    const at = new Date(this.#clock.now()).toISOString();
    const env: Record<string, string> = { VCBRIDGE_EVENT: a.event, VCBRIDGE_MESSAGE: a.message, VCBRIDGE_AT: at };
    for (const [k, v] of Object.entries(a.details ?? {}))
      env[`VCBRIDGE_${k.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()}`] = v === null ? '' : String(v);
    return this.#fire({
      key: `${a.event}:${a.key}`,
      env,
      body: { event: a.event, message: a.message, at, ...a.details },
      what: { event: a.event, key: a.key },
    });
  }

  #fire(o: Outgoing): boolean {
    const s = this.#settings;
    if (this.#closed || !s || (!s.command && !s.webhook)) return false;
    const now = this.#clock.now();
    const last = this.#lastAt.get(o.key);
    if (last !== undefined && now - last < s.minIntervalSeconds * 1000) {
      const n = (this.#suppressed.get(o.key) ?? 0) + 1;
      this.#suppressed.set(o.key, n);
      this.#log.info(
        { ...o.what, suppressed: n },
        `alarm for ${o.key} suppressed (rate limit ${s.minIntervalSeconds} s)`,
      );
      return false;
    }
    this.#lastAt.set(o.key, now);
    const suppressed = this.#suppressed.get(o.key) ?? 0;
    this.#suppressed.delete(o.key);
    if (s.command) this.#track(this.#runCommand(s.command, o, suppressed));
    if (s.webhook) this.#track(this.#postWebhook(s.webhook, o, suppressed));
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

  #runCommand(command: string, o: Outgoing, suppressed: number): Promise<void> {
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
      ...o.env,
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
        this.#log.error({ err, command: file, ...o.what }, 'alarm command could not be started');
        resolve();
      });
      child.once('close', (code, signal) => {
        this.#children.delete(child);
        if (code === 0) this.#log.info({ command: file, ...o.what }, 'alarm command ran');
        else
          this.#log.error(
            { command: file, ...o.what, code, signal, stderr: stderr.trim() },
            `alarm command failed (${signal ?? `exit ${code}`})`,
          );
        resolve();
      });
    });
  }

  async #postWebhook(url: string, o: Outgoing, suppressed: number): Promise<void> {
    const body = JSON.stringify({ ...o.body, suppressed });
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'vcbridge-alarm' },
        body,
        signal: AbortSignal.timeout(this.#webhookTimeoutMs),
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer();
      if (res.ok) this.#log.info({ webhook: redactUrl(url), ...o.what, status: res.status }, 'alarm webhook delivered');
      else
        this.#log.error(
          { webhook: redactUrl(url), ...o.what, status: res.status },
          `alarm webhook answered ${res.status}`,
        );
    } catch (err) {
      this.#log.error({ err, webhook: redactUrl(url), ...o.what }, 'alarm webhook failed');
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
