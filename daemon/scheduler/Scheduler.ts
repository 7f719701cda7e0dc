import type {
  CalendarDayView,
  CalendarImportResult,
  CalendarListResult,
  OccurrenceView,
  PreflightReport,
  ScheduleAddParams,
  ScheduleBookResult,
  ScheduleCancelParams,
  ScheduleCancelResult,
  ScheduleDetail,
  ScheduleEditParams,
  ScheduleImportParams,
  ScheduleImportResult,
  ScheduleListParams,
} from '../../protocol/index.js';
import { say } from '../../protocol/index.js';
import type { SiteConfig } from '../config/schema.js';
import { VcError } from '../errors.js';
import type { Store } from '../store/Store.js';
import type { ScheduleRow } from '../store/ScheduleRepo.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { importCalendar } from './ics/importCalendar.js';
import { parseHolidayIcs } from './workdays/holidayIcs.js';
import { SiteCalendar } from './workdays/SiteCalendar.js';
import type { DayInfo } from './workdays/WorkCalendar.js';
import { utcToFloating } from './zonedTime.js';
import { schedulesToIcs } from './ics/icsExport.js';
import { OccurrenceRunner } from './OccurrenceRunner.js';
import { Preflight } from './Preflight.js';
import type { Occurrence } from './Recurrence.js';
import { ScheduleBook, type Actor, type BookOutcome, type Meeting } from './ScheduleBook.js';
import type { ConferenceControl, Prober, SchedulerEvents } from './types.js';
import { iso, occurrenceView, scheduleDetail, scheduleView, type OccurrenceStateName } from './views.js';

/** Why the calendar left an occurrence out. */
function skipReason(day: DayInfo): string {
  const year = day.day.slice(0, 4);
  if (day.confirmed) return day.name ? say('sch.holiday', { name: day.name }) : say('sch.dayOff');
  return day.name ? say('sch.holidayUnconfirmed', { name: day.name, year }) : say('sch.dayOffUnconfirmed', { year });
}

/** What to tell about an occurrence that takes place on a working-day series. */
function dayNote(day: DayInfo): string | undefined {
  if (day.makeUp) return day.name ? say('sch.makeUp', { name: day.name }) : say('sch.makeUpBare');
  if (!day.confirmed) return say('sch.unpublished', { year: day.day.slice(0, 4) });
  return undefined;
}

export interface SchedulerOptions {
  store: Store;
  config: SiteConfig;
  log: Logger;
  clock?: Clock;
  prober: Prober;
  conferences: ConferenceControl;
  /** Default 5. */
  noticeBeforeEndMinutes?: number;
  /** The second pre-flight, minutes before the start; default 2. */
  finalPreflightMinutes?: number;
  /** Wait before trying a failed start again (within the grace window); default 30 s. */
  retryStartSeconds?: number;
  probeTimeoutMs?: number;
  testCallTimeoutMs?: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const MAX_LIST_SPAN = 400 * DAY;
const MAX_LIST_ROWS = 5000;

/**
 * Meetings that run by themselves: booking (with conflict checks), recurrence in the meeting's
 * own zone, pre-flight checks, automatic start and end through the conference bridge, and
 * restart safety (all state in SQLite). Events: `preflight`, `occurrence`, `notice`.
 */
export class Scheduler extends TypedEmitter<SchedulerEvents> {
  readonly name = 'scheduler';
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #conferences: ConferenceControl;
  readonly #book: ScheduleBook;
  readonly #site: SiteCalendar;
  readonly #preflight: Preflight;
  readonly #runner: OccurrenceRunner;
  #config: SiteConfig;

