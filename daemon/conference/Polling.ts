// Auto-polling (轮巡): a picture walks through a list of sites, one every interval, so the centre
// can check that every room is staffed. Only sites that are connected (and can be shown) are
// visited: the others are skipped at each step, and a site that rejoins is visited again in its
// turn. The conference decides what the current site means (the broadcast picture, what one site
// sees, or one pane of a multi-picture layout); this class only keeps the walk and its timer.
import { say } from '../../protocol/index.js';
import type { Clock, Timer } from '../util/clock.js';
import { VcError } from '../errors.js';

export const POLL_MIN_SECONDS = 5;
export const POLL_MAX_SECONDS = 600;

export interface PollSetup {
  intervalSeconds: number;
  sites: readonly string[];
  /** The site whose view polls; null: the conference's broadcast picture. */
  target: string | null;
  /** The pane (1-based) of the conference's layout, or of the target's own layout, that polls; null: the whole picture. */
  pane?: number | null;
}

export interface PollingDeps {
  clock: Clock;
  /** Can `id` be shown now (connected, sends video, the target can decode it)? */
  showable(id: string): boolean;
  /** The current site changed (null: none of the list can be shown). */
  switched(current: string | null): void;
}

export class Polling {
  readonly intervalSeconds: number;
  readonly sites: readonly string[];
  readonly target: string | null;
  readonly pane: number | null;
  readonly startedAt: number;
  readonly #d: PollingDeps;
  #index = -1;
  #current: string | null = null;
  #nextAt: number | null = null;
  #timer: Timer | undefined;
  #stopped = false;

  constructor(setup: PollSetup, deps: PollingDeps) {
    if (
      !Number.isFinite(setup.intervalSeconds) ||
      setup.intervalSeconds < POLL_MIN_SECONDS ||
      setup.intervalSeconds > POLL_MAX_SECONDS
    ) {
      throw new VcError(
        'BAD_REQUEST',
        say('err.pollInterval', { seconds: setup.intervalSeconds, min: POLL_MIN_SECONDS, max: POLL_MAX_SECONDS / 60 }),
      );
    }
    if (setup.sites.length === 0) throw new VcError('BAD_REQUEST', say('err.pollNothing'));
    this.intervalSeconds = setup.intervalSeconds;
    this.sites = [...new Set(setup.sites)];
    this.target = setup.target;
    this.pane = setup.pane ?? null;
    this.#d = deps;
    this.startedAt = deps.clock.now();
  }

  get current(): string | null {
    return this.#current;
  }
  get nextAt(): number | null {
    return this.#nextAt;
  }

  /** The site that would come after the current one if the step were taken now. */
  peekNext(): string | null {
    const i = this.#findFrom(this.#index + 1);
    return i === -1 ? null : this.sites[i]!;
  }

  start(): void {
    this.#step();
  }

  stop(): void {
    this.#stopped = true;
    this.#d.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAt = null;
  }

  /** The first showable site at or after list position `from` (wrapping), -1 when none is. */
  #findFrom(from: number): number {
    const n = this.sites.length;
    for (let k = 0; k < n; k++) {
      const i = (((from + k) % n) + n) % n;
      if (this.#d.showable(this.sites[i]!)) return i;
    }
    return -1;
  }

  #step(): void {
    if (this.#stopped) return;
    const i = this.#findFrom(this.#index + 1);
    const next = i === -1 ? null : this.sites[i]!;
    if (i !== -1) this.#index = i;
    const changed = next !== this.#current;
    this.#current = next;
    const ms = this.intervalSeconds * 1000;
    this.#nextAt = this.#d.clock.now() + ms;
    this.#timer = this.#d.clock.setTimeout(() => this.#step(), ms);
    this.#timer.unref?.();
    if (changed) this.#d.switched(next);
  }
}
