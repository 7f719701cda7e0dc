// The compositor child process (gst_compositor.py: a GStreamer pipeline behind a JSON-lines
// controller) and the request/reply protocol with it. One process per conference that composes;
// whoever owns it respawns it when it dies ('exit').
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';

/** How long one command may take before the process is considered stuck. */
export const COMMAND_TIMEOUT_MS = 5000;
/** The main loop is asked for a sign of life this often... */
export const PING_INTERVAL_MS = 2000;
/** ...and a process whose main loop does not answer within this is stuck: it is killed (and respawned
 *  by its owner), its threads' Python stacks printed to stderr first (faulthandler, SIGUSR1). */
export const STUCK_MS = 10_000;
/** Lines of stderr kept for the error report when the process dies (a stack dump fits). */
const STDERR_LINES = 80;

type ProcessEvents = {
  /** A source's decoder produced its first frame (live) or nothing for a second (not live). */
  source: [{ id: string; live: boolean }];
  /** A source lost packets: its decoder shows nothing until the next keyframe. */
  needKey: [{ id: string }];
  /** A GStreamer element reported a problem (a decoder fed garbage, ...). */
  warning: [{ element: string; message: string }];
  exit: [{ code: number | null; signal: NodeJS.Signals | null; stderr: string }];
};

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The Python interpreter with GStreamer's bindings (Debian's, not a pyenv shim that lacks python3-gi). */
function findPython(): string {
  for (const p of [process.env['VCBRIDGE_PYTHON'], '/usr/bin/python3']) if (p && existsSync(p)) return p;
  return 'python3';
}

/** The controller script: next to this module in the sources, next to the bundle in dist/. */
function scriptPath(): string {
  const candidates = [
    new URL('./gst_compositor.py', import.meta.url),
    new URL('./compositor/gst_compositor.py', import.meta.url),
  ];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new VcError(
    'MEDIA_FAILED',
    say('media.comp.controllerMissing', {
      file: 'gst_compositor.py',
      paths: candidates.map((u) => fileURLToPath(u)).join(', '),
    }),
  );
}

let checked: string | undefined;

/**
 * Check once that GStreamer and its Python bindings are usable, with the elements the compositor
 * needs; throws naming what is missing (the Debian packages to install).
 */
export function checkGstreamer(): void {
  if (checked) return;
  const elements = [
    'compositor',
    'textoverlay',
    'rtpjitterbuffer',
    'avdec_h264',
    'vp8dec',
    'x264enc',
    'vp8enc',
    'rtph264pay',
    'rtpvp8pay',
  ];
  const code = `import gi; gi.require_version('Gst','1.0'); from gi.repository import Gst; Gst.init(None); print(' '.join(e for e in ${JSON.stringify(elements)} if Gst.ElementFactory.find(e) is None))`;
  const r = spawnSync(findPython(), ['-c', code], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    throw new VcError('MEDIA_FAILED', why ? say('media.comp.noBindings', { why }) : say('media.comp.noBindingsBare'));
  }
  const missing = r.stdout.trim();
  if (missing) {
    throw new VcError('MEDIA_FAILED', say('media.comp.elementsMissing', { missing }));
  }
  checked = 'ok';
}

/**
 * The compositor's environment. Every raw picture (1.4 MB at 720p) is a fresh allocation above
 * glibc's mmap threshold: each frame was mapped, page-faulted in and unmapped again, and those
 * faults were a third of the process's CPU (perf, 4x4 bench: 125 % of a core; with these, 73 %).
 * A fixed threshold of 64 MB and no trimming below 256 MB keep freed pictures in the heap for
 * the next frame. An operator's own MALLOC_* settings win.
 */
function compositorEnv(): NodeJS.ProcessEnv {
  return { MALLOC_MMAP_THRESHOLD_: String(64 << 20), MALLOC_TRIM_THRESHOLD_: String(256 << 20), ...process.env };
}

export class GstProcess extends TypedEmitter<ProcessEvents> {
  readonly #log: Logger;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, Pending>();
  readonly #stderr: string[] = [];
  #seq = 0;
  #exited = false;
  #pinging = false;
  readonly #ping: NodeJS.Timeout;

  /** Start the controller and wait for its 'ready'. */
  static async start(o: { log: Logger }): Promise<GstProcess> {
    const child = spawn(findPython(), [scriptPath()], { stdio: ['pipe', 'pipe', 'pipe'], env: compositorEnv() });
    const p = new GstProcess(o.log, child);
    await p.#ready();
    return p;
  }

