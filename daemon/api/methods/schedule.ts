import { z } from 'zod';
import type { MethodRouter } from '../MethodRouter.js';
import type { Scheduler } from '../../scheduler/Scheduler.js';
import { ICS_MAX_CHARS } from '../../scheduler/ics/importCalendar.js';
import { Title } from '../../util/text.js';
import { say } from '../../../protocol/index.js';

// The schedule.* methods of the control API. Shapes are checked here; meaning (unknown endpoint,
// start in the past, conflicts) is checked by the scheduler, which names what is wrong.

const Id = z.string().min(1).max(64);
const EndpointId = z.string().min(1).max(32);
const Mode = z.enum(['broadcast', 'rollcall', 'voice', 'select']);
const Time = z.string().min(4).max(40);

const Add = z
  .object({
    title: Title.optional(),
    template: Id.optional(),
    workdays: z.enum(['cn']).optional(),
    start: Time,
    durationMinutes: z.number().optional(),
    rrule: z.string().min(1).max(500).optional(),
    timezone: z.string().min(1).max(64).optional(),
    endpoints: z.array(EndpointId).max(1000).optional(),
    group: EndpointId.optional(),
    upstream: EndpointId.optional(),
    chair: EndpointId.optional(),
    mode: Mode.optional(),
    force: z.boolean().optional(),
    record: z.boolean().optional(),
  })
  .strict();

const Edit = z
  .object({
    id: Id,
    from: Time.optional(),
    occurrence: Time.optional(),
    title: Title.optional(),
    start: Time.optional(),
    durationMinutes: z.number().optional(),
    rrule: z.string().min(1).max(500).nullable().optional(),
    timezone: z.string().min(1).max(64).optional(),
    endpoints: z.array(EndpointId).max(1000).optional(),
    group: EndpointId.optional(),
    upstream: EndpointId.nullable().optional(),
    chair: EndpointId.nullable().optional(),
    mode: Mode.optional(),
    workdays: z.enum(['cn']).nullable().optional(),
    force: z.boolean().optional(),
  })
  .strict()
  .refine((p) => !(p.from !== undefined && p.occurrence !== undefined), say('api.fromOrOccurrence'));

const List = z
  .object({
    from: z.string().max(40).optional(),
    to: z.string().max(40).optional(),
    scheduleId: Id.optional(),
    all: z.boolean().optional(),
  })
  .strict();

const Cancel = z.object({ id: Id, occurrence: Time.optional() }).strict();
const Show = z.object({ id: Id }).strict();
const Preflight = z.object({ id: Id, occurrence: Time.optional() }).strict();
const Export = z.object({ ids: z.array(Id).max(1000).optional() }).strict();
const Import = z
  .object({
    ics: z
      .string()
      .min(1)
      .max(ICS_MAX_CHARS, {
        message: say('api.icsTooLong', { max: ICS_MAX_CHARS }),
      }),
    map: z.record(z.string().min(1).max(200), z.array(EndpointId).max(1000)).optional(),
    endpoints: z.array(EndpointId).max(1000).optional(),
    group: EndpointId.optional(),
    force: z.boolean().optional(),
  })
  .strict();

/** Register schedule.add|list|show|edit|cancel|preflight|export|import on the API router. */
export function registerScheduleMethods(router: MethodRouter, scheduler: Scheduler): void {
  router.register('schedule.add', Add, (p, caller) => scheduler.add(p, caller));
  router.register('schedule.list', List.optional(), (p) => scheduler.list(p ?? {}));
  router.register('schedule.show', Show, (p) => scheduler.show(p.id));
  router.register('schedule.edit', Edit, (p, caller) => scheduler.edit(p, caller));
  router.register('schedule.cancel', Cancel, (p, caller) => scheduler.cancel(p, caller));
  router.register('schedule.preflight', Preflight, (p) => scheduler.preflight(p.id, p.occurrence));
  router.register('schedule.export', Export.optional(), (p) => scheduler.exportIcs(p?.ids));
  router.register('schedule.import', Import, (p, caller) => scheduler.importIcs(p, caller));
  router.register('calendar.list', z.object({ year: z.number().int().min(1970).max(2100) }).strict(), (p) =>
    scheduler.calendarYear(p.year),
  );
  router.register(
    'calendar.import',
    z
      .object({
        ics: z
          .string()
          .min(1)
          .max(ICS_MAX_CHARS, {
            message: say('api.icsTooLongHolidays', { max: ICS_MAX_CHARS }),
          }),
      })
      .strict(),
    (p, caller) => scheduler.importHolidays(p.ics, caller),
  );
}
