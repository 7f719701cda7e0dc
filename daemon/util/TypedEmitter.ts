import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and argument tuples are checked by the compiler. */
export type EventMap = Record<string, unknown[]>;

/** What happens to an error a listener threw (or an async listener rejected with). */
export type ListenerErrorReporter = (event: string, err: unknown) => void;

// Until the daemon hands in its logger (setListenerErrorReporter), a listener's error goes to stderr:
// contained, never silent.
let reportListenerError: ListenerErrorReporter = (event, err) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`vcbridge: a listener of "${event}" failed; the emitter carries on: ${text}\n`);
};

/** Route listener errors of every TypedEmitter to `report` (the daemon's logger). */
export function setListenerErrorReporter(report: ListenerErrorReporter): void {
  reportListenerError = report;
}

/**
 * Events that cannot break the code that emits them: a listener that throws (or an async one that
 * rejects) is reported and the remaining listeners still run, as mediasoup's safeEmit does. Without
 * this, a subscriber's bug would surface inside the emitter's own try block (a participant's dial-out,
 * say) and be taken for the emitter's failure.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #ee = new EventEmitter({ captureRejections: false });

  constructor() {
    // Many listeners per event is normal here (API subscribers); leaks are caught by tests instead.
    this.#ee.setMaxListeners(0);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Call every listener of `event` in order; returns whether there was any. */
  emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    // rawListeners: `once` wrappers remove themselves when called, as EventEmitter#emit would do
    const listeners = this.#ee.rawListeners(event) as ((...a: unknown[]) => unknown)[];
    // an 'error' nobody listens to still throws, as it does on any EventEmitter
    if (listeners.length === 0 && event === 'error') return this.#ee.emit(event, ...args);
    for (const listener of listeners) {
      try {
        const r = listener.apply(this, args);
        if (r instanceof Promise) r.catch((err: unknown) => reportListenerError(event, err));
      } catch (err) {
        reportListenerError(event, err);
      }
    }
    return listeners.length > 0;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }

  removeAllListeners(): this {
    this.#ee.removeAllListeners();
    return this;
  }
}
