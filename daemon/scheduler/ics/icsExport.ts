import type { ScheduleException, ScheduleRow } from '../../store/ScheduleRepo.js';
import { utcToWall, zoneOffsetMs, zoneTransitions } from '../zonedTime.js';
import { contentLine, escapeText } from './icsText.js';

// Schedules -> iCalendar (RFC 5545). Times are written as wall-clock times with TZID so a calendar
// program keeps "09:00 every Monday" at 09:00 across DST, and each zone gets a VTIMEZONE built from
// the zone's real offset changes around the meetings.

export const X_ENDPOINTS = 'X-VCBRIDGE-ENDPOINTS';
export const X_UPSTREAM = 'X-VCBRIDGE-UPSTREAM';
export const X_CHAIR = 'X-VCBRIDGE-CHAIR';
export const X_MODE = 'X-VCBRIDGE-MODE';
export const UID_SUFFIX = '@vcbridge';

export interface ExportItem {
  schedule: ScheduleRow;
  exceptions: readonly ScheduleException[];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const YEAR = 365.25 * 86_400_000;

/** "20261207T090000": the wall-clock time in `tz`. */
export function localStamp(utcMs: number, tz: string): string {
  const w = utcToWall(utcMs, tz);
  return `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}T${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

export function utcStamp(utcMs: number): string {
  return new Date(utcMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 5545 duration: "PT1H30M", "P1DT2H". */
export function formatIcsDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  return `P${d ? `${d}D` : ''}${time ? `T${time}` : d ? '' : 'T0S'}`;
}

function offsetText(ms: number): string {
  const min = Math.round(ms / 60_000);
  const a = Math.abs(min);
  return `${min < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

function vtimezone(tz: string, fromUtc: number, toUtc: number): string[] {
  const lines = ['BEGIN:VTIMEZONE', contentLine('TZID', tz)];
  const first = zoneOffsetMs(tz, fromUtc);
  const transitions = zoneTransitions(tz, fromUtc, toUtc);
  const sub = (kind: 'STANDARD' | 'DAYLIGHT', startLocal: string, from: number, to: number): void => {
    lines.push(
      `BEGIN:${kind}`,
      `DTSTART:${startLocal}`,
      `TZOFFSETFROM:${offsetText(from)}`,
      `TZOFFSETTO:${offsetText(to)}`,
      `END:${kind}`,
    );
  };
  // the offset in force at the start of the range, then every change in it
  sub('STANDARD', localStamp(fromUtc, 'UTC').slice(0, 8) + 'T000000', first, first);
  for (const t of transitions) {
    sub(
      t.toOffsetMs > t.fromOffsetMs ? 'DAYLIGHT' : 'STANDARD',
      localStamp(t.at + t.fromOffsetMs, 'UTC'),
      t.fromOffsetMs,
      t.toOffsetMs,
    );
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

function vevent(item: ExportItem, dtstamp: number): string[] {
  const s = item.schedule;
  const tzParam = { TZID: s.tz };
  const lines = [
    'BEGIN:VEVENT',
    contentLine('UID', `${s.id}${UID_SUFFIX}`),
    `DTSTAMP:${utcStamp(dtstamp)}`,
    contentLine('DTSTART', localStamp(s.startUtc, s.tz), tzParam),
    `DURATION:${formatIcsDuration(s.durationMs)}`,
    contentLine('SUMMARY', escapeText(s.title)),
  ];
  if (s.rrule) lines.push(contentLine('RRULE', s.rrule));
  const cancelled = item.exceptions
    .filter((e) => e.kind === 'cancelled')
    .map((e) => localStamp(e.occurrenceStartUtc, s.tz));
  if (s.rrule && cancelled.length > 0) lines.push(contentLine('EXDATE', cancelled.join(','), tzParam));
  if (s.cancelledAt !== null) lines.push('STATUS:CANCELLED');
  lines.push(contentLine(X_ENDPOINTS, s.endpoints.join(',')));
  if (s.upstream) lines.push(contentLine(X_UPSTREAM, s.upstream));
  if (s.chair) lines.push(contentLine(X_CHAIR, s.chair));
  if (s.mode) lines.push(contentLine(X_MODE, s.mode));
  lines.push(`LAST-MODIFIED:${utcStamp(s.updatedAt)}`, 'END:VEVENT');
  // a moved occurrence is an override of the series, tied to it by UID + RECURRENCE-ID
  for (const e of item.exceptions) {
    if (e.kind !== 'moved' || e.newStartUtc === null || !s.rrule) continue;
    lines.push(
      'BEGIN:VEVENT',
      contentLine('UID', `${s.id}${UID_SUFFIX}`),
      `DTSTAMP:${utcStamp(dtstamp)}`,
      contentLine('RECURRENCE-ID', localStamp(e.occurrenceStartUtc, s.tz), tzParam),
      contentLine('DTSTART', localStamp(e.newStartUtc, s.tz), tzParam),
      `DURATION:${formatIcsDuration(s.durationMs)}`,
      contentLine('SUMMARY', escapeText(s.title)),
      'END:VEVENT',
    );
  }
  return lines;
}

/** A whole VCALENDAR with the given schedules; CRLF line ends as RFC 5545 asks. */
export function schedulesToIcs(items: readonly ExportItem[], now: number): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//vcbridge//scheduler//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
  ];
  const zones = new Map<string, { from: number; to: number }>();
  for (const { schedule: s } of items) {
    const z = zones.get(s.tz) ?? { from: s.startUtc, to: s.startUtc };
    z.from = Math.min(z.from, s.startUtc);
    // open-ended series: describe the zone for a few years ahead of today
    z.to = Math.max(z.to, s.startUtc + YEAR, now + 5 * YEAR);
    zones.set(s.tz, z);
  }
  for (const [tz, r] of zones) lines.push(...vtimezone(tz, r.from - 86_400_000, r.to));
  for (const item of items) lines.push(...vevent(item, now));
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}
