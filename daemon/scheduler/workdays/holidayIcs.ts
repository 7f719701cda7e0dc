import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { parseIcsText, prop, unescapeText, type IcsComponent } from '../ics/icsText.js';

// A published holiday calendar (.ics) read as DAYS, not meetings: each all-day event is a day off
// for every day it covers; an event whose summary says 补班 (make-up working day), all-day or timed,
// is a working day on its date. The name people read is the festival's, from the summary:
// 「国庆节 假期」 第1天/共7天 → 国庆节; 「春节 补班」 第1天/共2天 → 春节.

export interface CalendarDay {
  /** YYYY-MM-DD, the site's local date. */
  day: string;
  kind: 'off' | 'work';
  name: string;
}

export interface HolidayParse {
  days: CalendarDay[];
  /** Events that are neither a day off nor a make-up day (timed meetings, say), with why. */
  skipped: { summary: string; line: number; reason: string }[];
}

/** At most this many days from one file (a century of holidays); more is refused. */
export const MAX_CALENDAR_DAYS = 10_000;
/** One event may cover at most this many days off (the longest official break is 9). */
const MAX_EVENT_DAYS = 31;
const MAKE_UP = /补班|调休上班|make-?up/i;

function festival(summary: string): string {
  const quoted = /「([^」]+)」/.exec(summary)?.[1] ?? summary;
  return quoted.replace(/\s*(假期|补班|放假|休息)\s*$/u, '').trim() || summary.trim();
}

/** YYYYMMDD (a DATE or the date part of a DATE-TIME) -> YYYY-MM-DD, or null. */
function dateOf(value: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d] = m;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  const back = new Date(t).toISOString().slice(0, 10);
  return back === `${y}-${mo}-${d}` ? back : null;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function events(roots: IcsComponent[]): IcsComponent[] {
  return roots.flatMap((r) => r.children.filter((c) => c.name === 'VEVENT'));
}

export function parseHolidayIcs(text: string): HolidayParse {
  const days = new Map<string, CalendarDay>();
  const skipped: HolidayParse['skipped'] = [];
  for (const ev of events(parseIcsText(text))) {
    const start = prop(ev, 'DTSTART');
    const summary = unescapeText(prop(ev, 'SUMMARY')?.value ?? '').trim();
    const line = start?.line ?? 0;
    const skip = (reason: string): void => void skipped.push({ summary, line, reason });
    if (!start) {
      skip(say('ics.noStart'));
      continue;
    }
    if ((prop(ev, 'STATUS')?.value ?? '').toUpperCase() === 'CANCELLED') {
      skip(say('workdays.cancelled'));
      continue;
    }
    const first = dateOf(start.value);
    if (!first) {
      skip(say('workdays.notDate', { value: start.value }));
      continue;
    }
    const allDay = start.params.VALUE?.toUpperCase() === 'DATE' || /^\d{8}$/.test(start.value.trim());
    const name = festival(summary);
    if (MAKE_UP.test(summary)) {
      days.set(first, { day: first, kind: 'work', name });
    } else if (allDay) {
      const endProp = prop(ev, 'DTEND');
      const end = endProp ? dateOf(endProp.value) : nextDay(first);
      if (!end || end <= first) {
        skip(say('workdays.endNotAfter', { value: endProp?.value ?? '' }));
        continue;
      }
      let n = 0;
      for (let d = first; d < end; d = nextDay(d)) {
        if (++n > MAX_EVENT_DAYS) {
          skip(say('workdays.eventLong', { max: MAX_EVENT_DAYS }));
          break;
        }
        // a make-up day named in the same file wins over a day off
        if (days.get(d)?.kind !== 'work') days.set(d, { day: d, kind: 'off', name });
      }
    } else {
      skip(say('workdays.timed'));
      continue;
    }
    if (days.size > MAX_CALENDAR_DAYS)
      throw new VcError('ICS_INVALID', say('workdays.tooMany', { max: MAX_CALENDAR_DAYS }));
  }
  if (days.size === 0)
    throw new VcError(
      'ICS_INVALID',
      skipped.length
        ? say('workdays.noneSkipped', { n: skipped.length, why: skipped[0]!.reason })
        : say('workdays.none'),
    );
  return { days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)), skipped };
}
