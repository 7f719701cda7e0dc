import type {
  OccurrenceView,
  PreflightReport,
  ScheduleBookResult,
  ScheduleDetail,
  ScheduleImportResult,
  ScheduleView,
} from '../protocol/index.js';
import { table } from './output.js';

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

const STATE_MARK: Record<OccurrenceView['state'], string> = {
  pending: 'pending',
  preflight: 'checked',
  started: 'RUNNING',
  ended: 'ended',
  missed: 'MISSED',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

function readiness(p?: PreflightReport): string {
  if (!p) return '';
  const bad = p.sites.filter((s) => s.status !== 'ready');
  return bad.length === 0
    ? `${p.sites.length}/${p.sites.length} ready`
    : `${p.sites.length - bad.length}/${p.sites.length} ready, not: ${bad.map((s) => s.endpointId).join(',')}`;
}

export function renderOccurrences(list: OccurrenceView[]): string {
  if (list.length === 0) return 'no meetings in that period (widen it with --from/--to)';
  const zones = new Set(list.map((o) => o.timezone ?? 'UTC'));
  const rows = list.map((o) => [
    span(o) + (zones.size > 1 ? zoneNote(o.timezone ?? 'UTC') : ''),
    o.title,
    o.scheduleId,
    STATE_MARK[o.state],
    String(o.endpoints?.length ?? ''),
    [
      readiness(o.preflight),
      o.reason ?? '',
      o.note ?? '',
      o.originalStart ? `moved from ${wall(o.originalStart, o.timezone ?? 'UTC')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  ]);
  const head = zones.size === 1 ? `times in ${[...zones][0]}\n` : '';
  return head + table(['when', 'title', 'id', 'state', 'sites', 'notes'], rows);
}

export function renderSchedule(s: ScheduleView | ScheduleDetail): string {
  const lines = [
    `${s.title}  (${s.id})${s.cancelled ? '  CANCELLED' : ''}`,
    `  first:     ${wall(s.start, s.timezone)} ${s.timezone}, ${s.durationMinutes} min`,
    `  repeats:   ${s.rrule ?? 'no (one-off)'}`,
    `  sites:     ${s.endpoints.join(', ')}${s.upstream ? `  + upstream ${s.upstream}` : ''}${s.chair ? `  chair ${s.chair}` : ''}`,
    `  booked by: ${s.createdBy}`,
  ];
  if ('upcoming' in s) {
    if (s.forced) lines.push('  booked despite conflicts (--force; see vcbridge audit)');
    if (s.mode) lines.push(`  mode:      ${s.mode}`);
    for (const e of s.exceptions) {
      lines.push(
        `  ${e.kind === 'cancelled' ? 'cancelled' : 'moved'}:  ${wall(e.occurrenceStart, s.timezone)}${e.newStart ? ` -> ${wall(e.newStart, s.timezone)}` : ''}`,
      );
    }
    if (s.workdays === 'cn')
      lines.push("  workdays:  China's working-day calendar (holidays skipped, make-up days worked)");
    if (s.upcoming.length)
      lines.push(
        '  next:',
        ...s.upcoming.map(
          (o) =>
            `    ${span(o)}  ${STATE_MARK[o.state]}${o.reason ? `  (${o.reason})` : ''}${o.note ? `  (${o.note})` : ''}`,
        ),
      );
    if (s.lastPreflight)
      lines.push(`  last pre-flight (${wall(s.lastPreflight.at, s.timezone)}): ${readiness(s.lastPreflight)}`);
  }
  return lines.join('\n');
}

export function renderBooking(r: ScheduleBookResult): string {
  const out = [renderSchedule(r.schedule)];
  if (r.previous)
    out.unshift(`series split: ${r.previous.id} now ends before the change (${r.previous.rrule ?? 'one-off'})`);
  if (r.overridden.length)
    out.push(
      `WARNING: booked despite ${r.overridden.length} conflict(s) (--force, written to the audit log):`,
      ...r.overridden.slice(0, 8).map((c) => `  ${c.message}`),
    );
  return out.join('\n');
}

export function renderPreflight(r: PreflightReport): string {
  const tz = r.timezone ?? localZone;
  const stage = r.stage === 'lead' ? ' (lead-time check)' : r.stage === 'final' ? ' (final check)' : '';
  const head = `pre-flight${stage} of "${r.title ?? r.scheduleId}" at ${wall(r.occurrenceStart, tz)}${zoneNote(tz)}, checked ${wall(r.at, tz).slice(11)}`;
  const rows = r.sites.map((s) => [
    s.endpointId,
    s.status === 'ready' ? 'ready' : s.status.toUpperCase(),
    s.rttMs == null ? '-' : `${Math.round(s.rttMs)} ms`,
    s.lossPct == null ? '' : `${s.lossPct.toFixed(1)} % loss, ${Math.round(s.jitterMs ?? 0)} ms jitter`,
    s.reason ?? '',
  ]);
  return `${head}\n${table(['site', 'status', 'rtt', 'test call', 'reason'], rows)}\n${readiness(r)}`;
}

export function renderImport(r: ScheduleImportResult): string {
  const out = [
    `imported ${r.imported.length} meeting(s)`,
    ...r.imported.map((s) => `  ${s.id}  ${wall(s.start, s.timezone)} ${s.timezone}  ${s.title}`),
  ];
  if (r.skipped.length)
    out.push(`skipped ${r.skipped.length}:`, ...r.skipped.map((s) => `  ${s.summary} (${s.uid}): ${s.reason}`));
  return out.join('\n');
}
