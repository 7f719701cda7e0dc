import type { ConferenceMode, ScheduleImportParams, ScheduleImportResult } from '../../../protocol/index.js';
import { say } from '../../../protocol/index.js';
import type { SiteConfig } from '../../config/schema.js';
import { VcError } from '../../errors.js';
import type { NewSchedule } from '../../store/ScheduleRepo.js';
import type { Store } from '../../store/Store.js';
import { checkDuration, checkTimes, checkTitle, participantsOf, resolveParticipants } from '../booking.js';
import type { OccurrenceException } from '../Recurrence.js';
import type { Actor, ScheduleBook } from '../ScheduleBook.js';
import { scheduleView } from '../views.js';
import { UID_SUFFIX } from './icsExport.js';
import { parseIcsEvents, type ImportedEvent } from './icsImport.js';

// Book the meetings of an .ics file. Events that cannot be meetings (all-day, no participants,
// unknown endpoints, entirely in the past, already booked) are skipped with the reason; a
// conflict stops the whole import (nothing is booked) unless forced, like a series booking.
//
// Linear and all-or-nothing: the book is read once for the conflict checks (not once per event),
// every event is checked before anything is written, and everything is written in one
// transaction. The checks run in slices with the event loop free in between, so SIP and the API
// keep answering during a large import; if the book changed meanwhile, the checks run again.

/** Largest .ics text taken (characters; the API refuses a larger one). */
export const ICS_MAX_CHARS = 900_000;
/** Most events (VEVENT, overrides included) in one file. */
export const ICS_MAX_EVENTS = 10_000;
/** Work between two yields to the event loop. */
const SLICE_MS = 20;
/** Checks restarted because the book changed under a running import, before giving up. */
const MAX_ATTEMPTS = 3;

const MODES = new Set<string>(['broadcast', 'rollcall', 'voice', 'select']);
const FAR = 8.6e15;
const UID_KEY_PREFIX = 'scheduler.icsUid:';

interface Deps {
  store: Store;
  book: ScheduleBook;
  config: SiteConfig;
  now: number;
  /** Give the event loop a turn (tests may count the turns). */
  yieldNow?: () => Promise<void>;
}

/** One event that will be booked. */
interface Planned {
  fields: NewSchedule;
  exceptions: OccurrenceException[];
  overridden: ReturnType<ReturnType<ScheduleBook['importChecker']>['check']>;
  /** The foreign UID to remember, so that a second import skips it. */
  uidKey: string | null;
}

const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

function endpointsFor(ev: ImportedEvent, map: Map<string, string[]>): string[] | null {
  const look = (name: string): string[] | undefined => map.get(name.trim().toLowerCase());
  if (ev.endpoints) return ev.endpoints.flatMap((n) => look(n) ?? [n]);
  const mapped = ev.names.flatMap((n) => look(n) ?? []);
  return mapped.length > 0 ? mapped : null;
}

/** Refuse a file over the limits before any work is done on it. */
export function checkIcsLimits(ics: string): void {
  if (ics.length > ICS_MAX_CHARS) {
    throw new VcError('ICS_INVALID', say('ics.tooLong', { n: ics.length, max: ICS_MAX_CHARS }), {
      limit: 'ICS_MAX_CHARS',
      value: ICS_MAX_CHARS,
    });
  }
  const events = ics.match(/^BEGIN:VEVENT\s*$/gim)?.length ?? 0;
  if (events > ICS_MAX_EVENTS) {
    throw new VcError('ICS_INVALID', say('ics.tooManyEvents', { n: events, max: ICS_MAX_EVENTS }), {
      limit: 'ICS_MAX_EVENTS',
      value: ICS_MAX_EVENTS,
    });
  }
}

export async function importCalendar(p: ScheduleImportParams, actor: Actor, d: Deps): Promise<ScheduleImportResult> {
  checkIcsLimits(p.ics);
  const pause = d.yieldNow ?? breathe;
  const parsed = parseIcsEvents(p.ics, d.config.site.timezone);
  await pause();
  for (let attempt = 1; ; attempt++) {
    const generation = d.book.generation;
    const { planned, skipped } = await plan(parsed.events, p, actor, d, pause);
    // nothing may have been booked while the checks gave the event loop its turns
    if (d.book.generation !== generation) {
      if (attempt < MAX_ATTEMPTS) continue;
      throw new VcError('SCHEDULE_CONFLICT', say('ics.busy'));
    }
    const imported = d.store.transaction(() =>
      planned.map((e) => {
        const row = d.book.createImported(e.fields, e.exceptions, e.overridden, actor);
        if (e.uidKey) d.store.kv.set(e.uidKey, row.id);
        return scheduleView(row);
      }),
    );
    return { imported, skipped: [...parsed.skipped, ...skipped] };
  }
}

