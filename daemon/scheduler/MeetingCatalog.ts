import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { Store } from '../store/Store.js';
import type { ScheduleRow } from '../store/ScheduleRepo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { WorkCalendar } from './workdays/WorkCalendar.js';
import type { BookedSeries } from './BookingConflicts.js';
import { Recurrence, type Occurrence } from './Recurrence.js';
import { formatWall, parseTimeInZone } from './zonedTime.js';

// The read side of the book of meetings: each stored schedule with its expanded recurrence (cached
// per row, rebuilt when its times or the working-day calendar change) and its exceptions, and the
// lookup of one occurrence by the time an operator typed.

const DAY = 86_400_000;

export interface MeetingCatalogOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** The working-day calendar series with workdays 'cn' follow. */
  calendar: () => WorkCalendar;
}

export class MeetingCatalog {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #calendar: () => WorkCalendar;
  /** By schedule id; a row that cannot be expanded is remembered with its error (and logged once). */
  readonly #recurrences = new Map<string, { sig: string; rec?: Recurrence; err?: unknown; logged?: boolean }>();

  constructor(opts: MeetingCatalogOptions) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#log = opts.log;
    this.#calendar = opts.calendar;
  }

  /** The (cached) recurrence of a stored schedule. */
  recurrence(row: ScheduleRow): Recurrence {
    // keyed on the times themselves: two edits within one clock tick must not share an entry
    const cal = row.workdays === 'cn' ? this.#calendar() : null;
    const sig = `${row.startUtc}|${row.durationMs}|${row.rrule ?? ''}|${row.tz}|${cal ? `cn${cal.version}` : ''}`;
    const hit = this.#recurrences.get(row.id);
    if (hit && hit.sig === sig) {
      if (hit.rec) return hit.rec;
      throw hit.err;
    }
    try {
      const rec = new Recurrence({
        startUtc: row.startUtc,
        durationMs: row.durationMs,
        rrule: row.rrule,
        tz: row.tz,
        calendar: cal,
      });
      // a row stored before the limits (a start in the year 100, a rule that never matches) fails
      // here once, within the step budget, instead of in every later listing
      rec.first();
      this.#recurrences.set(row.id, { sig, rec });
      return rec;
    } catch (err) {
      this.#recurrences.set(row.id, { sig, err });
      throw err;
    }
  }

  meeting(id: string): BookedSeries {
    const row = this.#store.schedules.get(id);
    if (!row) throw new VcError('SCHEDULE_UNKNOWN', say('err.scheduleUnknown', { id }), { id });
    return { row, rec: this.recurrence(row), exceptions: this.#store.schedules.exceptions(id) };
  }

  /** Every schedule not cancelled (with cancelled ones when asked). A row whose rule no longer
   *  parses is logged and left out rather than stopping every other meeting. */
  meetings(opts: { includeCancelled?: boolean } = {}): BookedSeries[] {
    const out: BookedSeries[] = [];
    for (const row of this.#store.schedules.list(opts)) {
      try {
        out.push({ row, rec: this.recurrence(row), exceptions: this.#store.schedules.exceptions(row.id) });
      } catch (err) {
        // a row that cannot be expanded is logged once, not on every listing
        const entry = this.#recurrences.get(row.id);
        const known = entry !== undefined && entry.err === err;
        if (!known || !entry.logged) {
          if (known) entry.logged = true;
          this.#log.error({ err, scheduleId: row.id }, 'stored schedule cannot be expanded; it is ignored');
        }
      }
    }
    return out;
  }

  /** The occurrence of `m` starting at `when` (as shown, or as the rule generated it). */
  findOccurrence(m: BookedSeries, when: string): Occurrence {
    const t = parseTimeInZone(when, m.row.tz);
    if (t === undefined) throw new VcError('SCHEDULE_INVALID', say('err.occurrenceNotTime', { when }));
    const found = m.rec
      .occurrences(t - m.row.durationMs - DAY, t + DAY, m.exceptions)
      .find((o) => o.start === t || o.key === t);
    if (found) return found;
    const next = m.rec
      .occurrences(this.#clock.now(), this.#clock.now() + 60 * DAY, m.exceptions)
      .slice(0, 3)
      .map((o) => formatWall(o.start, m.row.tz));
    throw new VcError(
      'SCHEDULE_INVALID',
      next.length
        ? say('err.noOccurrenceAtNext', {
            title: m.row.title,
            id: m.row.id,
            time: formatWall(t, m.row.tz),
            tz: m.row.tz,
            next: next.join(', '),
          })
        : say('err.noOccurrenceAt', { title: m.row.title, id: m.row.id, time: formatWall(t, m.row.tz), tz: m.row.tz }),
      { id: m.row.id, occurrence: when },
    );
  }
}