  private constructor(log: Logger, child: ChildProcessWithoutNullStreams) {
    super();
    this.#child = child;
    this.#log = log.child({ component: 'media.compositor', pid: child.pid });
    child.stdin.on('error', (e) => this.#log.debug({ err: e }, 'compositor stdin closed'));
    createInterface({ input: child.stderr }).on('line', (l) => {
      this.#stderr.push(l);
      if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
    });
    createInterface({ input: child.stdout }).on('line', (l) => this.#onLine(l));
    this.#ping = setInterval(() => this.#checkAlive(), PING_INTERVAL_MS);
    this.#ping.unref();
    child.on('exit', (code, signal) => {
      this.#exited = true;
      clearInterval(this.#ping);
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new VcError('MEDIA_FAILED', say('media.comp.exited', { how: String(signal ?? code) })));
      }
      this.#pending.clear();
      this.emit('exit', { code, signal, stderr: this.#stderr.join('\n') });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }
  get alive(): boolean {
    return !this.#exited;
  }

  /** One command; resolves with the reply's fields or rejects with the controller's error. */
  request(
    op: string,
    params: Record<string, unknown> = {},
    timeoutMs = COMMAND_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    if (this.#exited) return Promise.reject(new VcError('MEDIA_FAILED', say('media.comp.notRunning')));
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new VcError('MEDIA_FAILED', say('media.comp.noAnswer', { op, ms: timeoutMs })));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#child.stdin.write(`${JSON.stringify({ ...params, op, id })}\n`);
    });
  }

  /** A main loop that stopped answering does not come back: kill the process, its owner restores it. */
  #checkAlive(): void {
    if (this.#exited || this.#pinging) return;
    this.#pinging = true;
    this.request('ping', {}, STUCK_MS).then(
      () => (this.#pinging = false),
      (err: unknown) => {
        this.#pinging = false;
        if (this.#exited) return;
        this.#log.error({ err }, 'compositor process stuck: killing it to restart it');
        this.#child.kill('SIGUSR1');
        setTimeout(() => this.#child.kill('SIGKILL'), 500).unref();
      },
    );
  }

  /** Stop the process (SIGTERM, then SIGKILL after 1 s). */
  close(): void {
    if (this.#exited) return;
    clearInterval(this.#ping);
    this.#child.stdin.end();
    this.#child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (!this.#exited) this.#child.kill('SIGKILL');
    }, 1000);
    t.unref();
  }

  #ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        const output = this.#stderr.join(' ').slice(-300).trim();
        reject(
          new VcError(
            'MEDIA_FAILED',
            output ? say('media.comp.startTimeout', { s: 10, output }) : say('media.comp.startTimeoutBare', { s: 10 }),
          ),
        );
      }, 10_000);
      const onReady = (): void => {
        clearTimeout(timer);
        this.off('exit', onExit);
        resolve();
      };
      const onExit = (e: { stderr: string }): void => {
        clearTimeout(timer);
        const output = e.stderr.slice(-300).trim();
        reject(
          new VcError(
            'MEDIA_FAILED',
            output ? say('media.comp.exitedAtStart', { output }) : say('media.comp.exitedAtStartBare'),
          ),
        );
      };
      this.#readyListener = onReady;
      this.once('exit', onExit);
    });
  }

  #readyListener: (() => void) | undefined;

  #onLine(line: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.#log.warn({ line: line.slice(0, 200) }, 'compositor printed a line that is not JSON');
      return;
    }
    if (typeof m['re'] === 'number') {
      const p = this.#pending.get(m['re']);
      if (!p) return;
      this.#pending.delete(m['re']);
      clearTimeout(p.timer);
      if (typeof m['error'] === 'string')
        p.reject(
          new VcError(
            'MEDIA_FAILED',
            m['error'] ? say('media.comp.said', { error: m['error'] }) : say('media.noMessage'),
          ),
        );
      else p.resolve(m);
      return;
    }
    switch (m['ev']) {
      case 'ready':
        this.#readyListener?.();
        this.#readyListener = undefined;
        break;
      case 'source':
        this.#log.debug({ id: m['id'], live: m['live'], diag: m['diag'] }, 'compositor source state');
        this.emit('source', { id: String(m['id']), live: m['live'] === true });
        break;
      case 'needkey':
        this.emit('needKey', { id: String(m['id']) });
        break;
      case 'restarted':
        this.#log.warn({ id: m['id'], diag: m['diag'] }, 'compositor source branch had stopped: restarted');
        break;
      case 'canvas_restarted':
        this.#log.warn({ canvas: m['id'] }, 'compositor canvas had stopped sending: made again');
        break;
      case 'diag':
        this.#log.debug({ diag: m }, 'compositor diagnostics');
        break;
      case 'warning':
      case 'error':
        this.#log.debug({ element: m['element'], message: m['message'] }, `compositor ${String(m['ev'])}`);
        this.emit('warning', { element: String(m['element']), message: String(m['message']) });
        break;
      default:
        this.#log.debug({ m }, 'compositor event ignored');
    }
  }
}
