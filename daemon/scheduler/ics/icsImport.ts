import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { parseRRule } from '../rruleText.js';
import { zonedTimeToUtc } from '../zonedTime.js';
import { isValidTimeZone } from '../../config/timezone.js';
import { X_CHAIR, X_ENDPOINTS, X_MODE, X_UPSTREAM } from './icsExport.js';
import { parseIcsText, prop, props, unescapeText, type IcsComponent, type IcsProperty } from './icsText.js';

// iCalendar -> meetings. Only what a meeting needs is read (UID, SUMMARY, DTSTART/DTEND/DURATION,
// RRULE, EXDATE, RECURRENCE-ID overrides, STATUS, attendees/LOCATION for endpoint mapping, our
// X-VCBRIDGE-* properties); an event we cannot turn into a meeting is skipped with the reason.

export interface ImportedEvent {
  uid: string;
  summary: string;
  tz: string;
  startUtc: number;
  durationMs: number;
  rrule: string | null;
  /** Cancelled occurrences (their rule-generated starts, UTC ms). */
  exdates: number[];
  /** Occurrences moved elsewhere. */
  moved: { occurrenceStartUtc: number; newStartUtc: number }[];
  cancelled: boolean;
  /** Ids from X-VCBRIDGE-ENDPOINTS, when present. */
  endpoints: string[] | null;
  upstream: string | null;
  chair: string | null;
  mode: string | null;
  /** Attendee names / e-mails, LOCATION and SUMMARY: keys for the --map option. */
  names: string[];
}

export interface ImportSkip {
  uid: string;
  summary: string;
  reason: string;
}

// Outlook and Exchange write Windows zone names; these are the ones a Chinese or European site
// is likely to meet. Anything else must be an IANA name.
const WINDOWS_ZONES: Record<string, string> = {
  'China Standard Time': 'Asia/Shanghai',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'GMT Standard Time': 'Europe/London',
  UTC: 'UTC',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Singapore Standard Time': 'Asia/Singapore',
  'Eastern Standard Time': 'America/New_York',
  'Pacific Standard Time': 'America/Los_Angeles',
};

