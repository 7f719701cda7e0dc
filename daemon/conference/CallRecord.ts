// The call record (CDR row) of one leg attempt and the quality summary that goes into it: opened
// when the attempt starts, answered with the codecs, closed once with the reason and the summary.
import type { LegStats } from '../../protocol/index.js';
import type { CdrRepo } from '../store/CdrRepo.js';
import type { Clock } from '../util/clock.js';
import { accumulate, emptySummary, summarise, type SummaryAcc } from './statsView.js';

export class CallRecord {
  readonly #cdr: CdrRepo;
  readonly #clock: Clock;
  readonly #conferenceId: string;
  readonly #endpointId: string;
  #id: number | undefined;
  #summary: SummaryAcc = emptySummary();

  constructor(o: { cdr: CdrRepo; clock: Clock; conferenceId: string; endpointId: string }) {
    this.#cdr = o.cdr;
    this.#clock = o.clock;
    this.#conferenceId = o.conferenceId;
    this.#endpointId = o.endpointId;
  }

  get open(): boolean {
    return this.#id !== undefined;
  }

  /** A new attempt (closes the previous record as superseded if it was still open). */
  start(callId: string, direction: 'out' | 'in', startedAt: number): void {
    this.close('superseded');
    this.#summary = emptySummary();
    this.#id = this.#cdr.open({
      conferenceId: this.#conferenceId,
      endpointId: this.#endpointId,
      direction,
      callId,
      startedAt,
    });
  }

  answered(at: number, codecs: { audio: string | null; video: string | null; srtp: string | null }): void {
    if (this.#id !== undefined) this.#cdr.answer(this.#id, at, codecs);
  }

  sample(s: LegStats): void {
    accumulate(this.#summary, s);
  }

  close(reason: string): void {
    if (this.#id === undefined) return;
    this.#cdr.close(this.#id, this.#clock.now(), reason, this.#summary.n > 0 ? summarise(this.#summary) : undefined);
    this.#id = undefined;
  }
}
