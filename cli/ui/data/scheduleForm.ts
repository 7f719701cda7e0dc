// The booking form's fields and their inline validation. The daemon is the authority (conflicts,
// capacity); this catches typing mistakes while the operator is still in the field.
import type { EndpointView } from '../../../protocol/index.js';
import { parseDuration } from '../../time.js';
import type { T } from '../i18n/index.js';
import type { ScheduleAddParams } from './calls.js';

export const FIELDS = ['title', 'start', 'duration', 'sites', 'repeat', 'upstream', 'chair'] as const;
export type FieldName = (typeof FIELDS)[number];
export type FormValues = Record<FieldName, string>;
export type FormErrors = Partial<Record<FieldName, string>>;

export interface FormContext {
  endpoints: readonly EndpointView[];
  timezone: string;
  now: number;
}

export const emptyForm: FormValues = {
  title: '',
  start: '',
  duration: '',
  sites: '',
  repeat: '',
  upstream: '',
  chair: '',
};

const TITLE_MAX = 80;

/** Offset of `timeZone` from UTC at the instant `utcMs`, in ms. */
function tzOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
}

/** "2026-12-07 09:00" read as wall-clock time in `timeZone` → UTC ms; undefined when not a real time. */
export function parseLocalTime(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23) return undefined;
  // Two passes settle the offset across a DST change.
  const first = wall - tzOffsetMs(wall, timeZone);
  return wall - tzOffsetMs(first, timeZone);
}

const WEEKDAY = /^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$/;
const INT_LIST = /^[+-]?\d+(,[+-]?\d+)*$/;

/** A plain check of an RRULE's syntax; returns the problem or undefined. */
export function rruleProblem(rule: string): string | undefined {
  // key → [value upper-cased for the checks, the part as written for the message]
  const seen = new Map<string, [string, string]>();
  for (const part of rule.replace(/^RRULE:/i, '').split(';')) {
    const [k, v, extra] = part.split('=');
    if (!k || v === undefined || extra !== undefined || v === '') return `"${part}"`;
    seen.set(k.toUpperCase(), [v.toUpperCase(), part]);
  }
  const freq = seen.get('FREQ');
  if (!freq) return 'FREQ is missing';
  if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq[0])) return freq[1];
  for (const [k, [v, raw]] of seen) {
    if (k === 'FREQ' || k === 'WKST') continue;
    const ok =
      k === 'INTERVAL' || k === 'COUNT'
        ? /^[1-9]\d*$/.test(v)
        : k === 'UNTIL'
          ? /^\d{8}(T\d{6}Z?)?$/.test(v)
          : k === 'BYDAY'
            ? v.split(',').every((d) => WEEKDAY.test(d))
            : ['BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'BYHOUR', 'BYMINUTE', 'BYYEARDAY', 'BYWEEKNO'].includes(k) &&
              INT_LIST.test(v);
    if (!ok) return raw;
  }
  return undefined;
}

/** Ids of the endpoints named by "towns, xiaoguan": endpoint ids, or groups expanded. */
export function resolveSites(text: string, endpoints: readonly EndpointView[]): { ids: string[]; unknown: string[] } {
  const ids = new Set<string>();
  const unknown: string[] = [];
  for (const token of text
    .split(/[,，\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const id = token.replace(/^group:/, '');
    if (!token.startsWith('group:') && endpoints.some((e) => e.id === id)) ids.add(id);
    else {
      const members = endpoints.filter((e) => e.groups.includes(id));
      if (members.length === 0) unknown.push(token);
      for (const e of members) ids.add(e.id);
    }
  }
  return { ids: [...ids], unknown };
}

export function validateField(name: FieldName, v: FormValues, ctx: FormContext, t: T): string | undefined {
  const value = v[name].trim();
  switch (name) {
    case 'title':
      if (!value) return t('form.e.required');
      return [...value].length > TITLE_MAX ? t('form.e.tooLong', { n: TITLE_MAX }) : undefined;
    case 'start': {
      if (!value) return t('form.e.required');
      const at = parseLocalTime(value, ctx.timezone);
      if (at === undefined) return t('form.e.startFormat');
      return at <= ctx.now ? t('form.e.startPast') : undefined;
    }
    case 'duration': {
      if (!value) return t('form.e.required');
      const ms = /^\d+$/.test(value) ? Number(value) * 60_000 : parseDuration(value);
      if (ms === undefined) return t('form.e.duration');
      return ms < 60_000 || ms > 86_400_000 ? t('form.e.durationRange') : undefined;
    }
    case 'sites': {
      if (!value) return t('form.e.required');
      const r = resolveSites(value, ctx.endpoints);
      return r.unknown[0] !== undefined ? t('form.e.unknownSite', { id: r.unknown[0] }) : undefined;
    }
    case 'repeat': {
      if (!value) return undefined;
      const p = rruleProblem(value);
      return p ? t('form.e.rrule', { message: p }) : undefined;
    }
    case 'upstream': {
      if (!value) return undefined;
      const e = ctx.endpoints.find((x) => x.id === value);
      if (!e) return t('form.e.unknownEndpoint', { id: value });
      return e.kind !== 'upstream' ? t('form.e.notUpstream', { id: value }) : undefined;
    }
    case 'chair':
      if (!value) return undefined;
      return ctx.endpoints.some((x) => x.id === value) ? undefined : t('form.e.unknownEndpoint', { id: value });
  }
}

/** All errors, and the schedule.add parameters when there are none. */
export function validateForm(
  v: FormValues,
  ctx: FormContext,
  t: T,
): { errors: FormErrors; params?: ScheduleAddParams } {
  const errors: FormErrors = {};
  for (const f of FIELDS) {
    const e = validateField(f, v, ctx, t);
    if (e) errors[f] = e;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const d = v.duration.trim();
  const ms = /^\d+$/.test(d) ? Number(d) * 60_000 : (parseDuration(d) ?? 0);
  const params: ScheduleAddParams = {
    title: v.title.trim(),
    start: new Date(parseLocalTime(v.start, ctx.timezone) ?? 0).toISOString(),
    durationMinutes: Math.round(ms / 60_000),
    timezone: ctx.timezone,
    endpoints: resolveSites(v.sites, ctx.endpoints).ids,
  };
  if (v.repeat.trim()) params.rrule = v.repeat.trim().replace(/^RRULE:/i, '');
  if (v.upstream.trim()) params.upstream = v.upstream.trim();
  if (v.chair.trim()) params.chair = v.chair.trim();
  return { errors, params };
}
