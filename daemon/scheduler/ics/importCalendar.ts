import type { ConferenceMode, ScheduleImportParams, ScheduleImportResult } from '../../../protocol/index.js';
import type { SiteConfig } from '../../config/schema.js';
import { VcError } from '../../errors.js';
import type { Store } from '../../store/Store.js';
import { checkDuration, checkTimes, checkTitle, resolveParticipants } from '../booking.js';
import type { Actor, ScheduleBook } from '../ScheduleBook.js';
import { scheduleView } from '../views.js';
import { UID_SUFFIX } from './icsExport.js';
import { parseIcsEvents, type ImportedEvent } from './icsImport.js';

// Book the meetings of an .ics file. Events that cannot be meetings (all-day, no participants,
// unknown endpoints, entirely in the past, already booked) are skipped with the reason; a
// conflict stops the whole import (nothing is booked) unless forced, like a series booking.

const MODES = new Set<string>(['broadcast', 'rollcall', 'voice', 'select']);
const FAR = 8.6e15;
const UID_KEY_PREFIX = 'scheduler.icsUid:';

interface Deps {
  store: Store;
  book: ScheduleBook;
  config: SiteConfig;
  now: number;
}

function endpointsFor(ev: ImportedEvent, map: Map<string, string[]>): string[] | null {
  const look = (name: string): string[] | undefined => map.get(name.trim().toLowerCase());
  if (ev.endpoints) return ev.endpoints.flatMap((n) => look(n) ?? [n]);
  const mapped = ev.names.flatMap((n) => look(n) ?? []);
  return mapped.length > 0 ? mapped : null;
}

export function importCalendar(p: ScheduleImportParams, actor: Actor, d: Deps): ScheduleImportResult {
  const { events, skipped } = parseIcsEvents(p.ics, d.config.site.timezone);
  const map = new Map(Object.entries(p.map ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const result: ScheduleImportResult = { imported: [], skipped: [...skipped] };
  d.store.transaction(() => {
    for (const ev of events) {
      const skip = (reason: string): void => {
        result.skipped.push({ uid: ev.uid, summary: ev.summary, reason });
      };
      if (ev.cancelled) {
        skip('cancelled in the calendar');
        continue;
      }
      const ownId = ev.uid.endsWith(UID_SUFFIX) ? ev.uid.slice(0, -UID_SUFFIX.length) : null;
      if (ownId && d.store.schedules.get(ownId)) {
        skip(`already booked as ${ownId}`);
        continue;
      }
      // a calendar imported twice must not book its meetings twice: remember foreign UIDs
      const uidKey = `${UID_KEY_PREFIX}${ev.uid}`;
      const earlier = ev.uid ? d.store.kv.get<string>(uidKey) : undefined;
      const earlierRow = earlier ? d.store.schedules.get(earlier) : undefined;
      if (earlierRow && earlierRow.cancelledAt === null) {
        skip(`already imported as ${earlierRow.id}`);
        continue;
      }
      try {
        const listed = endpointsFor(ev, map);
        const who = resolveParticipants(d.config, listed
          ? { endpoints: listed, upstream: ev.upstream, chair: ev.chair }
          : { endpoints: p.endpoints ?? [], ...(p.group !== undefined ? { group: p.group } : {}), upstream: ev.upstream, chair: ev.chair });
        const durationMs = checkDuration(ev.durationMs / 60_000);
        const rec = checkTimes({ startUtc: ev.startUtc, durationMs, rrule: ev.rrule, tz: ev.tz }, null);
        if (rec.startsBetween(d.now, FAR, 1).length === 0) {
          skip('every occurrence is in the past');
          continue;
        }
        const mode = ev.mode && MODES.has(ev.mode) ? (ev.mode as ConferenceMode) : null;
        const { row } = d.book.importOne({
          ...(ownId && /^[a-z0-9-]{1,64}$/.test(ownId) ? { id: ownId } : {}),
          title: checkTitle(ev.summary), startUtc: ev.startUtc, durationMs, rrule: ev.rrule, tz: ev.tz, ...who, mode, createdBy: actor.name,
        }, [
          ...ev.exdates.map((t) => ({ occurrenceStartUtc: t, kind: 'cancelled' as const, newStartUtc: null })),
          ...ev.moved.map((m) => ({ occurrenceStartUtc: m.occurrenceStartUtc, kind: 'moved' as const, newStartUtc: m.newStartUtc })),
        ], Boolean(p.force), actor);
        if (ev.uid && !ownId) d.store.kv.set(uidKey, row.id);
        result.imported.push(scheduleView(row));
      } catch (e) {
        if (!(e instanceof VcError)) throw e;
        if (e.code === 'SCHEDULE_CONFLICT') {
          throw new VcError('SCHEDULE_CONFLICT', `nothing imported: "${ev.summary}" (${ev.uid}) ${e.message}`, e.details);
        }
        if (e.code === 'STORE_FAILED') throw e;
        if (e.code === 'SCHEDULE_INVALID' && /no participants/.test(e.message)) {
          skip('no participants: add X-VCBRIDGE-ENDPOINTS, map calendar names with --map NAME=id,…, or give --endpoints/--group');
        } else {
          skip(e.message);
        }
      }
    }
  });
  return result;
}
