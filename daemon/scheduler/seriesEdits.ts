import type { ScheduleEditParams } from '../../protocol/index.js';
import { say } from '../../protocol/index.js';
import type { SiteConfig } from '../config/schema.js';
import { VcError } from '../errors.js';
import type { ScheduleException, ScheduleRow } from '../store/ScheduleRepo.js';
import type { WorkCalendar } from './workdays/WorkCalendar.js';
import type { BookedSeries, Candidate } from './BookingConflicts.js';
import {
  checkDuration,
  checkTimes,
  checkTimezone,
  checkTitle,
  parseStart,
  participantsOf,
  resolveParticipants,
} from './booking.js';
import type { Participants } from './booking.js';
import { Recurrence, type Occurrence } from './Recurrence.js';
import { withEnd } from './rruleText.js';
import { formatWall, utcToWall, zonedTimeToUtc } from './zonedTime.js';

// What an edit of a booked meeting asks for, worked out from the request and the stored series
// before anything is written: the new times (a new zone keeps the wall-clock time), participants,
// where a split series ends and which exceptions follow, whether one occurrence may move.
// Nothing here writes; ScheduleBook checks conflicts and stores the result in one transaction.

export interface EditContext {
  config: SiteConfig;
  now: number;
  /** The working-day calendar series with workdays 'cn' follow. */
  calendar: () => WorkCalendar;
}

/** The series as it will be after an edit (of the whole series, or of its new part after a split). */
export interface EditedSeries {
  title: string;
  tz: string;
  durationMs: number;
  who: Participants;
  workdays: 'cn' | null;
  rec: Recurrence;
}

export interface SplitSeries extends EditedSeries {
  /** The rule of the earlier part: it ends before the occurrence the edit starts from. */
  oldRule: string;
  /** Exceptions of later occurrences that move to the new series (its times did not change). */
  carried: ScheduleException[];
}

export type SeriesColumns = Pick<
  ScheduleRow,
  'title' | 'startUtc' | 'durationMs' | 'rrule' | 'tz' | 'endpoints' | 'upstream' | 'chair' | 'workdays'
>;

/** The stored columns of a series' title, times, participants and calendar. */
export function seriesColumns(e: EditedSeries): SeriesColumns {
  return {
    title: e.title,
    startUtc: e.rec.times.startUtc,
    durationMs: e.durationMs,
    rrule: e.rec.rule?.text ?? null,
    tz: e.tz,
    ...e.who,
    workdays: e.workdays,
  };
}

/** What BookingConflicts needs to know of the series being booked (besides its id and exceptions). */
export function conflictSubject(e: EditedSeries): Pick<Candidate, 'title' | 'tz' | 'participants' | 'rec'> {
  return { title: e.title, tz: e.tz, participants: participantsOf(e.who), rec: e.rec };
}

/** A series that follows the working-day calendar expands with it (holidays out, make-up days in). */
export function withWorkdays(checked: Recurrence, workdays: 'cn' | null, calendar: () => WorkCalendar): Recurrence {
  return workdays ? new Recurrence({ ...checked.times, calendar: calendar() }) : checked;
}

/** The start of an edited series: as given, else the old one (`from`), at the same wall-clock
 *  time when only the zone changes ("09:00" stays 09:00). */
function editedStart(p: ScheduleEditParams, from: number, oldTz: string, tz: string): number {
  if (p.start !== undefined) return parseStart(p.start, tz);
  return tz === oldTz ? from : zonedTimeToUtc(utcToWall(from, oldTz), tz);
}

function editedParticipants(cfg: SiteConfig, m: BookedSeries, p: ScheduleEditParams): Participants {
  const upstream = p.upstream === undefined ? m.row.upstream : p.upstream;
  const chair = p.chair === undefined ? m.row.chair : p.chair;
  const listed = p.endpoints !== undefined || p.group !== undefined;
  return resolveParticipants(cfg, {
    endpoints: listed ? (p.endpoints ?? []) : m.row.endpoints,
    group: p.group,
    upstream,
    chair,
  });
}

