// Working days the Chinese way (调休): which dates are days off (official holidays, weekends) and
// which weekend days are make-up working days (补班). Three sources, the later winning:
//   1. weekends;
//   2. the State Council's published arrangement (npm chinese-days) for the years it covers; for a
//      year not published yet, the statutory holidays (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆)
//      count, and the day is marked unconfirmed so the operator is told;
//   3. the site's own days (imported from a holiday calendar), which override both.
import type { CalendarDay } from './holidayIcs.js';
import { officialDay, officialMakeUpDays, officialYears, statutoryHolidays } from './official.js';

export interface DayInfo {
  day: string;
  /** No meeting on a "working days" series. */
  off: boolean;
  /** A weekend day worked (补班). */
  makeUp: boolean;
  /** The holiday's name (国庆节), or the make-up day's festival; absent on ordinary days. */
  name?: string;
  /** The year's arrangement is published (or the site imported its days): false = statutory only. */
  confirmed: boolean;
  source: 'weekend' | 'official' | 'statutory' | 'site' | 'ordinary';
}

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

export class WorkCalendar {
  readonly #site: ReadonlyMap<string, CalendarDay>;
  readonly #siteYears: ReadonlySet<number>;
  /** Changes whenever the site's days change: recurrences cached on an older one are stale. */
  readonly version: string;

  constructor(siteDays: readonly CalendarDay[] = [], version = '0') {
    this.#site = new Map(siteDays.map((d) => [d.day, d]));
    this.#siteYears = new Set(siteDays.map((d) => Number(d.day.slice(0, 4))));
    this.version = version;
  }

  /** Is this year's arrangement known (published, or imported by the site)? */
  confirmedYear(year: number): boolean {
    return officialYears().has(year) || this.#siteYears.has(year);
  }

  /** Make-up working days (补班: weekend days worked) in [from, to] (YYYY-MM-DD), in order. */
  makeUpDays(from: string, to: string): string[] {
    const days = new Set<string>();
    for (const d of officialMakeUpDays()) if (d >= from && d <= to) days.add(d);
    for (const d of this.#site.values()) if (d.kind === 'work' && d.day >= from && d.day <= to) days.add(d.day);
    return [...days].filter((d) => this.info(d).makeUp).sort();
  }

  info(day: string): DayInfo {
    const year = Number(day.slice(0, 4));
    const confirmed = this.confirmedYear(year);
    const site = this.#site.get(day);
    const weekend = weekday(day) === 0 || weekday(day) === 6;
    if (site)
      return {
        day,
        off: site.kind === 'off',
        makeUp: site.kind === 'work' && weekend,
        name: site.name,
        confirmed,
        source: 'site',
      };
    if (officialYears().has(year)) {
      const o = officialDay(day);
      if (o) return { day, off: !o.work, makeUp: o.work && weekend, name: o.name, confirmed, source: 'official' };
    } else {
      const name = statutoryHolidays(year).get(day);
      if (name) return { day, off: true, makeUp: false, name, confirmed, source: 'statutory' };
    }
    return weekend
      ? { day, off: true, makeUp: false, confirmed, source: 'weekend' }
      : { day, off: false, makeUp: false, confirmed, source: 'ordinary' };
  }
}
