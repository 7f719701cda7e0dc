import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { parseRRule, untilFloating, type ParsedRRule } from './rruleText.js';
import { RuleWalker } from './ruleWalk.js';
import { floatingToUtc, utcToFloating } from './zonedTime.js';
import type { DayInfo, WorkCalendar } from './workdays/WorkCalendar.js';

/** What a schedule's times are made of. */
export interface SeriesTimes {
  startUtc: number;
  durationMs: number;
  /** null: a one-off meeting. */
  rrule: string | null;
  tz: string;
  /** Follow this working-day calendar: no occurrence on a day off; make-up days count for rules
   *  that meet every working day (调休). */
  calendar?: WorkCalendar | null;
}

/** An occurrence the rule generates on a day off, left out of the series. */
export interface SkippedOccurrence {
  start: number;
  day: DayInfo;
}

export interface OccurrenceException {
  occurrenceStartUtc: number;
  kind: 'cancelled' | 'moved';
  newStartUtc: number | null;
}

/** One meeting of a schedule. `key` is the start the rule generates (exceptions and states refer
 *  to it); `start` is where it really is (different when the occurrence was moved). */
export interface Occurrence {
  key: number;
  start: number;
  end: number;
}

const DAY = 86_400_000;
const localDay = (utc: number, tz: string): string => new Date(utcToFloating(utc, tz)).toISOString().slice(0, 10);
/** Years a series may start in (wall clock of its zone): a start in the year 100 made every
 *  expansion walk 19 centuries; a meeting system has no business before 1970 or after 2100. */
export const MIN_START_YEAR = 1970;
export const MAX_START_YEAR = 2100;
/** Well inside the range a Date can hold (±8.64e15 ms), leaving room for zone offsets. */
const TIME_LIMIT = 8.6e15;
const clampTime = (t: number): number => Math.max(-TIME_LIMIT, Math.min(TIME_LIMIT, t));
/** Windows of the expansion cache: at least a week and a bit; joined up to five times CACHE_SPAN. */
const MIN_CACHE_SPAN = 8 * DAY;
const CACHE_SPAN = 400 * DAY;

