import type { ConferenceMode } from '../../protocol/index.js';
import { say } from '../../protocol/index.js';
import type { SiteConfig } from '../config/schema.js';
import { isValidTimeZone } from '../config/timezone.js';
import { VcError } from '../errors.js';
import type { MeetingPlan } from '../store/ScheduleRepo.js';
import { controlCharacterIn, MAX_TITLE_LENGTH } from '../util/text.js';
import { Recurrence } from './Recurrence.js';
import { formatWall, parseTimeInZone } from './zonedTime.js';

// Turning what an operator typed into a valid meeting, or a clear error naming what is wrong.

export const MAX_DURATION_MINUTES = 24 * 60;

export interface Participants {
  endpoints: string[];
  upstream: string | null;
  chair: string | null;
}

export interface BookingFields extends Participants {
  title: string;
  startUtc: number;
  durationMs: number;
  rrule: string | null;
  tz: string;
  mode: ConferenceMode | null;
}

const list = (ids: readonly string[], max = 12): string =>
  ids.length > max ? `${ids.slice(0, max).join(', ')}, …` : ids.join(', ');

export function checkTimezone(tz: string): string {
  if (!isValidTimeZone(tz)) throw new VcError('SCHEDULE_INVALID', say('err.timezone', { tz }));
  return tz;
}

export function checkTitle(title: string): string {
  const t = title.trim();
  if (t === '') throw new VcError('SCHEDULE_INVALID', say('err.titleMissing'));
  if (t.length > MAX_TITLE_LENGTH)
    throw new VcError('SCHEDULE_INVALID', say('err.titleLong', { n: t.length, max: MAX_TITLE_LENGTH }));
  const bad = controlCharacterIn(t);
  if (bad) throw new VcError('SCHEDULE_INVALID', say('err.titleControl', { chars: bad }));
  return t;
}

export function checkDuration(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new VcError('SCHEDULE_INVALID', say('err.durationPositive', { value: minutes }));
  }
  if (!Number.isInteger(minutes)) throw new VcError('SCHEDULE_INVALID', say('err.durationWhole', { value: minutes }));
  if (minutes > MAX_DURATION_MINUTES)
    throw new VcError('SCHEDULE_INVALID', say('err.durationLong', { minutes, hours: MAX_DURATION_MINUTES / 60 }));
  return minutes * 60_000;
}

/** A start as typed ("2026-12-07 09:00" in `tz`, or ISO with offset) -> UTC ms. */
export function parseStart(text: string, tz: string): number {
  const t = parseTimeInZone(text, tz);
  if (t === undefined) {
    throw new VcError('SCHEDULE_INVALID', say('err.startNotTime', { text, tz }));
  }
  return t;
}

function endpointIds(config: SiteConfig): Set<string> {
  return new Set(config.endpoints.map((e) => e.id));
}

function checkEndpoint(config: SiteConfig, id: string, role: 'endpoint' | 'upstream' | 'chair'): void {
  if (!endpointIds(config).has(id)) {
    throw new VcError(
      'ENDPOINT_UNKNOWN',
      say('err.unknownAs', { role: say(`role.${role}`), id, known: list(config.endpoints.map((e) => e.id)) }),
      { endpoint: id },
    );
  }
}

/** Endpoints from an explicit list and/or a group, plus upstream and chair, all checked. */
export function resolveParticipants(
  config: SiteConfig,
  p: { endpoints?: readonly string[]; group?: string; upstream?: string | null; chair?: string | null },
): Participants {
  const ids: string[] = [];
  for (const id of p.endpoints ?? []) {
    checkEndpoint(config, id, 'endpoint');
    ids.push(id);
  }
  if (p.group !== undefined) {
    if (!config.groups.some((g) => g.id === p.group)) {
      throw new VcError(
        'GROUP_UNKNOWN',
        say('err.groupUnknownKnown', { id: p.group, known: list(config.groups.map((g) => g.id)) || say('err.none') }),
        { group: p.group },
      );
    }
    const members = config.endpoints.filter((e) => e.groups.includes(p.group!)).map((e) => e.id);
    if (members.length === 0) throw new VcError('SCHEDULE_INVALID', say('err.groupEmpty', { id: p.group }));
    ids.push(...members);
  }
  const upstream = p.upstream ?? null;
  if (upstream !== null) {
    checkEndpoint(config, upstream, 'upstream');
    const kind = config.endpoints.find((e) => e.id === upstream)?.kind;
    if (kind !== 'upstream')
      throw new VcError(
        'SCHEDULE_INVALID',
        say('err.notUpstream', { id: upstream, kind: say(`kind.${kind ?? 'town'}`) }),
      );
  }
  const chair = p.chair ?? null;
  if (chair !== null) {
    checkEndpoint(config, chair, 'chair');
    if (chair !== upstream) ids.push(chair);
  }
  const endpoints = [...new Set(ids.filter((id) => id !== upstream))];
  if (endpoints.length === 0 && upstream === null) {
    throw new VcError('SCHEDULE_INVALID', say('err.noParticipants'));
  }
  return { endpoints, upstream, chair };
}

/** Every endpoint that takes a leg. */
export function participantsOf(p: Participants): string[] {
  return [...new Set([...p.endpoints, ...(p.upstream ? [p.upstream] : [])])];
}

/**
 * Check the times of a booking; returns the recurrence with the start moved onto the first
 * occurrence the rule really generates (RFC 5545 wants DTSTART to be one).
 * `notBefore`: earliest allowed first start (now), or null to allow the past (imports, edits that
 * keep the old start).
 */
export function checkTimes(
  f: Pick<BookingFields, 'startUtc' | 'durationMs' | 'rrule' | 'tz'>,
  notBefore: number | null,
): Recurrence {
  let rec = new Recurrence({ startUtc: f.startUtc, durationMs: f.durationMs, rrule: f.rrule, tz: f.tz });
  const first = rec.first();
  if (first === null) {
    const until = rec.rule?.until;
    const why = until
      ? say('err.seriesEndsBefore', { start: formatWall(f.startUtc, f.tz), tz: f.tz })
      : say('err.ruleNoDate');
    throw new VcError('SCHEDULE_INVALID', say('err.seriesNone', { why }));
  }
  if (first !== f.startUtc)
    rec = new Recurrence({ startUtc: first, durationMs: f.durationMs, rrule: rec.rule?.text ?? null, tz: f.tz });
  rec.checkWalkable();
  if (notBefore !== null && first < notBefore) {
    throw new VcError(
      'SCHEDULE_INVALID',
      say('err.startPast', { start: formatWall(first, f.tz), tz: f.tz, now: formatWall(notBefore, f.tz) }),
    );
  }
  return rec;
}

/** The template's layout and polling, and whether to record, a booked meeting starts with (null: none). */
export function meetingPlan(p: {
  template?: string;
  layout?: MeetingPlan['layout'];
  polling?: MeetingPlan['polling'];
  record?: boolean;
}): MeetingPlan | null {
  if (p.template === undefined && p.layout === undefined && p.polling === undefined && !p.record) return null;
  return {
    ...(p.template !== undefined ? { template: p.template } : {}),
    ...(p.layout !== undefined ? { layout: p.layout } : {}),
    ...(p.polling ? { polling: p.polling } : {}),
    ...(p.record ? { record: true } : {}),
  };
}
