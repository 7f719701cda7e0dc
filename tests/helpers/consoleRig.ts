import { rmSync } from 'node:fs';
import { BaresipRoom } from '../peers/baresipRoom.js';
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

/** A town with a real room: a baresip that plays `toneHz`. */
export interface Town {
  id: string;
  zh: string;
  en: string;
  toneHz: number;
}

/** Audio-only (PCMU) rooms, one a town: what a console e2e tests is the console, not the video path.
 *  Each room goes into `rooms` as soon as it is up, so the teardown stops it even when another
 *  fails to start. */
export async function startTownRooms(rooms: Map<string, BaresipRoom>, towns: readonly Town[]): Promise<void> {
  await Promise.all(
    towns.map(async (t) =>
      rooms.set(t.id, await BaresipRoom.start({ name: t.id, toneHz: t.toneHz, audioCodecs: ['PCMU'] })),
    ),
  );
}

/** The site config's entry of a town whose room is `room` (group towns, PCMU only). */
export function townEndpoint(t: Town, room: BaresipRoom): Record<string, unknown> {
  return {
    id: t.id,
    name: { zh: t.zh, en: t.en },
    kind: 'town',
    uri: room.uri,
    groups: ['towns'],
    codecs: { audio: ['PCMU'], video: [] },
  };
}
