import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { utcToWall, zonedTimeToUtc } from '../scheduler/zonedTime.js';

// A calendar day in the site's zone as UTC instants. Days are not always 24 h (DST), so both ends
// are computed from the wall clock rather than adding 86,400,000 ms.

export interface DayWindow {
  /** YYYY-MM-DD */
  date: string;
  fromMs: number;
  toMs: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The day `date` (YYYY-MM-DD; default: the day `nowMs` falls in) in `tz`. PARAMS_INVALID for a bad date. */
export function dayWindow(tz: string, nowMs: number, date?: string): DayWindow {
  let y: number;
  let m: number;
  let d: number;
  if (date === undefined) {
    const w = utcToWall(nowMs, tz);
    [y, m, d] = [w.year, w.month, w.day];
  } else {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    if (!match) throw new VcError('PARAMS_INVALID', say('err.date', { date }));
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
      throw new VcError('PARAMS_INVALID', say('err.notADay', { date }));
    }
  }
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    date: `${pad(y, 4)}-${pad(m)}-${pad(d)}`,
    fromMs: zonedTimeToUtc({ year: y, month: m, day: d }, tz),
    toMs: zonedTimeToUtc({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, tz),
  };
}
