// What a killed run left behind: conferences still marked active and call records never closed.
// Found when the manager is built (before anything new is written), dialled again by resume().
// While this run goes, keep() writes what each live meeting would be resumed with (its plan).
import { reason, type ConferenceView, type Reason } from '../../protocol/index.js';
import type { Endpoint } from '../config/schema.js';
import type { CdrRepo } from '../store/CdrRepo.js';
import type { ConferenceRepo, ConferenceRow } from '../store/ConferenceRepo.js';
import type { Logger } from '../util/logger.js';
import { resumePlanOf } from './startPlan.js';

export interface ResumeContext {
  endpoints: readonly Endpoint[];
  now(): number;
  /** The manager is closing: close the rows instead of dialling. */
  closing(): boolean;
  /** Media and dialling for a stored row, as a fresh start does; throws when the media fails. */
  launch(row: ConferenceRow, endpoints: Endpoint[]): Promise<{ endpointIds: string[]; notice(message: Reason): void }>;
}

export class CrashResume {
  readonly #conferences: Pick<ConferenceRepo, 'end' | 'savePlan'>;
  readonly #log: Logger;
  #stale: ConferenceRow[];
  /** The resume plan last written per live conference (JSON), so a state change writes only news. */
  readonly #plans = new Map<string, string>();

  constructor(
    store: {
      conferences: Pick<ConferenceRepo, 'list' | 'end' | 'savePlan'>;
      cdr: Pick<CdrRepo, 'closeDangling'>;
    },
    log: Logger,
  ) {
    this.#conferences = store.conferences;
    this.#log = log;
    // the calls of the last run are gone with its process; its meetings are resumed (resume())
    this.#stale = store.conferences.list({ state: 'active', limit: 10_000 });
    const dangling = store.cdr.closeDangling('the daemon stopped during the call');
    if (this.#stale.length || dangling)
      log.warn(
        { conferences: this.#stale.map((c) => c.id), legs: dangling },
        'conferences and call records left open by the last run',
      );
  }

  /**
   * Dial again, under the same id, every conference the last run left active, so a meeting survives
   * a restart; one whose planned end passed meanwhile is closed. Runs once; returns the ids resumed.
   */
  async resume(ctx: ResumeContext): Promise<string[]> {
    const stale = this.#stale;
    this.#stale = [];
    const resumed: string[] = [];
    for (const row of stale) {
      const endpoints = row.endpoints
        .map((id) => ctx.endpoints.find((e) => e.id === id))
        .filter((e): e is Endpoint => e !== undefined);
      const over = row.endsAt !== null && row.endsAt <= ctx.now();
      if (over || endpoints.length === 0 || ctx.closing()) {
        this.#conferences.end(
          row.id,
          over ? 'its planned end passed while the daemon was not running' : 'the daemon stopped while it was running',
        );
        continue;
      }
      try {
        const conf = await ctx.launch(row, endpoints);
        conf.notice(reason('ev.resumed'));
        this.#log.warn(
          { conferenceId: row.id, title: row.title, endpoints: conf.endpointIds },
          'conference resumed after a restart',
        );
        resumed.push(row.id);
      } catch (err) {
        this.#log.error({ err, conferenceId: row.id }, 'could not resume a conference after a restart');
      }
    }
    return resumed;
  }

  /** Keep the layouts, pins, banner, polling, floor and hands with the row, for a crash resume (only when they changed). */
  keep(conferenceId: string, v: ConferenceView, givenFloor: string | null): void {
    if (v.state !== 'active' && v.state !== 'starting') return;
    const plan = resumePlanOf(v, givenFloor);
    const json = JSON.stringify(plan);
    if ((this.#plans.get(conferenceId) ?? 'null') === json) return;
    try {
      this.#conferences.savePlan(conferenceId, plan);
      this.#plans.set(conferenceId, json);
    } catch (err) {
      this.#log.error({ err, conferenceId }, 'could not keep the layout and polling for a resume');
    }
  }

  /** The conference ended: nothing more to keep for it. */
  forget(conferenceId: string): void {
    this.#plans.delete(conferenceId);
  }
}