/** The whole series edited in place. A start left as it was may lie in the past. */
export function editedSeries(m: BookedSeries, p: ScheduleEditParams, ctx: EditContext): EditedSeries {
  const row = m.row;
  const tz = checkTimezone(p.timezone ?? row.tz);
  const startUtc = editedStart(p, row.startUtc, row.tz, tz);
  const durationMs = p.durationMinutes !== undefined ? checkDuration(p.durationMinutes) : row.durationMs;
  const rrule = p.rrule === undefined ? row.rrule : p.rrule;
  const who = editedParticipants(ctx.config, m, p);
  const workdays = p.workdays === undefined ? row.workdays : p.workdays;
  const rec = withWorkdays(
    checkTimes({ startUtc, durationMs, rrule, tz }, p.start !== undefined ? ctx.now : null),
    workdays,
    ctx.calendar,
  );
  const title = p.title !== undefined ? checkTitle(p.title) : row.title;
  return { title, tz, durationMs, who, workdays, rec };
}

/** `occ` and every later occurrence edited: the series ends before it and a new one starts there. */
export function splitSeries(m: BookedSeries, occ: Occurrence, p: ScheduleEditParams, ctx: EditContext): SplitSeries {
  const row = m.row;
  const rule = m.rec.rule;
  if (!rule) throw new VcError('SCHEDULE_INVALID', say('err.oneOff', { title: row.title }));
  if (occ.key <= ctx.now)
    throw new VcError('SCHEDULE_INVALID', say('err.fromBegun', { time: formatWall(occ.start, row.tz) }));
  const before = m.rec.countBefore(occ.key);
  const oldRule = rule.count !== null ? withEnd(rule, { count: before }) : withEnd(rule, { untilUtc: occ.key - 1000 });
  const tz = checkTimezone(p.timezone ?? row.tz);
  const startUtc = editedStart(p, occ.key, row.tz, tz);
  const durationMs = p.durationMinutes !== undefined ? checkDuration(p.durationMinutes) : row.durationMs;
  const rrule =
    p.rrule !== undefined ? p.rrule : rule.count !== null ? withEnd(rule, { count: rule.count - before }) : rule.text;
  const workdays = p.workdays === undefined ? row.workdays : p.workdays;
  const rec = withWorkdays(checkTimes({ startUtc, durationMs, rrule, tz }, ctx.now), workdays, ctx.calendar);
  const who = editedParticipants(ctx.config, m, p);
  const title = p.title !== undefined ? checkTitle(p.title) : row.title;
  // exceptions of later occurrences follow them when the times did not change
  const carried =
    startUtc === occ.key && rrule === rule.text && workdays === row.workdays
      ? m.exceptions.filter((e) => e.occurrenceStartUtc >= occ.key)
      : [];
  return { title, tz, durationMs, who, workdays, rec, oldRule, carried };
}

const NOT_FOR_ONE_OCCURRENCE = [
  'title',
  'durationMinutes',
  'rrule',
  'timezone',
  'endpoints',
  'group',
  'upstream',
  'chair',
  'mode',
  'workdays',
  'from',
] as const;

/** A move of one occurrence asks for nothing but its new start. */
export function checkMoveOnly(p: ScheduleEditParams): string {
  const changed = NOT_FOR_ONE_OCCURRENCE.filter((k) => p[k] !== undefined);
  if (changed.length > 0) {
    throw new VcError('SCHEDULE_INVALID', say('err.moveOnlyStart', { fields: changed.join(', ') }));
  }
  if (p.start === undefined) throw new VcError('SCHEDULE_INVALID', say('err.moveNeedsStart'));
  return p.start;
}

/** Where `occ` goes, or why it cannot move (it has begun or passed, the new start is past). */
export function movedOccurrence(
  m: BookedSeries,
  occ: Occurrence,
  start: string,
  state: string | undefined,
  now: number,
): Occurrence {
  const row = m.row;
  if (occ.start <= now || state === 'started' || state === 'ended' || state === 'missed') {
    throw new VcError('SCHEDULE_INVALID', say('err.moveBegun', { time: formatWall(occ.start, row.tz) }));
  }
  const newStart = parseStart(start, row.tz);
  if (newStart < now)
    throw new VcError('SCHEDULE_INVALID', say('err.newStartPast', { start: formatWall(newStart, row.tz), tz: row.tz }));
  return { key: occ.key, start: newStart, end: newStart + row.durationMs };
}
