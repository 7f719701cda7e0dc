import { rmSync } from 'node:fs';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import type { TmuxSession } from '../peers/tmux.js';
import type { RunningDaemon } from './daemon.js';

// Taking down what a console e2e set up: a tmux terminal, the built daemon, baresip rooms and the
// CLI's own config home. Any of them may be missing (a beforeAll that failed half-way).

export interface ConsoleRig {
  term?: TmuxSession;
  daemon?: RunningDaemon;
  rooms?: Iterable<BaresipRoom>;
  /** The CLI's XDG_CONFIG_HOME, removed last. */
  cliHome?: string;
}

/** The terminal, then the daemon (it hangs up with BYE while the rooms can still answer), then the
 *  rooms, then the CLI's home: each step runs whatever happened to the one before, and every
 *  failure is thrown at the end, named after `what`. */
export async function tearDownConsoleRig(what: string, rig: ConsoleRig): Promise<void> {
  const steps: (() => Promise<unknown>)[] = [
    async () => rig.term?.close(),
    async () => rig.daemon?.stop(),
    () => Promise.all([...(rig.rooms ?? [])].map((r) => r.stop())),
    async () => rig.cliHome && rmSync(rig.cliHome, { recursive: true, force: true }),
  ];
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((err: unknown) => failures.push(err));
  if (failures.length) throw new AggregateError(failures, `cleaning up ${what} failed`);
}
