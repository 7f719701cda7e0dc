import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { ScheduleEditParams } from '../../protocol/index.js';
import { globals, parseOptions, withClient } from '../context.js';
import { usage } from '../errors.js';
import { print } from '../output.js';
import { renderBooking, renderImport, renderOccurrences, renderPreflight, renderSchedule } from '../scheduleRender.js';
import { parseDuration } from '../time.js';
import { readInput } from '../readInput.js';
import { say } from '../../protocol/index.js';

// vcbridge schedule add|list|show|edit|cancel|preflight|export|import

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const Mode = z.enum(['broadcast', 'rollcall', 'voice', 'select']);

/** "90m", "1h30m" or plain minutes. */
function minutes(s: string, opt: string): number {
  if (/^-?\d+$/.test(s.trim())) return Number(s);
  const ms = parseDuration(s.trim());
  if (ms === undefined) throw usage(say('cli.duration', { option: opt, value: s }));
  return ms / 60_000;
}

/** --from/--to: ISO time, a date, or a duration from now ("2d" back for --from, ahead for --to). */
function when(s: string, opt: '--from' | '--to', now = Date.now()): string {
  const d = parseDuration(s.replace(/^[+-]/, ''));
  if (d !== undefined) return new Date(opt === '--from' || s.startsWith('-') ? now - d : now + d).toISOString();
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00` : s.replace(' ', 'T'));
  if (Number.isNaN(t)) throw usage(say('cli.when', { option: opt, value: s }));
  return new Date(t).toISOString();
}

/** "none" clears an optional participant. */
const clearable = (v: string | undefined): string | null | undefined =>
  v === undefined ? undefined : v === 'none' ? null : v;

const AddOptions = z.object({
  title: z.string().min(1, 'give the meeting a title').optional(),
  template: z.string().min(1).optional(),
  workdays: z.enum(['cn'], { message: 'the only working-day calendar is cn (China, with 调休)' }).optional(),
  start: z.string().min(1),
  duration: z.string().min(1).optional(),
  rrule: z.string().optional(),
  endpoints: z.string().optional(),
  group: z.string().optional(),
  upstream: z.string().optional(),
  chair: z.string().optional(),
  tz: z.string().optional(),
  mode: Mode.optional(),
  force: z.boolean().optional(),
  record: z.boolean().optional(),
});

const add = new Command('add')
  .description('book a meeting (one-off, or repeating with --rrule)')
  .option('--title <title>', 'what the meeting is called, e.g. "周一例会" (default: the template\'s)')
  .option(
    '--template <id>',
    'a meeting template of the site config (see `vcbridge template list`); other options add to it',
  )
  .requiredOption('--start <time>', 'first start, "2026-12-07 09:00" in the meeting\'s zone (or ISO with offset)')
  .option('--duration <d>', "length, e.g. 90m, 1h30m (default: the template's)")
  .option('--rrule <rule>', 'repeat rule (RFC 5545), e.g. "FREQ=WEEKLY;BYDAY=MO"')
  .option('--workdays <cn>', "follow China's working-day calendar: no meeting on holidays, make-up days (补班) worked")
  .option('--endpoints <ids>', 'participants, comma-separated endpoint ids')
  .option('--group <group>', 'all endpoints of a group (e.g. towns)')
  .option('--upstream <id>', 'upstream link to dial (e.g. zhengzhou)')
  .option('--chair <id>', 'chair site')
  .option('--tz <zone>', "IANA time zone (default: the site's)")
  .option('--mode <mode>', 'broadcast, rollcall, voice or select')
  .option('--force', 'book despite conflicts (written to the audit log)')
  .option('--record', 'record each meeting from its start (see vcbridge recordings)')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(AddOptions, raw);
    if (!o.template && !o.title) throw usage(say('cli.schTitle'));
    if (!o.template && !o.duration) throw usage(say('cli.schDuration'));
    if (!o.template && !o.endpoints && !o.group && !o.upstream) throw usage(say('cli.schSites'));
    const r = await withClient(g, (c) =>
      c.call('schedule.add', {
        ...(o.title ? { title: o.title } : {}),
        ...(o.template ? { template: o.template } : {}),
        ...(o.workdays ? { workdays: o.workdays } : {}),
        start: o.start,
        ...(o.duration ? { durationMinutes: minutes(o.duration, '--duration') } : {}),
        ...(o.rrule ? { rrule: o.rrule } : {}),
        ...(o.endpoints ? { endpoints: list(o.endpoints) } : {}),
        ...(o.group ? { group: o.group } : {}),
        ...(o.upstream ? { upstream: o.upstream } : {}),
        ...(o.chair ? { chair: o.chair } : {}),
        ...(o.tz ? { timezone: o.tz } : {}),
        ...(o.mode ? { mode: o.mode } : {}),
        ...(o.force ? { force: true } : {}),
        ...(o.record ? { record: true } : {}),
      }),
    );
    print(g, r, (v) => renderBooking(v, g.lang));
  });

const ListOptions = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  id: z.string().optional(),
  all: z.boolean().optional(),
});

const listCmd = new Command('list')
  .description('meetings (each occurrence) in a period; default from 1 day ago to 14 days ahead')
  .option('--from <when>', 'start of the period: a date/time, or how long ago (2d)')
  .option('--to <when>', 'end of the period: a date/time, or how far ahead (30d)')
  .option('--id <id>', 'only this schedule')
  .option('--all', 'include cancelled meetings')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(ListOptions, raw);
    const r = await withClient(g, (c) =>
      c.call('schedule.list', {
        ...(o.from ? { from: when(o.from, '--from') } : {}),
        ...(o.to ? { to: when(o.to, '--to') } : {}),
        ...(o.id ? { scheduleId: o.id } : {}),
        ...(o.all ? { all: true } : {}),
      }),
    );
    print(g, r, (v) => renderOccurrences(v, g.lang));
  });

const show = new Command('show')
  .description('one schedule: its rule, sites, exceptions, next occurrences, last pre-flight')
  .argument('<id>', 'schedule id')
  .action(async (id: string, _raw, cmd: Command) => {
    const g = globals(cmd);
    print(g, await withClient(g, (c) => c.call('schedule.show', { id })), (v) => renderSchedule(v, g.lang));
  });

const EditOptions = z.object({
  from: z.string().optional(),
  occurrence: z.string().optional(),
  title: z.string().optional(),
  start: z.string().optional(),
  duration: z.string().optional(),
  rrule: z.union([z.string(), z.literal(false)]).optional(),
  tz: z.string().optional(),
  endpoints: z.string().optional(),
  group: z.string().optional(),
  upstream: z.string().optional(),
  chair: z.string().optional(),
  mode: Mode.optional(),
  workdays: z.enum(['cn', 'none'], { message: '--workdays takes cn (China, with 调休) or none' }).optional(),
  force: z.boolean().optional(),
});

const edit = new Command('edit')
  .description(
    'change a schedule: the whole series, from one occurrence on (--from), or move one occurrence (--occurrence)',
  )
  .argument('<id>', 'schedule id')
  .option('--from <occurrence>', 'change this occurrence and all later ones (as listed, e.g. "2026-12-21 09:00")')
  .option('--occurrence <occurrence>', 'move only this occurrence to --start')
  .option('--title <title>', 'new title')
  .option(
    '--start <time>',
    'new start ("2026-12-07 09:30" in the meeting\'s zone); with --occurrence, where it moves to',
  )
  .option('--duration <d>', 'new length, e.g. 2h')
  .option('--rrule <rule>', 'new repeat rule')
  .option('--no-rrule', 'make it a one-off')
  .option('--tz <zone>', 'new IANA time zone (the wall-clock time is kept)')
  .option('--endpoints <ids>', 'new participants, comma-separated (replaces the list)')
  .option('--group <group>', 'new participants: a whole group (replaces the list)')
  .option('--upstream <id>', 'upstream link, or "none"')
  .option('--chair <id>', 'chair, or "none"')
  .option('--mode <mode>', 'broadcast, rollcall, voice or select')
  .option('--workdays <cn|none>', "follow China's working-day calendar (cn), or stop following it (none)")
  .option('--force', 'change despite conflicts (audited)')
  .action(async (id: string, raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(EditOptions, raw);
    if (o.from && o.occurrence) throw usage(say('cli.fromOrOccurrence'));
    const p: ScheduleEditParams = { id };
    if (o.from) p.from = o.from;
    if (o.occurrence) p.occurrence = o.occurrence;
    if (o.title) p.title = o.title;
    if (o.start) p.start = o.start;
    if (o.duration) p.durationMinutes = minutes(o.duration, '--duration');
    if (o.rrule !== undefined) p.rrule = o.rrule === false ? null : o.rrule;
    if (o.tz) p.timezone = o.tz;
    if (o.endpoints) p.endpoints = list(o.endpoints);
    if (o.group) p.group = o.group;
    const upstream = clearable(o.upstream);
    if (upstream !== undefined) p.upstream = upstream;
    const chair = clearable(o.chair);
    if (chair !== undefined) p.chair = chair;
    if (o.mode) p.mode = o.mode;
    if (o.workdays) p.workdays = o.workdays === 'none' ? null : 'cn';
    if (o.force) p.force = true;
    if (Object.keys(p).length === 1) throw usage(say('cli.nothingToChange'));
    print(g, await withClient(g, (c) => c.call('schedule.edit', p)), (v) => renderBooking(v, g.lang));
  });

const cancel = new Command('cancel')
  .description('cancel a whole series, or one occurrence with --occurrence (a running one is ended)')
  .argument('<id>', 'schedule id')
  .option('--occurrence <occurrence>', 'only this occurrence (as listed, e.g. "2026-12-14 09:00")')
  .action(async (id: string, raw: { occurrence?: string }, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) =>
      c.call('schedule.cancel', { id, ...(raw.occurrence ? { occurrence: raw.occurrence } : {}) }),
    );
    print(
      g,
      r,
      (x) =>
        (x.scope === 'series'
          ? g.t('c.sch.seriesCancelled', { id: x.id })
          : g.t('c.sch.occCancelled', { id: x.id, occurrence: x.occurrence ?? '' })) +
        (x.endedConference ? g.t('c.sch.confEnded', { id: x.endedConference }) : ''),
    );
  });

const preflight = new Command('preflight')
  .description('check every site of the next (or the given) occurrence now: OPTIONS and, where allowed, a test call')
  .argument('<id>', 'schedule id')
  .option('--occurrence <occurrence>', 'which occurrence (default: the next one)')
  .action(async (id: string, raw: { occurrence?: string }, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) =>
      c.call('schedule.preflight', { id, ...(raw.occurrence ? { occurrence: raw.occurrence } : {}) }),
    );
    print(g, r, (v) => renderPreflight(v, g.lang));
  });

const exportCmd = new Command('export')
  .description('write meetings as iCalendar (.ics) for calendar programs')
  .option('--ics <file>', 'write to this file (default: standard output)')
  .option('--id <id>', 'only this schedule (repeatable)', collect)
  .action(async (raw: { ics?: string; id?: string[] }, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('schedule.export', raw.id ? { ids: raw.id } : {}));
    if (raw.ics) {
      writeFileSync(raw.ics, r.ics);
      print(g, { file: raw.ics, count: r.count }, (x) => g.t('c.sch.wrote', { n: x.count, file: x.file }));
    } else if (g.json) {
      print(g, r, () => '');
    } else {
      process.stdout.write(r.ics);
    }
  });

const importCmd = new Command('import')
  .description('book the meetings of an .ics file; endpoints come from X-VCBRIDGE-ENDPOINTS or --map')
  .argument('<file>', '.ics file ("-" for standard input)')
  .option(
    '--map <name=ids>',
    'calendar name (attendee, e-mail, location or title) to endpoint ids, e.g. "Xiaoguan Town=xiaoguan" (repeatable)',
    collect,
  )
  .option('--endpoints <ids>', 'participants for events that name none')
  .option('--group <group>', 'participants for events that name none')
  .option('--force', 'book despite conflicts (audited)')
  .action(
    async (
      file: string,
      raw: { map?: string[]; endpoints?: string; group?: string; force?: boolean },
      cmd: Command,
    ) => {
      const g = globals(cmd);
      const ics = readInput(file);
      const map: Record<string, string[]> = {};
      for (const m of raw.map ?? []) {
        const eq = m.lastIndexOf('=');
        if (eq <= 0) throw usage(say('cli.map', { value: m }));
        map[m.slice(0, eq).trim()] = [...(map[m.slice(0, eq).trim()] ?? []), ...list(m.slice(eq + 1))];
      }
      const r = await withClient(g, (c) =>
        c.call('schedule.import', {
          ics,
          ...(raw.map ? { map } : {}),
          ...(raw.endpoints ? { endpoints: list(raw.endpoints) } : {}),
          ...(raw.group ? { group: raw.group } : {}),
          ...(raw.force ? { force: true } : {}),
        }),
      );
      print(g, r, (v) => renderImport(v, g.lang));
    },
  );

export const schedule = new Command('schedule')
  .description('book and manage meetings that run by themselves (pre-flight, automatic start and end)')
  .addCommand(add)
  .addCommand(listCmd)
  .addCommand(show)
  .addCommand(edit)
  .addCommand(cancel)
  .addCommand(preflight)
  .addCommand(exportCmd)
  .addCommand(importCmd);
