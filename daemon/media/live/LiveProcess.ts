// One ffmpeg child of live streaming (the HLS packager, or one RTMP push), kept running: when it
// dies it is started again after a backoff (the delays below, the last one repeating), until
// MAX_FAILED_RUNS runs in a row failed; a run that lasted RUN_RESETS_BACKOFF_MS counts as a success
// and starts the backoff over. ffmpeg reports progress on stdout (`-progress pipe:1`): the first
// frames written make the process 'running'. What the process needs (its reader of the program mux,
// the output directory) is made fresh for every run by `prepare`, so a run never inherits a dead
// one's input. Never throws at its owner: every failure becomes a 'state' event and a log line.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Writable } from 'node:stream';
import { say } from '../../../protocol/index.js';
import { spawnFfmpeg } from '../program/ProgramMux.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { timerDelay } from '../../util/clock.js';

/** Delays before restarting a dead process (ms); the last repeats. */
export const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000] as const;
/** After this many failed runs in a row the process is given up ('failed'). ~30 min at 30 s. */
export const MAX_FAILED_RUNS = 60;
/** A run that lasted this long was a success: the next failure starts the backoff from its first step. */
export const RUN_RESETS_BACKOFF_MS = 60_000;
/** A run that writes no frame for this long is stuck (a feed that never came): killed and retried. */
export const STALL_MS = 20_000;
/** SIGTERM, then SIGKILL after this. */
const KILL_GRACE_MS = 2000;
/** stderr lines kept for the error report. */
const STDERR_LINES = 12;

export type LiveProcessState = 'starting' | 'running' | 'retrying' | 'failed' | 'stopped';

export interface LiveProcessStatus {
  state: LiveProcessState;
  /** Runs started so far. */
  runs: number;
  /** Consecutive failed runs (0 while running well). */
  failures: number;
  /** Why the last run ended, when it failed. */
  lastError: string | null;
  /** When the current state began (ms since epoch). */
  since: number;
}

export interface RunPlan {
  /** ffmpeg's arguments for this run. */
  args: string[];
  /** Called once ffmpeg is spawned: start writing its input into its stdin. */
  attach(stdin: Writable): void;
  /** Stop writing the input and end stdin: ffmpeg finishes its files (last segment, flv trailer). */
  finish(): void;
  /** Called once the run is over (free the reader). */
  release(): void;
}

type LiveProcessEvents = {
  state: [LiveProcessStatus];
};

export interface LiveProcessOptions {
  /** For logs and error messages: "hls" or the redacted RTMP target. */
  name: string;
  prepare(): Promise<RunPlan>;
  log: Logger;
  ffmpeg?: string;
  restartDelaysMs?: readonly number[];
  maxFailedRuns?: number;
  stallMs?: number;
}

export class LiveProcess extends TypedEmitter<LiveProcessEvents> {
  readonly #o: LiveProcessOptions;
  readonly #log: Logger;
  #child: ChildProcessWithoutNullStreams | undefined;
  #plan: RunPlan | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stall: NodeJS.Timeout | undefined;
  #status: LiveProcessStatus = { state: 'starting', runs: 0, failures: 0, lastError: null, since: Date.now() };
  #runStartedAt = 0;
  #stopped = false;
  #exited: Promise<void> = Promise.resolve();

  constructor(o: LiveProcessOptions) {
    super();
    this.#o = o;
    this.#log = o.log.child({ component: 'live', process: o.name });
  }