/** First index whose value is >= t. */
function lowerBound(xs: readonly number[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The start instants of one schedule. The rule runs in floating wall-clock time of the schedule's
 * zone and each wall time is then placed in the zone, so "09:00 every Monday in Europe/Berlin" is
 * 08:00Z in winter and 07:00Z in summer.
 */
export class Recurrence {
  readonly times: SeriesTimes;
  readonly rule: ParsedRRule | null;
  readonly #rrule: RuleWalker | null;
  #last: number | undefined;
  /** Starts already expanded for a window: conflict checks and the runner ask for overlapping
   *  windows again and again, and rrule walks from DTSTART every time. */
  #cache: { from: number; to: number; starts: number[] } | undefined;

  /** Throws SCHEDULE_INVALID when the rule does not parse or the start is outside the years allowed. */
  constructor(times: SeriesTimes) {
    this.times = times;
    const startFloating = utcToFloating(times.startUtc, times.tz);
    const year = new Date(startFloating).getUTCFullYear();
    if (!(year >= MIN_START_YEAR && year <= MAX_START_YEAR)) {
      throw new VcError(
        'SCHEDULE_INVALID',
        Number.isNaN(year)
          ? say('sched.yearInvalid', { min: MIN_START_YEAR, max: MAX_START_YEAR })
          : say('sched.yearRange', { min: MIN_START_YEAR, max: MAX_START_YEAR, year }),
        { limit: 'START_YEAR', min: MIN_START_YEAR, max: MAX_START_YEAR },
      );
    }
    this.rule = times.rrule === null ? null : parseRRule(times.rrule);
    if (this.rule) {
      const { until } = this.rule;
      this.#rrule = new RuleWalker(this.rule, startFloating, until ? untilFloating(until, times.tz) : null);
    } else {
      this.#rrule = null;
    }
  }

  /** Rule-generated starts in [fromUtc, toUtc), oldest first, at most `limit` of them. */
  startsBetween(fromUtcIn: number, toUtcIn: number, limit = Infinity): number[] {
    const fromUtc = clampTime(fromUtcIn);
    const toUtc = clampTime(toUtcIn);
    if (toUtc <= fromUtc) return [];
    if (!this.#rrule) return this.times.startUtc >= fromUtc && this.times.startUtc < toUtc ? [this.times.startUtc] : [];
    const c = this.#cache;
    if (c && fromUtc >= c.from && toUtc <= c.to) {
      const out: number[] = [];
      for (
        let i = lowerBound(c.starts, fromUtc);
        i < c.starts.length && c.starts[i]! < toUtc && out.length < limit;
        i++
      )
        out.push(c.starts[i]!);
      return out;
    }
    if (limit !== Infinity || toUtc >= TIME_LIMIT) return this.#expand(fromUtc, toUtc, limit);
    // expand a somewhat larger window once (joined with the cached one when they are near each
    // other) and answer from it from now on; small windows stay cheap (a restart expands every
    // series for the next few days only)
    let from = fromUtc;
    let to = Math.min(TIME_LIMIT, Math.max(toUtc, fromUtc + 2 * (toUtc - fromUtc), fromUtc + MIN_CACHE_SPAN));
    if (
      c &&
      from - c.to < CACHE_SPAN &&
      c.from - to < CACHE_SPAN &&
      Math.max(to, c.to) - Math.min(from, c.from) <= 5 * CACHE_SPAN
    ) {
      from = Math.min(from, c.from);
      to = Math.max(to, c.to);
    }
    const starts = this.#expand(from, to, Infinity);
    this.#cache = { from, to, starts };
    return starts.filter((t) => t >= fromUtc && t < toUtc);
  }

  #expand(fromUtc: number, toUtc: number, limit: number, skipped?: SkippedOccurrence[]): number[] {
    if (!this.#rrule) return [];
    const tz = this.times.tz;
    const cal = this.times.calendar ?? null;
    // widen by a day: offsets differ by at most ~26 h, the exact filter is done on UTC below
    const a = new Date(Math.max(utcToFloating(fromUtc, tz) - DAY, utcToFloating(this.times.startUtc, tz)));
    const b = new Date(utcToFloating(toUtc, tz) + DAY);
    const out: number[] = [];
    this.#rrule.walk(a.getTime(), (r) =>
      r.between(a, b, true, (d) => {
        const utc = floatingToUtc(d.getTime(), tz);
        if (utc >= fromUtc && utc < toUtc) {
          const day = cal?.info(localDay(utc, tz));
          if (day?.off) skipped?.push({ start: utc, day });
          else out.push(utc);
        }
        return out.length < limit;
      }),
    );
    if (cal && this.#meetsEveryWorkingDay()) {
      // make-up working days (补班) are weekend days the rule does not generate: add them at the
      // series' time of day, within what was expanded (and not past the rule's own end)
      const last = out.length >= limit ? out[out.length - 1]! : toUtc;
      const end = this.#lastStart();
      const timeOfDay = ((utcToFloating(this.times.startUtc, tz) % DAY) + DAY) % DAY;
      for (const day of cal.makeUpDays(
        localDay(Math.max(fromUtc, this.times.startUtc) - DAY, tz),
        localDay(Math.min(last, TIME_LIMIT - DAY), tz),
      )) {
        const utc = floatingToUtc(Date.parse(`${day}T00:00:00Z`) + timeOfDay, tz);
        if (
          utc >= fromUtc &&
          utc < toUtc &&
          utc >= this.times.startUtc &&
          utc <= last &&
          utc <= end &&
          !out.includes(utc)
        )
          out.push(utc);
      }
      out.sort((x, y) => x - y);
      if (out.length > limit) out.length = limit;
    }
    return out;
  }

  /** The latest start the rule allows (its UNTIL, or its COUNT-th start), Infinity when open-ended. */
  #lastStart(): number {
    if (this.#last !== undefined) return this.#last;
    if (!this.#rrule || !this.rule || (this.rule.until === null && this.rule.count === null))
      return (this.#last = Infinity);
    const d = this.#rrule.first((r) => r.before(new Date(TIME_LIMIT - 2 * DAY), true));
    return (this.#last = d ? floatingToUtc(d.getTime(), this.times.tz) : -Infinity);
  }

  /** A rule that meets Monday to Friday (weekly or daily, every week): "every working day". */
  #meetsEveryWorkingDay(): boolean {
    const o = this.rule?.options;
    if (!o || (o.interval ?? 1) !== 1) return false;
    const raw = o.byweekday;
    const list = Array.isArray(raw) ? raw : raw != null ? [raw] : [];
    const days = new Set(list.map((w) => (typeof w === 'number' ? w : typeof w === 'string' ? -1 : w.weekday)));
    return [0, 1, 2, 3, 4].every((d) => days.has(d)) && !days.has(5) && !days.has(6);
  }

  /** Occurrences the rule generates in [fromUtc, toUtc) on days off of its calendar (none without one). */
  skippedBetween(fromUtc: number, toUtc: number): SkippedOccurrence[] {
    if (!this.times.calendar) return [];
    const skipped: SkippedOccurrence[] = [];
    this.#expand(clampTime(fromUtc), clampTime(toUtc), Infinity, skipped);
    return skipped;
  }

  /** A COUNT series' walks always start at DTSTART: walk it to its end once, so that a series too
   *  long or too sparse for the step budget is refused when booked, not when listed. */
  checkWalkable(): void {
    if (this.rule?.count != null) this.startsBetween(this.times.startUtc, TIME_LIMIT);
  }

  /** The first rule-generated start, null when the rule yields none (e.g. UNTIL before start). */
  first(): number | null {
    if (!this.#rrule) return this.times.startUtc;
    const start = utcToFloating(this.times.startUtc, this.times.tz);
    const d = this.#rrule.first((r) => r.after(new Date(start), true));
    return d ? floatingToUtc(d.getTime(), this.times.tz) : null;
  }

  /** True when the rule has an end (COUNT or UNTIL) or it is a one-off. */
  get bounded(): boolean {
    return this.rule === null || this.rule.count !== null || this.rule.until !== null;
  }

  /** Occurrences overlapping [fromUtc, toUtc), after the exceptions: cancelled ones are left out,
   *  moved ones appear at their new start. Sorted by start. */
  occurrences(fromUtc: number, toUtc: number, exceptions: readonly OccurrenceException[] = []): Occurrence[] {
    const dur = this.times.durationMs;
    const byKey = new Map(exceptions.map((e) => [e.occurrenceStartUtc, e]));
    const out: Occurrence[] = [];
    for (const key of this.startsBetween(fromUtc - dur + 1, toUtc)) {
      const ex = byKey.get(key);
      if (ex) continue; // cancelled, or moved (added below wherever it went)
      out.push({ key, start: key, end: key + dur });
    }
    for (const ex of exceptions) {
      if (ex.kind !== 'moved' || ex.newStartUtc === null) continue;
      const start = ex.newStartUtc;
      if (start < toUtc && start + dur > fromUtc && this.#generates(ex.occurrenceStartUtc)) {
        out.push({ key: ex.occurrenceStartUtc, start, end: start + dur });
      }
    }
    return out.sort((x, y) => x.start - y.start || x.key - y.key);
  }

  /** The next `n` occurrences still running or to come at `fromUtc`, however far ahead. */
  next(fromUtc: number, n: number, exceptions: readonly OccurrenceException[] = []): Occurrence[] {
    const dur = this.times.durationMs;
    const starts = this.startsBetween(fromUtc - dur + 1, TIME_LIMIT, n + exceptions.length);
    const last = starts[starts.length - 1];
    if (last === undefined) return this.occurrences(fromUtc, fromUtc + 1, exceptions).slice(0, n);
    // the window up to the n-th generated start, plus moved ones that landed earlier
    const to = starts.length < n + exceptions.length ? TIME_LIMIT : last + 1;
    return this.occurrences(fromUtc, to, exceptions).slice(0, n);
  }

  /** Does the rule generate exactly this start? */
  #generates(startUtc: number): boolean {
    return this.startsBetween(startUtc, startUtc + 1).length === 1;
  }

  /** Rule-generated starts before `beforeUtc` (used to split a series at an occurrence). */
  countBefore(beforeUtc: number): number {
    return this.startsBetween(this.times.startUtc, beforeUtc).length;
  }
}