  constructor(opts: SchedulerOptions) {
    super();
    this.#store = opts.store;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.log.child({ component: 'scheduler' });
    this.#config = opts.config;
    this.#conferences = opts.conferences;
    const config = (): SiteConfig => this.#config;
    this.#site = new SiteCalendar(this.#store);
    this.#book = new ScheduleBook({
      store: this.#store,
      clock: this.#clock,
      log: this.#log,
      config,
      calendar: () => this.#site.calendar(),
    });
    this.#preflight = new Preflight({
      prober: opts.prober,
      clock: this.#clock,
      log: this.#log,
      degradedRttMs: () => this.#config.health.degradedRttMs,
      allowsTestCall: (id) => this.#config.endpoints.find((e) => e.id === id)?.testCall === true,
      ...(opts.probeTimeoutMs !== undefined ? { probeTimeoutMs: opts.probeTimeoutMs } : {}),
      ...(opts.testCallTimeoutMs !== undefined ? { testCallTimeoutMs: opts.testCallTimeoutMs } : {}),
    });
    this.#runner = new OccurrenceRunner({
      store: this.#store,
      book: this.#book,
      clock: this.#clock,
      log: this.#log,
      config,
      preflight: this.#preflight,
      conferences: opts.conferences,
      onOccurrence: (v) => this.emit('occurrence', v),
      onPreflight: (r) => this.emit('preflight', r),
      onNotice: (n) => this.emit('notice', n),
      noticeBeforeEndMs: (opts.noticeBeforeEndMinutes ?? 5) * MINUTE,
      finalPreflightMs: (opts.finalPreflightMinutes ?? 2) * MINUTE,
      retryStartMs: (opts.retryStartSeconds ?? 30) * 1000,
    });
  }

  /** Recover from the last run (missed / resumed meetings), then run by the clock. */
  start(): void {
    this.#runner.start();
  }

  async close(): Promise<void> {
    this.#runner.close();
    await this.#runner.idle();
  }

  reload(config: SiteConfig): void {
    this.#config = config;
    this.#changed();
  }

  add(p: ScheduleAddParams, actor: Actor): ScheduleBookResult {
    return this.#result(this.#book.add(p, actor));
  }

  edit(p: ScheduleEditParams, actor: Actor): ScheduleBookResult {
    return this.#result(this.#book.edit(p, actor));
  }

  async cancel(p: ScheduleCancelParams, actor: Actor): Promise<ScheduleCancelResult> {
    const m = this.#book.meeting(p.id);
    if (p.occurrence === undefined) {
      this.#book.cancelSeries(p.id, actor);
      let ended: string | undefined;
      for (const d of this.#store.occurrences.occurrenceDetails({ scheduleId: p.id, state: 'started' })) {
        ended = (await this.#endRunning(m.row, d.occurrenceStartUtc, 'schedule cancelled')) ?? ended;
      }
      this.#changed();
      return { id: p.id, scope: 'series', ...(ended ? { endedConference: ended } : {}) };
    }
    const occ = this.#book.cancelOccurrence(m, p.occurrence, actor);
    const ended = await this.#endRunning(m.row, occ.key, 'occurrence cancelled');
    this.emit('occurrence', occurrenceView(m.row, occ, { state: 'cancelled' }));
    this.#changed();
    return { id: p.id, scope: 'occurrence', occurrence: iso(occ.start), ...(ended ? { endedConference: ended } : {}) };
  }

  /** Occurrences (not series) overlapping [from, to]; default from 24 h ago to 14 days ahead. */
  list(p: ScheduleListParams = {}): OccurrenceView[] {
    const now = this.#clock.now();
    const from = p.from !== undefined ? parseInstant(p.from, 'from') : now - DAY;
    const to = p.to !== undefined ? parseInstant(p.to, 'to') : now + 14 * DAY;
    if (to <= from) throw new VcError('SCHEDULE_INVALID', say('err.listOrder', { to: iso(to), from: iso(from) }));
    if (to - from > MAX_LIST_SPAN)
      throw new VcError('SCHEDULE_INVALID', say('err.listSpan', { days: MAX_LIST_SPAN / DAY }));
    const meetings =
      p.scheduleId !== undefined
        ? [this.#book.meeting(p.scheduleId)]
        : this.#book.meetings({ includeCancelled: p.all === true });
    const out: OccurrenceView[] = [];
    for (const m of meetings) {
      for (const occ of m.rec.occurrences(from, to, m.exceptions)) {
        if (occ.start < m.row.createdAt - MINUTE && !this.#store.occurrences.occurrenceState(m.row.id, occ.key))
          continue;
        out.push(this.#view(m, occ, now));
      }
      // on a working-day series, what the calendar took out is listed too, with why
      for (const s of m.rec.skippedBetween(Math.max(from - m.row.durationMs + 1, m.row.createdAt - MINUTE), to)) {
        const occ = { key: s.start, start: s.start, end: s.start + m.row.durationMs };
        out.push(
          occurrenceView(m.row, occ, {
            state: m.row.cancelledAt !== null ? 'cancelled' : 'skipped',
            reason: skipReason(s.day),
          }),
        );
      }
      for (const e of m.exceptions) {
        const occ = {
          key: e.occurrenceStartUtc,
          start: e.occurrenceStartUtc,
          end: e.occurrenceStartUtc + m.row.durationMs,
        };
        if (e.kind === 'cancelled' && occ.end > from && occ.start < to)
          out.push(occurrenceView(m.row, occ, { state: 'cancelled' }));
      }
      if (out.length > MAX_LIST_ROWS) break;
    }
    return out
      .sort((a, b) => a.start.localeCompare(b.start) || a.scheduleId.localeCompare(b.scheduleId))
      .slice(0, MAX_LIST_ROWS);
  }

  show(id: string): ScheduleDetail {
    const m = this.#book.meeting(id);
    const now = this.#clock.now();
    const upcoming = m.rec.next(now, 10, m.exceptions).map((o) => this.#view(m, o, now));
    const last = this.#store.occurrences.preflightReports(id, undefined, 1)[0];
    return scheduleDetail(m.row, m.exceptions, upcoming, (last?.report as PreflightReport | undefined) ?? null);
  }

  /** Run a pre-flight check now, for the given occurrence or the next one. */
  async preflight(id: string, occurrence?: string): Promise<PreflightReport> {
    const m = this.#book.meeting(id);
    if (m.row.cancelledAt !== null) throw new VcError('SCHEDULE_INVALID', say('err.scheduleCancelled', { id }));
    const now = this.#clock.now();
    const occ =
      occurrence !== undefined ? this.#book.findOccurrence(m, occurrence) : m.rec.next(now, 1, m.exceptions)[0];
    if (!occ) throw new VcError('SCHEDULE_INVALID', say('err.nothingToCheck', { title: m.row.title, id }));
    const report = await this.#preflight.run({
      scheduleId: id,
      title: m.row.title,
      occurrenceStart: iso(occ.key),
      stage: 'manual',
      endpoints: [...m.row.endpoints, ...(m.row.upstream ? [m.row.upstream] : [])],
      timezone: m.row.tz,
    });
    this.#store.occurrences.addPreflightReport({ scheduleId: id, occurrenceStartUtc: occ.key, report });
    this.emit('preflight', report);
    return report;
  }

  exportIcs(ids?: readonly string[]): { ics: string; count: number } {
    const meetings = ids && ids.length > 0 ? ids.map((id) => this.#book.meeting(id)) : this.#book.meetings();
    return {
      ics: schedulesToIcs(
        meetings.map((m) => ({ schedule: m.row, exceptions: m.exceptions })),
        this.#clock.now(),
      ),
      count: meetings.length,
    };
  }

  async importIcs(p: ScheduleImportParams, actor: Actor): Promise<ScheduleImportResult> {
    const result = await importCalendar(p, actor, {
      store: this.#store,
      book: this.#book,
      config: this.#config,
      now: this.#clock.now(),
    });
    this.#changed();
    this.#log.info(
      { imported: result.imported.length, skipped: result.skipped.length, by: actor.name },
      'calendar imported',
    );
    return result;
  }

  /** Wire from the conference bridge: a scheduled conference ended (operator, or by itself). */
  conferenceEnded(conferenceId: string, reason = say('leg.endedByOperator')): void {
    this.#runner.conferenceEnded(conferenceId, reason);
  }

  /** Wire from the bridge's `conf extend`: the conference now ends at `endsAt` (UTC ms or ISO). */
  conferenceExtended(conferenceId: string, endsAt: number | string): void {
    this.#runner.conferenceExtended(conferenceId, typeof endsAt === 'number' ? endsAt : Date.parse(endsAt));
  }

  /** Occurrences starting within the next `withinMs` (status: "meetings in the next 24 h"). */
  upcomingCount(withinMs = DAY): number {
    const now = this.#clock.now();
    let n = 0;
    for (const m of this.#book.meetings())
      n += m.rec.occurrences(now, now + withinMs, m.exceptions).filter((o) => o.start >= now).length;
    return n;
  }

  /** Resolves when no start/end/pre-flight is in flight (tests). */
  idle(): Promise<void> {
    return this.#runner.idle();
  }

  #changed(): void {
    this.#runner.invalidate();
    this.#runner.poke();
  }

  #result(o: BookOutcome): ScheduleBookResult {
    this.#changed();
    const r: ScheduleBookResult = { schedule: this.show(o.row.id), overridden: o.overridden };
    if (o.previous) r.previous = scheduleView(o.previous);
    return r;
  }

  #view(m: Meeting, occ: Occurrence, now: number): OccurrenceView {
    const d = this.#store.occurrences.occurrenceDetail(m.row.id, occ.key);
    const report = this.#store.occurrences.preflightReports(m.row.id, occ.key, 1)[0]?.report as
      PreflightReport | undefined;
    const grace = this.#config.scheduler.graceMinutes * MINUTE;
    let state: OccurrenceStateName = d?.state ?? 'pending';
    let reason: string | undefined;
    if (m.row.cancelledAt !== null && (state === 'pending' || state === 'preflight')) state = 'cancelled';
    else if (!d && occ.start + grace < now) {
      // nothing ever ran it (the daemon was down longer than the restart look-back)
      state = 'missed';
      reason = say('sch.notStarted');
    }
    const v = occurrenceView(m.row, occ, {
      state,
      ...(d ? { detail: d } : {}),
      ...(report ? { preflight: report } : {}),
      ...(reason ? { reason } : {}),
    });
    if (m.row.workdays === 'cn') {
      const note = dayNote(
        this.#site.calendar().info(new Date(utcToFloating(occ.start, m.row.tz)).toISOString().slice(0, 10)),
      );
      if (note) v.note = note;
    }
    return v;
  }

  /** Import a holiday calendar (.ics) as the site's days off and make-up days (not as meetings). */
  importHolidays(ics: string, actor: Actor): CalendarImportResult {
    const parsed = parseHolidayIcs(ics);
    const years = this.#site.import(parsed.days);
    this.#changed();
    const result: CalendarImportResult = {
      offDays: parsed.days.filter((d) => d.kind === 'off').length,
      workDays: parsed.days.filter((d) => d.kind === 'work').length,
      years,
      skipped: parsed.skipped.slice(0, 100),
    };
    this.#log.info({ ...result, skipped: parsed.skipped.length, by: actor.name }, 'holiday calendar imported');
    return result;
  }

  /** The special days of a year: holidays and make-up days, official, statutory or the site's. */
  calendarYear(year: number): CalendarListResult {
    if (!Number.isInteger(year) || year < 1970 || year > 2100)
      throw new VcError('BAD_REQUEST', say('err.yearRange', { year }));
    const cal = this.#site.calendar();
    const days: CalendarDayView[] = [];
    for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += DAY) {
      const info = cal.info(new Date(t).toISOString().slice(0, 10));
      if (info.source === 'weekend' || info.source === 'ordinary' || !info.name) continue;
      if (!info.off && !info.makeUp && info.source !== 'site') continue;
      days.push({ day: info.day, kind: info.off ? 'off' : 'work', name: info.name, source: info.source });
    }
    return { year, confirmed: cal.confirmedYear(year), days };
  }

  /** End the conference of a running occurrence; returns its id when there was one. */
  async #endRunning(row: ScheduleRow, key: number, reason: string): Promise<string | undefined> {
    const d = this.#store.occurrences.occurrenceDetail(row.id, key);
    if (d?.state !== 'started' || !d.conferenceId) return undefined;
    try {
      if (this.#conferences.isActive(d.conferenceId)) await this.#conferences.end(d.conferenceId, reason);
    } catch (err) {
      this.#log.error({ err, conferenceId: d.conferenceId }, 'ending the conference of a cancelled meeting failed');
    }
    this.#store.occurrences.updateOccurrence(row.id, key, { state: 'ended', reason });
    return d.conferenceId;
  }
}

function parseInstant(s: string, what: string): number {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new VcError('SCHEDULE_INVALID', say('err.notIsoTime', { what, value: s }));
  return t;
}