  get status(): LiveProcessStatus {
    return { ...this.#status };
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    void this.#run();
  }

  /** Stop for good; resolves once the child has exited. */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#exited;
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#stall);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      // the end of its input lets ffmpeg finish its files (the last segment, the flv trailer)
      this.#plan?.finish();
      const kill = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      const term = setTimeout(() => child.kill('SIGTERM'), KILL_GRACE_MS / 2);
      await this.#exited;
      clearTimeout(kill);
      clearTimeout(term);
    }
    this.#release();
    this.#set('stopped', null);
  }

  /** Test hook and fault drill: kill the current run as a crash would. */
  kill(): boolean {
    return this.#child?.kill('SIGKILL') ?? false;
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    this.#status.runs++;
    this.#set(this.#status.runs === 1 ? 'starting' : 'retrying', this.#status.lastError);
    let plan: RunPlan;
    try {
      plan = await this.#o.prepare();
    } catch (err) {
      this.#failed(`could not prepare the run: ${(err as Error).message}`);
      return;
    }
    if (this.#stopped) {
      plan.release();
      return;
    }
    this.#plan = plan;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawnFfmpeg(plan.args, this.#o.ffmpeg);
    } catch (err) {
      this.#release();
      this.#failed(`ffmpeg could not be started: ${(err as Error).message}`);
      return;
    }
    this.#child = child;
    this.#runStartedAt = Date.now();
    const stderr: string[] = [];
    let running = false;
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      tail += d;
      const lines = tail.split('\n');
      tail = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) stderr.push(l.trim());
      stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      // -progress lines: "frame=123"; the first frame out means the output works
      const m = /(?:^|\n)frame=(\d+)/.exec(d);
      if (!running && m && Number(m[1]) > 0) {
        running = true;
        clearTimeout(this.#stall);
        this.#status.failures = 0;
        this.#set('running', null);
        this.#log.info({ pid: child.pid, run: this.#status.runs }, 'live process running');
      }
    });
    child.stdin.on('error', () => undefined /* ffmpeg gone: the exit handler reports it */);
    this.#exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        stderr.push(err.message);
        resolve();
      });
      child.once('close', (code, signal) => {
        this.#onExit(code, signal, stderr);
        resolve();
      });
    });
    this.#stall = setTimeout(
      () => {
        if (!running) {
          stderr.push(say('media.live.stalled', { s: Math.round(this.#o.stallMs ?? STALL_MS) / 1000 }));
          child.kill('SIGKILL');
        }
      },
      timerDelay(this.#o.stallMs ?? STALL_MS),
    );
    plan.attach(child.stdin);
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null, stderr: string[]): void {
    clearTimeout(this.#stall);
    this.#child = undefined;
    this.#release();
    if (this.#stopped) return;
    const lasted = Date.now() - this.#runStartedAt;
    if (lasted >= RUN_RESETS_BACKOFF_MS) this.#status.failures = 0;
    const output = stderr.slice(-3).join(' | ') || say('media.live.noOutput');
    const why = signal
      ? say('media.live.killed', { signal, output })
      : say('media.live.exited', { code: String(code), output });
    this.#failed(why);
  }

  #failed(why: string): void {
    this.#status.failures++;
    const max = this.#o.maxFailedRuns ?? MAX_FAILED_RUNS;
    if (this.#status.failures >= max) {
      this.#log.error({ failures: this.#status.failures, why }, `live process gave up after ${max} failed runs`);
      this.#set('failed', why);
      return;
    }
    const delays = this.#o.restartDelaysMs ?? RESTART_DELAYS_MS;
    const delay = delays[Math.min(this.#status.failures - 1, delays.length - 1)] ?? 30_000;
    this.#log.warn({ failures: this.#status.failures, delayMs: delay, why }, 'live process ended; restarting');
    this.#set('retrying', why);
    this.#timer = setTimeout(() => void this.#run(), timerDelay(delay));
  }

  #release(): void {
    const p = this.#plan;
    this.#plan = undefined;
    try {
      p?.release();
    } catch (err) {
      this.#log.error({ err }, 'releasing the live feed tap failed');
    }
  }

  #set(state: LiveProcessState, lastError: string | null): void {
    const changed = this.#status.state !== state || this.#status.lastError !== lastError;
    this.#status = { ...this.#status, state, lastError, since: changed ? Date.now() : this.#status.since };
    if (changed) this.emit('state', this.status);
  }
}
