// Booking conflicts (排期冲突): what is booked in a stretch of time (running meetings with their
// extended ends included), and whether a prospective booking collides with it — a site or the
// upstream in two meetings at once, or more meetings or call legs than the bridge carries. The
// ScheduleBook asks before every change it makes; a calendar import asks once per event.
import type { ScheduleConflict } from '../../protocol/index.js';
import type { SiteConfig } from '../config/schema.js';
import { VcError } from '../errors.js';
import type { Store } from '../store/Store.js';
import type { ScheduleException, ScheduleRow } from '../store/ScheduleRepo.js';
import type { Clock } from '../util/clock.js';
import { participantsOf } from './booking.js';
import { describeConflicts, findConflicts, SlotIndex, type BookedMeeting } from './conflicts.js';
import type { Occurrence, Recurrence } from './Recurrence.js';

const DAY = 86_400_000;
/** How far ahead conflicts are checked: a year for open-ended series, three for bounded ones. */
const HORIZON_OPEN = 366 * DAY;
const HORIZON_BOUNDED = 3 * 366 * DAY;

/** A prospective booking as the conflict check sees it. */
export interface Candidate {
  id: string | null;
  title: string;
  tz: string;
  participants: string[];
  rec: Recurrence;
  exceptions: ScheduleException[];
  from: number;
  only?: Occurrence;
}

/** Conflict checks of many bookings in a row (see BookingConflicts.importChecker). */
export interface ImportChecker {
  /** Conflicts of one more candidate (named by `label` in messages); throws SCHEDULE_CONFLICT
   *  unless forced. The candidate counts as booked for the checks after it. */
  check(label: string, c: Omit<Candidate, 'id' | 'from' | 'only'>, force: boolean): ScheduleConflict[];
}

/** A stored schedule with its expanded recurrence (what ScheduleBook.meetings() lists). */
export interface BookedSeries {
  row: ScheduleRow;
  rec: Recurrence;
  exceptions: ScheduleException[];
}

export class BookingConflicts {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #config: () => SiteConfig;
  readonly #meetings: () => BookedSeries[];

  constructor(o: { store: Store; clock: Clock; config: () => SiteConfig; meetings: () => BookedSeries[] }) {
    this.#store = o.store;
    this.#clock = o.clock;
    this.#config = o.config;
    this.#meetings = o.meetings;
  }

  /** Conflicts of a prospective booking; throws SCHEDULE_CONFLICT unless forced. */
  check(c: Candidate, force: boolean, exclude: ReadonlySet<string> = new Set()): ScheduleConflict[] {
    const candidate = this.#candidate(c, c.id ?? '(new)');
    if (candidate.occurrences.length === 0) return [];
    const booked = this.bookedBetween(
      candidate.occurrences[0]!.start,
      candidate.occurrences[candidate.occurrences.length - 1]!.end,
      exclude,
    );
    return this.#conflicts(candidate, booked, force);
  }

  /** The occurrences a booking is checked over: a year ahead for open series, three for bounded ones. */
  #candidate(c: Candidate, scheduleId: string): BookedMeeting {
    const horizon = Math.max(c.from, c.rec.times.startUtc) + (c.rec.bounded ? HORIZON_BOUNDED : HORIZON_OPEN);
    const occurrences = c.only ? [c.only] : c.rec.occurrences(c.from, horizon, c.exceptions);
    return { scheduleId, title: c.title, tz: c.tz, participants: c.participants, occurrences };
  }

  #conflicts(
    candidate: BookedMeeting,
    booked: readonly BookedMeeting[] | SlotIndex,
    force: boolean,
  ): ScheduleConflict[] {
    const cfg = this.#config();
    const conflicts = findConflicts(candidate, booked, {
      maxConcurrentConferences: cfg.scheduler.maxConcurrentConferences,
      maxLegs: cfg.scheduler.maxLegs,
      upstreamIds: new Set(cfg.endpoints.filter((e) => e.kind === 'upstream').map((e) => e.id)),
    });
    if (conflicts.length > 0 && !force) {
      throw new VcError('SCHEDULE_CONFLICT', describeConflicts(conflicts, candidate.tz), {
        conflicts: conflicts.slice(0, 100),
        total: conflicts.length,
      });
    }
    return conflicts;
  }

  /**
   * Conflict checks for many bookings in a row (a calendar import): the book is read once per
   * stretch of time the candidates need, not once per candidate (which made an import of 7,000
   * events quadratic), and each candidate checked counts as booked for the next ones.
   */
  importChecker(): ImportChecker {
    const now = this.#clock.now();
    const index = new SlotIndex();
    /** Stretches of time already read into the index, sorted and disjoint. */
    let covered: [number, number][] = [];
    const ensure = (from: number, to: number): void => {
      let at = from;
      for (const [a, b] of covered) {
        if (b <= at) continue;
        if (a >= to) break;
        if (a > at) for (const m of this.bookedBetween(at, a)) index.add(m);
        at = Math.max(at, b);
      }
      if (at < to) for (const m of this.bookedBetween(at, to)) index.add(m);
      covered = [...covered, [from, to] as [number, number]]
        .sort((x, y) => x[0] - y[0])
        .reduce<[number, number][]>((acc, r) => {
          const prev = acc[acc.length - 1];
          if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1]);
          else acc.push([r[0], r[1]]);
          return acc;
        }, []);
    };
    return {
      check: (label, c, force) => {
        const candidate = this.#candidate({ ...c, id: null, from: now }, label);
        if (candidate.occurrences.length === 0) return [];
        ensure(candidate.occurrences[0]!.start, candidate.occurrences[candidate.occurrences.length - 1]!.end);
        const overridden = this.#conflicts(candidate, index, force);
        index.add(candidate);
        return overridden;
      },
    };
  }

  /** What is booked in [from, to): occurrences still to happen or running (with extended ends). */
  bookedBetween(from: number, to: number, exclude: ReadonlySet<string> = new Set()): BookedMeeting[] {
    const meetings = this.#meetings().filter((m) => !exclude.has(m.row.id));
    const longest = meetings.reduce((n, m) => Math.max(n, m.row.durationMs), 0);
    // occurrence states by schedule, then by occurrence (most schedules have none in the window)
    const states = new Map<string, Map<number, { state: string; endsAt: number | null }>>();
    for (const s of this.#store.occurrences.occurrenceDetails({ fromUtc: from - longest - DAY, toUtc: to })) {
      let byKey = states.get(s.scheduleId);
      if (!byKey) states.set(s.scheduleId, (byKey = new Map()));
      byKey.set(s.occurrenceStartUtc, { state: s.state, endsAt: s.endsAt });
    }
    return meetings.map((m) => {
      const byKey = states.get(m.row.id);
      let occurrences = m.rec.occurrences(byKey ? from - DAY : from, to, m.exceptions);
      if (byKey) {
        occurrences = occurrences.flatMap((o): Occurrence[] => {
          const st = byKey.get(o.key);
          if (st?.state === 'ended' || st?.state === 'missed') return [];
          // a running meeting may have been extended past its planned end
          const end = st?.state === 'started' && st.endsAt !== null ? st.endsAt : o.end;
          return end > from && o.start < to ? [{ ...o, end }] : [];
        });
      }
      return {
        scheduleId: m.row.id,
        title: m.row.title,
        tz: m.row.tz,
        participants: participantsOf(m.row),
        occurrences,
      };
    });
  }
}
