import rrulePkg, { type Options as RRuleOptions } from 'rrule';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { utcToFloating } from './zonedTime.js';

// rrule ships a UMD bundle as its CommonJS entry: Node sees only a default export.
const { RRule } = rrulePkg;
export { RRule };

// RFC 5545 RRULE text, read strictly: the rrule package's own parser accepts "FREQ=FOO" and
// "COUNT=abc" without a word, and a meeting that silently never happens is the worst outcome.

const FREQS = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY'] as const;
type Freq = (typeof FREQS)[number];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const ORDER = [
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYMONTH',
  'BYWEEKNO',
  'BYYEARDAY',
  'BYMONTHDAY',
  'BYDAY',
  'BYSETPOS',
  'WKST',
];

export type Until =
  | { kind: 'utc'; ms: number }
  /** A wall-clock time in the schedule's zone (floating ms). */
  | { kind: 'floating'; ms: number };

export interface ParsedRRule {
  /** Canonical text, e.g. "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270101T000000Z". */
  text: string;
  freq: Freq;
  count: number | null;
  until: Until | null;
  /** Options for the rrule package, without dtstart and until. */
  options: Partial<RRuleOptions>;
}

function invalid(rule: string, why: string): VcError {
  return new VcError('SCHEDULE_INVALID', say('rrule.bad', { rule, why }));
}

function intList(rule: string, key: string, value: string, min: number, max: number, allowNegative: boolean): number[] {
  return value.split(',').map((v) => {
    if (!/^[+-]?\d{1,3}$/.test(v)) throw invalid(rule, say('rrule.numbers', { key, value }));
    const n = Number(v);
    const abs = Math.abs(n);
    if (abs < min || abs > max || (n < 0 && !allowNegative)) throw invalid(rule, say('rrule.range', { key, value: v }));
    return n;
  });
}

function parseUntil(rule: string, v: string): Until {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(v);
  if (!m) throw invalid(rule, say('rrule.untilForm', { value: v }));
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x)));
  const ms = Date.UTC(y!, mo! - 1, d!, h ?? 23, mi ?? 59, s ?? 59);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d!)
    throw invalid(rule, say('rrule.untilDate', { value: v }));
  // a date-only UNTIL means "up to and including that day" in the schedule's zone
  return m[7] === 'Z' ? { kind: 'utc', ms } : { kind: 'floating', ms };
}

/** Parse and check an RRULE; throws SCHEDULE_INVALID naming the part that is wrong. */
export function parseRRule(input: string): ParsedRRule {
  const rule = input.trim().replace(/^RRULE:/i, '');
  // an empty rule has nothing to quote back
  if (rule === '') throw new VcError('SCHEDULE_INVALID', say('rrule.empty'));
  const seen = new Map<string, string>();
  for (const part of rule.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid(input, say('rrule.notPair', { part }));
    const key = part.slice(0, eq).toUpperCase();
    const value = part.slice(eq + 1).toUpperCase();
    if (seen.has(key)) throw invalid(input, say('rrule.twice', { key }));
    if (value === '') throw invalid(input, say('rrule.noValue', { key }));
    seen.set(key, value);
  }
  const freq = seen.get('FREQ');
  if (!freq) throw invalid(input, say('rrule.noFreq'));
  if (!(FREQS as readonly string[]).includes(freq)) {
    throw invalid(input, say('rrule.freq', { freq }));
  }
  const options: Partial<RRuleOptions> = { freq: RRule[freq as Freq] };
  let count: number | null = null;
  let until: Until | null = null;
  for (const [key, value] of seen) {
    switch (key) {
      case 'FREQ':
        break;
      case 'INTERVAL': {
        if (!/^\d{1,4}$/.test(value) || Number(value) < 1) throw invalid(input, say('rrule.interval', { value }));
        options.interval = Number(value);
        break;
      }
      case 'COUNT': {
        if (!/^\d{1,5}$/.test(value) || Number(value) < 1) throw invalid(input, say('rrule.count', { value }));
        count = Number(value);
        options.count = count;
        break;
      }
      case 'UNTIL':
        until = parseUntil(input, value);
        break;
      case 'BYMONTH':
        options.bymonth = intList(input, key, value, 1, 12, false);
        break;
      case 'BYWEEKNO':
        options.byweekno = intList(input, key, value, 1, 53, true);
        break;
      case 'BYYEARDAY':
        options.byyearday = intList(input, key, value, 1, 366, true);
        break;
      case 'BYMONTHDAY':
        options.bymonthday = intList(input, key, value, 1, 31, true);
        break;
      case 'BYSETPOS':
        options.bysetpos = intList(input, key, value, 1, 366, true);
        break;
      case 'BYDAY': {
        options.byweekday = value.split(',').map((d) => {
          const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(d);
          if (!m) throw invalid(input, say('rrule.byday', { value: d }));
          const day = RRule[m[2] as (typeof DAYS)[number]];
          if (m[1] === undefined) return day;
          const n = Number(m[1]);
          if (n === 0 || Math.abs(n) > 53) throw invalid(input, say('rrule.bydayPos', { pos: m[1] }));
          return day.nth(n);
        });
        break;
      }
      case 'WKST': {
        if (!(DAYS as readonly string[]).includes(value)) throw invalid(input, say('rrule.wkst', { value }));
        options.wkst = RRule[value as (typeof DAYS)[number]];
        break;
      }
      case 'BYHOUR':
      case 'BYMINUTE':
      case 'BYSECOND':
        throw invalid(input, say('rrule.byTime', { key }));
      default:
        throw invalid(input, say('rrule.unknownPart', { key }));
    }
  }
  if (count !== null && until !== null) throw invalid(input, say('rrule.countUntil'));
  const text = ORDER.filter((k) => seen.has(k))
    .map((k) => `${k}=${seen.get(k)}`)
    .join(';');
  return { text, freq: freq as Freq, count, until, options };
}

/** rrule's UNTIL in floating time of `tz` (the expansion runs in floating time). */
export function untilFloating(until: Until, tz: string): number {
  return until.kind === 'floating' ? until.ms : utcToFloating(until.ms, tz);
}

/** "20261231T155959Z" */
export function formatUntilUtc(utcMs: number): string {
  return new Date(utcMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The same rule text with COUNT/UNTIL replaced (used when a series is split). */
export function withEnd(rule: ParsedRRule, end: { count: number } | { untilUtc: number } | null): string {
  const parts = rule.text.split(';').filter((p) => !p.startsWith('COUNT=') && !p.startsWith('UNTIL='));
  if (end && 'count' in end) parts.push(`COUNT=${end.count}`);
  if (end && 'untilUtc' in end) parts.push(`UNTIL=${formatUntilUtc(end.untilUtc)}`);
  return parseRRule(parts.join(';')).text;
}
