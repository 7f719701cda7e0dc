// The compositor's child process kept running: the current one, and an idle spare started in advance
// that takes over at once when the current one dies (saving the ~0.7 s start of Python and GStreamer).
// Whoever owns the keeper restores the pictures on the process replace() gives it.
import type { Logger } from '../../util/logger.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { GstProcess } from './GstProcess.js';

/** Respawn delays after the process died (ms), by failed attempt; the last one repeats. */
export const RESPAWN_DELAYS = [0, 200, 500, 1000, 2000, 5000];

export class ProcessKeeper {
  readonly #log: Logger;
  /** Attaches the owner's listeners to a new process ('source', 'needKey', 'exit'). */
  readonly #wire: (proc: GstProcess) => void;
  #proc: GstProcess | undefined;
  #spare: Promise<GstProcess> | undefined;
  #attempts = 0;
  #closed = false;

  constructor(o: { log: Logger; wire: (proc: GstProcess) => void }) {
    this.#log = o.log;
    this.#wire = o.wire;
  }

  get current(): GstProcess | undefined {
    return this.#proc;
  }

  get alive(): boolean {
    return this.#proc?.alive ?? false;
  }

  /** The running process; throws while it is being replaced. */
  running(): GstProcess {
    if (!this.#proc?.alive) throw new VcError('MEDIA_FAILED', say('media.comp.restarting'));
    return this.#proc;
  }

  /** A live process as the current one: the spare if it is up, else a new one; a new spare follows. */
  async replace(): Promise<GstProcess> {
    this.#proc = (await this.#takeSpare()) ?? (await this.#start());
    this.#warmSpare();
    return this.#proc;
  }

  /** How long to wait before the next restart attempt (grows with failed attempts). */
  nextDelay(): number {
    return RESPAWN_DELAYS[Math.min(this.#attempts++, RESPAWN_DELAYS.length - 1)]!;
  }

  /** A restore succeeded: the next death starts again from no delay. */
  restored(): void {
    this.#attempts = 0;
  }

  close(): void {
    this.#closed = true;
    this.#proc?.close();
    this.#spare?.then((p) => p.close()).catch(() => undefined);
    this.#spare = undefined;
  }

  async #start(): Promise<GstProcess> {
    const proc = await GstProcess.start({ log: this.#log });
    this.#wire(proc);
    return proc;
  }

  /** Start the spare in the background (one at a time; a spare that died is replaced when taken). */
  #warmSpare(): void {
    if (this.#closed || this.#spare) return;
    const p = this.#start();
    p.then(
      (proc) => {
        if (this.#closed) proc.close();
      },
      (err: unknown) => this.#log.warn({ err }, 'the spare compositor process did not start'),
    );
    this.#spare = p;
  }

  async #takeSpare(): Promise<GstProcess | undefined> {
    const p = this.#spare;
    this.#spare = undefined;
    if (!p) return undefined;
    try {
      const proc = await p;
      return proc.alive ? proc : undefined;
    } catch {
      return undefined; // its failure was logged by #warmSpare
    }
  }
}