function resolveZone(tzid: string): string | null {
  if (isValidTimeZone(tzid)) return tzid;
  const win = WINDOWS_ZONES[tzid];
  if (win) return win;
  // "/mozilla.org/20050126_1/Europe/Berlin" and similar prefixed names
  const m = /([A-Za-z_]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(tzid);
  return m && isValidTimeZone(m[1]!) ? m[1]! : null;
}

class Skip extends Error {}

/** One DATE-TIME value: wall time in TZID, UTC with "Z", or floating (read in `fallbackTz`). */
function parseDateTime(value: string, p: IcsProperty, fallbackTz: string): { utc: number; tz: string } {
  if (p.params.VALUE === 'DATE' || /^\d{8}$/.test(value)) throw new Skip(say('ics.allDay', { name: p.name, value }));
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(value.trim());
  if (!m) throw new Skip(say('ics.notDateTime', { name: p.name, value, line: p.line }));
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (m[7] === 'Z') return { utc: Date.UTC(year, month - 1, day, hour, minute, second), tz: fallbackTz };
  let tz = fallbackTz;
  if (p.params.TZID !== undefined) {
    const z = resolveZone(p.params.TZID);
    if (!z) throw new Skip(say('ics.unknownZone', { tz: p.params.TZID, name: p.name, line: p.line }));
    tz = z;
  }
  return { utc: zonedTimeToUtc({ year, month, day, hour, minute, second }, tz), tz };
}

/** "PT1H30M", "P1D", "P2W" -> ms. */
export function parseIcsDuration(text: string): number | null {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return null;
  const [w, d, h, mi, s] = m.slice(2).map((v) => Number(v ?? 0)) as [number, number, number, number, number];
  const ms = ((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
  return m[1] === '-' ? -ms : ms;
}

const listProp = (c: IcsComponent, name: string): string[] | null => {
  const p = prop(c, name);
  return p
    ? unescapeText(p.value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
};
const textProp = (c: IcsComponent, name: string): string | null => {
  const p = prop(c, name);
  return p ? unescapeText(p.value).trim() || null : null;
};

function readEvent(ev: IcsComponent, defaultTz: string): ImportedEvent {
  const uid = textProp(ev, 'UID') ?? '';
  const summary = textProp(ev, 'SUMMARY') ?? '(no title)';
  const dtstart = prop(ev, 'DTSTART');
  if (!dtstart) throw new Skip(say('ics.noStart'));
  const start = parseDateTime(dtstart.value, dtstart, defaultTz);
  let durationMs: number | null = null;
  const dur = prop(ev, 'DURATION');
  const dtend = prop(ev, 'DTEND');
  if (dur) {
    durationMs = parseIcsDuration(dur.value);
    if (durationMs === null) throw new Skip(say('ics.badDuration', { value: dur.value, line: dur.line }));
  } else if (dtend) {
    durationMs = parseDateTime(dtend.value, dtend, start.tz).utc - start.utc;
  }
  if (durationMs === null) throw new Skip(say('ics.noLength'));
  if (durationMs <= 0) throw new Skip(say('ics.endsBeforeStart'));
  if (durationMs % 60_000 !== 0) durationMs = Math.ceil(durationMs / 60_000) * 60_000;
  const rr = props(ev, 'RRULE');
  if (rr.length > 1) throw new Skip(say('ics.manyRrules'));
  if (props(ev, 'RDATE').length > 0) throw new Skip(say('ics.rdate'));
  let rrule: string | null = null;
  if (rr[0]) {
    try {
      rrule = parseRRule(rr[0].value).text;
    } catch (e) {
      throw new Skip(e instanceof VcError ? e.message : String(e));
    }
  }
  const exdates: number[] = [];
  for (const p of props(ev, 'EXDATE')) {
    for (const v of p.value.split(',')) if (v.trim()) exdates.push(parseDateTime(v, p, start.tz).utc);
  }
  const names: string[] = [];
  for (const a of props(ev, 'ATTENDEE')) {
    if (a.params.CN) names.push(a.params.CN);
    const mail = /^mailto:(.+)$/i.exec(a.value.trim());
    if (mail) names.push(mail[1]!);
  }
  const location = textProp(ev, 'LOCATION');
  if (location)
    names.push(
      ...location
        .split(/[,;、，]/)
        .map((s) => s.trim())
        .filter(Boolean),
    );
  names.push(summary);
  return {
    uid,
    summary,
    tz: start.tz,
    startUtc: start.utc,
    durationMs,
    rrule,
    exdates,
    moved: [],
    cancelled: (textProp(ev, 'STATUS') ?? '').toUpperCase() === 'CANCELLED',
    endpoints: listProp(ev, X_ENDPOINTS),
    upstream: textProp(ev, X_UPSTREAM),
    chair: textProp(ev, X_CHAIR),
    mode: textProp(ev, X_MODE),
    names,
  };
}

/** The meetings in an .ics text. Throws ICS_INVALID when the text is not iCalendar at all. */
export function parseIcsEvents(text: string, defaultTz: string): { events: ImportedEvent[]; skipped: ImportSkip[] } {
  const roots = parseIcsText(text);
  const vevents = roots
    .filter((r) => r.name === 'VCALENDAR')
    .flatMap((c) => c.children.filter((k) => k.name === 'VEVENT'));
  const events = new Map<string, ImportedEvent>();
  const skipped: ImportSkip[] = [];
  const overrides: IcsComponent[] = [];
  vevents.forEach((ev, i) => {
    if (prop(ev, 'RECURRENCE-ID')) {
      overrides.push(ev);
      return;
    }
    const uid = textProp(ev, 'UID') ?? `(event ${i + 1})`;
    const summary = textProp(ev, 'SUMMARY') ?? '(no title)';
    try {
      if (events.has(uid)) throw new Skip(say('ics.sameUid'));
      events.set(uid, { ...readEvent(ev, defaultTz), uid });
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      skipped.push({ uid, summary, reason: e.message });
    }
  });
  for (const ov of overrides) {
    const uid = textProp(ov, 'UID') ?? '';
    const summary = textProp(ov, 'SUMMARY') ?? '(no title)';
    const series = events.get(uid);
    try {
      if (!series) throw new Skip(say('ics.orphanOverride'));
      const rid = prop(ov, 'RECURRENCE-ID')!;
      const key = parseDateTime(rid.value, rid, series.tz).utc;
      if ((textProp(ov, 'STATUS') ?? '').toUpperCase() === 'CANCELLED') {
        series.exdates.push(key);
      } else {
        const ds = prop(ov, 'DTSTART');
        const newStart = ds ? parseDateTime(ds.value, ds, series.tz).utc : key;
        if (newStart !== key) series.moved.push({ occurrenceStartUtc: key, newStartUtc: newStart });
      }
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      skipped.push({ uid, summary, reason: say('ics.overrideIgnored', { why: e.message }) });
    }
  }
  return { events: [...events.values()], skipped };
}