/** Check every event against the book and the events before it; nothing is written. */
async function plan(
  events: readonly ImportedEvent[],
  p: ScheduleImportParams,
  actor: Actor,
  d: Deps,
  pause: () => Promise<void>,
): Promise<{ planned: Planned[]; skipped: ScheduleImportResult['skipped'] }> {
  const map = new Map(Object.entries(p.map ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const checker = d.book.importChecker();
  const planned: Planned[] = [];
  const skipped: ScheduleImportResult['skipped'] = [];
  const ownIds = new Set<string>();
  let sliceStart = performance.now();
  for (const [i, ev] of events.entries()) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await pause();
      sliceStart = performance.now();
    }
    const skip = (reason: string): void => {
      skipped.push({ uid: ev.uid, summary: ev.summary, reason });
    };
    if (ev.cancelled) {
      skip(say('ics.skipCancelled'));
      continue;
    }
    const ownId = ev.uid.endsWith(UID_SUFFIX) ? ev.uid.slice(0, -UID_SUFFIX.length) : null;
    if (ownId && (d.store.schedules.get(ownId) || ownIds.has(ownId))) {
      skip(say('ics.skipOwn', { id: ownId }));
      continue;
    }
    // a calendar imported twice must not book its meetings twice: remember foreign UIDs
    const uidKey = ev.uid && !ownId ? `${UID_KEY_PREFIX}${ev.uid}` : null;
    const earlier = uidKey ? d.store.kv.get<string>(uidKey) : undefined;
    const earlierRow = earlier ? d.store.schedules.get(earlier) : undefined;
    if (earlierRow && earlierRow.cancelledAt === null) {
      skip(say('ics.skipImported', { id: earlierRow.id }));
      continue;
    }
    try {
      const listed = endpointsFor(ev, map);
      const who = resolveParticipants(
        d.config,
        listed
          ? { endpoints: listed, upstream: ev.upstream, chair: ev.chair }
          : {
              endpoints: p.endpoints ?? [],
              ...(p.group !== undefined ? { group: p.group } : {}),
              upstream: ev.upstream,
              chair: ev.chair,
            },
      );
      const durationMs = checkDuration(ev.durationMs / 60_000);
      const rec = checkTimes({ startUtc: ev.startUtc, durationMs, rrule: ev.rrule, tz: ev.tz }, null);
      if (rec.startsBetween(d.now, FAR, 1).length === 0) {
        skip(say('ics.skipPast'));
        continue;
      }
      const title = checkTitle(ev.summary);
      const exceptions: OccurrenceException[] = [
        ...ev.exdates.map((t) => ({ occurrenceStartUtc: t, kind: 'cancelled' as const, newStartUtc: null })),
        ...ev.moved.map((m) => ({
          occurrenceStartUtc: m.occurrenceStartUtc,
          kind: 'moved' as const,
          newStartUtc: m.newStartUtc,
        })),
      ];
      const label = ev.uid || `event ${i + 1}`;
      const overridden = checker.check(
        label,
        {
          title,
          tz: ev.tz,
          participants: participantsOf({ endpoints: who.endpoints, upstream: who.upstream, chair: null }),
          rec,
          exceptions: exceptions.map((e) => ({ ...e, scheduleId: '', createdAt: 0 })),
        },
        Boolean(p.force),
      );
      const mode = ev.mode && MODES.has(ev.mode) ? (ev.mode as ConferenceMode) : null;
      const id = ownId && /^[a-z0-9-]{1,64}$/.test(ownId) ? ownId : undefined;
      if (id) ownIds.add(id);
      planned.push({
        fields: {
          ...(id ? { id } : {}),
          title,
          startUtc: rec.times.startUtc,
          durationMs,
          rrule: rec.rule?.text ?? null,
          tz: ev.tz,
          ...who,
          mode,
          createdBy: actor.name,
        },
        exceptions,
        overridden,
        uidKey,
      });
    } catch (e) {
      if (!(e instanceof VcError)) throw e;
      if (e.code === 'SCHEDULE_CONFLICT') {
        throw new VcError(
          'SCHEDULE_CONFLICT',
          say('ics.conflict', { summary: ev.summary, uid: ev.uid, why: e.message }),
          e.details,
        );
      }
      if (e.code === 'STORE_FAILED') throw e;
      if (e.code === 'SCHEDULE_INVALID' && /no participants/.test(e.message)) {
        skip(say('ics.skipNoParticipants'));
      } else {
        skip(e.message);
      }
    }
  }
  return { planned, skipped };
}
