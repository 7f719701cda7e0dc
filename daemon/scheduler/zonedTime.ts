import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';

// Wall-clock time in an IANA zone <-> UTC instants, with nothing but Intl.
// A "floating" time is a wall-clock time written as if it were UTC (Date.UTC(y, m, d, h, mi)):
// recurrence is expanded in floating time so 09:00 stays 09:00 local across DST changes.

export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch (e) {
      if (e instanceof RangeError) throw new VcError('SCHEDULE_INVALID', say('tz.unknown', { tz }));
      throw e;
    }
    formatters.set(tz, f);
  }
  return f;
}

// Intl costs ~4 µs a call and expanding a year of 1,000 series needs ~300,000 offsets, so offsets
// are cached per UTC day: two Intl calls per day, plus a binary search on the rare day a zone
// changes its offset (at most one change a day, at a whole minute: true of every zone since 1900).
const DAY_MS = 86_400_000;
const MINUTE = 60_000;
interface DayOffsets {
  start: number;
  end: number;
  change: number;
}
const dayCache = new Map<string, Map<number, DayOffsets>>();
const DAY_CACHE_MAX = 50_000;

function rawOffset(tz: string, utcMs: number): number {
  const t = Math.floor(utcMs / 1000) * 1000;
  const w = utcToWall(t, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
}

function dayOffsets(tz: string, day: number): DayOffsets {
  let days = dayCache.get(tz);
  if (!days) dayCache.set(tz, (days = new Map()));
  let info = days.get(day);
  if (info) return info;
  const from = day * DAY_MS;
  const start = rawOffset(tz, from);
  const end = rawOffset(tz, from + DAY_MS - MINUTE);
  let change = from + DAY_MS;
  if (start !== end) {
    // first minute of the day already on the new offset
    let lo = 0;
    let hi = DAY_MS / MINUTE - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rawOffset(tz, from + mid * MINUTE) === end) hi = mid;
      else lo = mid + 1;
    }
    change = from + lo * MINUTE;
  }
  info = { start, end, change };
  if (days.size >= DAY_CACHE_MAX) days.clear();
  days.set(day, info);
  return info;
}

/** The zone's offset from UTC at `utcMs`, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  const info = dayOffsets(tz, Math.floor(utcMs / DAY_MS));
  return utcMs < info.change ? info.start : info.end;
}

/** The wall-clock time in `tz` at the instant `utcMs`. */
export function utcToWall(utcMs: number, tz: string): WallTime {
  const parts = formatter(tz).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = era === 'BC' || era === 'B' ? 1 - get('year') : get('year');
  return {
    year,
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** Floating ms of the wall-clock time in `tz` at the instant `utcMs`. */
export function utcToFloating(utcMs: number, tz: string): number {
  return utcMs + zoneOffsetMs(tz, utcMs);
}

/**
 * The instant at which the wall clock in `tz` shows `floatingMs`.
 * Ambiguous times (clocks going back) give the earlier instant; times that do not exist (clocks
 * going forward) are moved forward by the gap, as calendar programs do (02:30 -> 03:30).
 */
export function floatingToUtc(floatingMs: number, tz: string): number {
  const DAY = 86_400_000;
  // offsets a day either side: assumes at most one transition within 48 h, true of every zone
  const before = zoneOffsetMs(tz, floatingMs - DAY);
  const after = zoneOffsetMs(tz, floatingMs + DAY);
  const candidates =
    before === after ? [floatingMs - before] : [floatingMs - before, floatingMs - after].sort((a, b) => a - b);
  for (const c of candidates) {
    if (utcToFloating(c, tz) === floatingMs) return c;
  }
  // in a gap: keep the offset from before the jump, which lands after it
  return floatingMs - before;
}

/** The instant of a wall-clock time in `tz` (see floatingToUtc for DST gaps and overlaps). */
export function zonedTimeToUtc(w: Partial<WallTime> & Pick<WallTime, 'year' | 'month' | 'day'>, tz: string): number {
  formatter(tz); // validates the zone name
  return floatingToUtc(Date.UTC(w.year, w.month - 1, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0), tz);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "2026-12-07 09:00" in `tz` (seconds only when not zero). */
export function formatWall(utcMs: number, tz: string): string {
  const w = utcToWall(utcMs, tz);
  const s = w.second ? `:${pad(w.second)}` : '';
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}${s}`;
}

/** ISO 8601 with the zone's offset: "2026-12-07T09:00:00+08:00". */
export function formatIsoInZone(utcMs: number, tz: string): string {
  const w = utcToWall(utcMs, tz);
  const off = Math.round(zoneOffsetMs(tz, utcMs) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const OFFSET_RE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A start time as people and programs write it: an ISO instant with an offset ("2026-12-07T01:00Z",
 * "...+08:00") is taken as it is; a wall-clock time without one ("2026-12-07 09:00") is read in `tz`.
 * Returns UTC ms, or undefined when the text is not a time.
 */
export function parseTimeInZone(text: string, tz: string): number | undefined {
  const s = text.trim();
  const local = LOCAL_RE.exec(s);
  if (local) {
    const [, y, mo, d, h, mi, se] = local.map((v) => (v === undefined ? undefined : Number(v)));
    if (!validWall(y!, mo!, d!, h ?? 0, mi ?? 0, se ?? 0)) return undefined;
    return zonedTimeToUtc({ year: y!, month: mo!, day: d!, hour: h ?? 0, minute: mi ?? 0, second: se ?? 0 }, tz);
  }
  if (OFFSET_RE.test(s) && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function validWall(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

export interface ZoneTransition {
  /** UTC ms of the first instant on the new offset. */
  at: number;
  fromOffsetMs: number;
  toOffsetMs: number;
}

/** Offset changes of `tz` in [fromUtc, toUtc): week by week, then day by day, then to the minute. */
export function zoneTransitions(tz: string, fromUtc: number, toUtc: number): ZoneTransition[] {
  const out: ZoneTransition[] = [];
  const push = (at: number, from: number, to: number): void => {
    if (from !== to && at >= fromUtc && at < toUtc) out.push({ at, fromOffsetMs: from, toOffsetMs: to });
  };
  let day = Math.floor(fromUtc / DAY_MS);
  const lastDay = Math.ceil(toUtc / DAY_MS);
  let prevEnd = zoneOffsetMs(tz, day * DAY_MS - 1);
  while (day < lastDay) {
    const next = Math.min(day + 7, lastDay);
    if (zoneOffsetMs(tz, next * DAY_MS - 1) !== prevEnd) {
      for (let d = day; d < next; d++) {
        const info = dayOffsets(tz, d);
        push(d * DAY_MS, prevEnd, info.start); // a change exactly at 00:00 UTC
        push(info.change, info.start, info.end);
        prevEnd = info.end;
      }
    }
    day = next;
  }
  return out;
}
