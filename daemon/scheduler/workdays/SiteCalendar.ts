// The site's own days off and make-up days, kept in the store (kv) so they survive a restart, and
// the WorkCalendar built from them. An import replaces the days of the years it names and keeps
// the others; the calendar's version changes with every import, so cached recurrences are redone.
import type { Store } from '../../store/Store.js';
import type { CalendarDay } from './holidayIcs.js';
import { WorkCalendar } from './WorkCalendar.js';

const KEY = 'calendar.siteDays';

export class SiteCalendar {
  readonly #store: Store;
  #calendar: WorkCalendar | undefined;
  #imports = 0;

  constructor(store: Store) {
    this.#store = store;
  }

  days(): CalendarDay[] {
    return this.#store.kv.get<CalendarDay[]>(KEY) ?? [];
  }

  calendar(): WorkCalendar {
    this.#calendar ??= new WorkCalendar(this.days(), String(this.#imports));
    return this.#calendar;
  }

  /** Replace the site's days of the years `days` covers; returns those years. */
  import(days: readonly CalendarDay[]): number[] {
    const years = [...new Set(days.map((d) => Number(d.day.slice(0, 4))))].sort();
    const kept = this.days().filter((d) => !years.includes(Number(d.day.slice(0, 4))));
    this.#store.kv.set(
      KEY,
      [...kept, ...days].sort((a, b) => a.day.localeCompare(b.day)),
    );
    this.#imports++;
    this.#calendar = undefined;
    return years;
  }
}
