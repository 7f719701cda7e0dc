import type {
  OccurrenceView,
  PlanPolling,
  PreflightReport,
  ScheduleBookResult,
  ScheduleDetail,
  ScheduleImportResult,
  ScheduleView,
} from '../protocol/index.js';
import type { Lang } from './context.js';
import { table } from './output.js';
import { explain } from './ui/i18n/explain.js';
import { translator, type T } from './ui/i18n/translate.js';

// How schedules look in the terminal. Times are shown in each meeting's own zone (the zone is
// named when it differs from the machine's), so "09:00 Asia/Shanghai" reads the same everywhere.

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-12-07 09:00" in `tz`. */
export function wall(isoTime: string, tz: string): string {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(isoTime)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const zoneNote = (tz: string): string => (tz === localZone ? '' : ` ${tz}`);

function span(o: OccurrenceView): string {
  const tz = o.timezone ?? 'UTC';
  const a = wall(o.start, tz);
  const b = wall(o.end, tz);
  return `${a}–${a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b}`;
}

const mark = (state: OccurrenceView['state'], t: T): string => t(`c.occ.${state}`);

function readiness(p: PreflightReport | undefined, t: T): string {
  if (!p) return '';
  const bad = p.sites.filter((s) => s.status !== 'ready');
  return bad.length === 0
    ? t('c.pf.ready', { ready: p.sites.length, total: p.sites.length })
    : t('c.pf.readyNot', {
        ready: p.sites.length - bad.length,
        total: p.sites.length,
        not: bad.map((s) => s.endpointId).join(','),
      });
}

export function renderOccurrences(list: OccurrenceView[], lang: Lang = 'en'): string {
  const t = translator(lang);
  if (list.length === 0) return t('c.sch.none');
  const zones = new Set(list.map((o) => o.timezone ?? 'UTC'));
  const rows = list.map((o) => [
    span(o) + (zones.size > 1 ? zoneNote(o.timezone ?? 'UTC') : ''),
    o.title,
    o.scheduleId,
    mark(o.state, t),
    String(o.endpoints?.length ?? ''),
    [
      readiness(o.preflight, t),
      explain(o.reason, lang),
      explain(o.note, lang),
      o.originalStart ? t('c.sch.movedFrom', { time: wall(o.originalStart, o.timezone ?? 'UTC') }) : '',
    ]
      .filter(Boolean)
      .join(t('c.sep')),
  ]);
  const head = zones.size === 1 ? `${t('c.sch.timesIn', { tz: [...zones][0] ?? '' })}\n` : '';
  return (
    head +
    table(
      [t('c.col.when'), t('c.col.title'), t('c.col.id'), t('c.col.state'), t('c.col.sites'), t('c.col.notes')],
      rows,
    )
  );
}

/** A template's (or a booked series') polling in words: "every 15 s through the towns sites …, in pane 9". */
export function pollingText(p: PlanPolling, t: T): string {
  const sites = [...(p.sites ?? []), ...(p.group !== undefined ? [t('c.plan.group', { group: p.group })] : [])];
  const what =
    p.pane !== undefined
      ? p.target !== undefined
        ? t('c.plan.paneFor', { pane: p.pane, id: p.target })
        : t('c.plan.pane', { pane: p.pane })
      : p.target !== undefined
        ? t('c.plan.for', { id: p.target })
        : '';
  return t('c.plan.polling', {
    seconds: p.intervalSeconds,
    sites: sites.length ? sites.join(', ') : t('c.plan.everySite'),
    what,
  });
}

export function renderSchedule(s: ScheduleView | ScheduleDetail, lang: Lang = 'en'): string {
  const t = translator(lang);
  const lines = [
    `${s.title}  (${s.id})${s.cancelled ? `  ${t('c.sch.cancelledMark')}` : ''}`,
    t('c.sch.first', { time: wall(s.start, s.timezone), tz: s.timezone, minutes: s.durationMinutes }),
    t('c.sch.repeats', { rule: s.rrule ?? t('c.sch.oneOff') }),
    t('c.sch.sites', { sites: s.endpoints.join(', ') }) +
      (s.upstream ? t('c.sch.plusUpstream', { id: s.upstream }) : '') +
      (s.chair ? t('c.sch.chair', { id: s.chair }) : ''),
    t('c.sch.bookedBy', { who: s.createdBy }),
  ];
  if ('upcoming' in s) {
    if (s.forced) lines.push(t('c.sch.forced'));
    if (s.mode) lines.push(t('c.sch.mode', { mode: t(`cmode.${s.mode}`) }));
    for (const e of s.exceptions) {
      lines.push(
        t(e.kind === 'cancelled' ? 'c.sch.excCancelled' : 'c.sch.excMoved', {
          time: wall(e.occurrenceStart, s.timezone),
          to: e.newStart ? ` -> ${wall(e.newStart, s.timezone)}` : '',
        }),
      );
    }
    if (s.workdays === 'cn') lines.push(t('c.sch.workdays'));
    const plan = s.plan;
    if (plan?.template !== undefined) lines.push(t('c.sch.template', { id: plan.template }));
    if (plan?.layout !== undefined) lines.push(t('c.sch.layout', { layout: plan.layout }));
    if (plan?.polling) lines.push(t('c.sch.polling', { polling: pollingText(plan.polling, t) }));
    if (plan?.record) lines.push(t('c.sch.record'));
    if (s.upcoming.length)
      lines.push(
        t('c.sch.next'),
        ...s.upcoming.map(
          (o) =>
            `    ${span(o)}  ${mark(o.state, t)}${o.reason ? `  (${explain(o.reason, lang)})` : ''}${o.note ? `  (${explain(o.note, lang)})` : ''}`,
        ),
      );
    if (s.lastPreflight)
      lines.push(
        t('c.sch.lastPf', { time: wall(s.lastPreflight.at, s.timezone), readiness: readiness(s.lastPreflight, t) }),
      );
  }
  return lines.join('\n');
}

export function renderBooking(r: ScheduleBookResult, lang: Lang = 'en'): string {
  const t = translator(lang);
  const out = [renderSchedule(r.schedule, lang)];
  if (r.previous) out.unshift(t('c.sch.split', { id: r.previous.id, rule: r.previous.rrule ?? t('c.sch.oneOff') }));
  if (r.overridden.length)
    out.push(
      t('c.sch.forcedWarn', { n: r.overridden.length }),
      ...r.overridden.slice(0, 8).map((c) => `  ${explain(c.message, lang)}`),
    );
  return out.join('\n');
}

export function renderPreflight(r: PreflightReport, lang: Lang = 'en'): string {
  const t = translator(lang);
  const tz = r.timezone ?? localZone;
  const stage = r.stage === 'lead' ? t('c.pf.lead') : r.stage === 'final' ? t('c.pf.final') : '';
  const head = t('c.pf.head', {
    stage,
    title: r.title ?? r.scheduleId,
    time: `${wall(r.occurrenceStart, tz)}${zoneNote(tz)}`,
    checked: wall(r.at, tz).slice(11),
  });
  const rows = r.sites.map((s) => [
    s.endpointId,
    t(`pfs.${s.status}`),
    s.rttMs == null ? '-' : `${Math.round(s.rttMs)} ms`,
    s.lossPct == null ? '' : t('c.pf.call', { loss: s.lossPct.toFixed(1), jitter: Math.round(s.jitterMs ?? 0) }),
    explain(s.reason, lang),
  ]);
  return `${head}\n${table(
    [t('c.col.site'), t('c.col.status'), 'RTT', t('c.col.testCall'), t('c.col.reason')],
    rows,
  )}\n${readiness(r, t)}`;
}

export function renderImport(r: ScheduleImportResult, lang: Lang = 'en'): string {
  const t = translator(lang);
  const out = [
    t('c.imp.imported', { n: r.imported.length }),
    ...r.imported.map((s) => `  ${s.id}  ${wall(s.start, s.timezone)} ${s.timezone}  ${s.title}`),
  ];
  if (r.skipped.length)
    out.push(
      t('c.imp.skipped', { n: r.skipped.length }),
      ...r.skipped.map((s) => `  ${s.summary} (${s.uid}): ${explain(s.reason, lang)}`),
    );
  return out.join('\n');
}
