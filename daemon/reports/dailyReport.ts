// The daily operations report: meetings held, who came (on time, late, never), how long each
// endpoint answered, and the legs with the worst quality. Built from the store alone (conferences,
// call records, health transitions, leg stats), so it works for any past day the store still holds
// and needs no running conference, SIP or media.
import type {
  AttendanceStatus,
  DailyReport,
  ReportLink,
  ReportMeeting,
  ReportSiteAttendance,
  ReportUptime,
} from '../../protocol/index.js';
import type { CdrRepo } from '../store/CdrRepo.js';
import type { ConferenceRepo, ConferenceRow } from '../store/ConferenceRepo.js';
import type { HealthRepo } from '../store/HealthRepo.js';
import type { StatsRepo } from '../store/StatsRepo.js';
import { dayWindow } from './dayWindow.js';

/** A site that answers later than this after the conference started joined late. */
export const LATE_AFTER_MINUTES = 2;
const WORST_LINKS = 10;
// a day holds far fewer conferences and legs than this; the cap only bounds a pathological store
const MAX_ROWS = 10_000;

export interface ReportStore {
  conferences: Pick<ConferenceRepo, 'list'>;
  cdr: Pick<CdrRepo, 'list'>;
  health: Pick<HealthRepo, 'availability'>;
  stats: Pick<StatsRepo, 'summarize'>;
}

export interface DailyReportInput {
  site: string;
  timezone: string;
  /** YYYY-MM-DD in `timezone`; default the day `now` falls in. */
  date?: string;
  /** The configured endpoints, for names and the uptime table. */
  endpoints: readonly { id: string; name: { zh: string; en: string } }[];
  now: number;
}

type Name = { zh: string; en: string };

export function buildDailyReport(store: ReportStore, input: DailyReportInput): DailyReport {
  const day = dayWindow(input.timezone, input.now, input.date);
  const names = new Map<string, Name>(input.endpoints.map((e) => [e.id, e.name]));
  const nameOf = (id: string): Name => names.get(id) ?? { zh: id, en: id };
  const rows = store.conferences.list({ since: day.fromMs, limit: MAX_ROWS }).filter((c) => c.startedAt < day.toMs);
  const meetings = rows.map((c) => meeting(store, c));
  const titles = new Map(rows.map((c) => [c.id, c.title]));
  // uptime only up to now: the rest of today is not known yet
  const until = Math.min(day.toMs, input.now);
  return {
    site: input.site,
    date: day.date,
    timezone: input.timezone,
    from: new Date(day.fromMs).toISOString(),
    to: new Date(day.toMs).toISOString(),
    generatedAt: new Date(input.now).toISOString(),
    lateAfterMinutes: LATE_AFTER_MINUTES,
    meetings,
    attendance: attendance(meetings, nameOf),
    uptime: input.endpoints.map((e) => uptime(store, e.id, e.name, day.fromMs, until)),
    worstLinks: worstLinks(store, day.fromMs, day.toMs, titles, nameOf),
  };
}

function meeting(store: ReportStore, c: ConferenceRow): ReportMeeting {
  // the first answered leg of each site counts (a site redialled after a drop was there already)
  const firstAnswer = new Map<string, number>();
  // a site counts as encrypted when every answered leg of it was (one plain leg is worth a look)
  const srtp = new Map<string, string | null>();
  for (const leg of store.cdr.list({ conferenceId: c.id, limit: MAX_ROWS })) {
    if (leg.answeredAt === null) continue;
    const seen = firstAnswer.get(leg.endpointId);
    if (seen === undefined || leg.answeredAt < seen) firstAnswer.set(leg.endpointId, leg.answeredAt);
    srtp.set(leg.endpointId, seen !== undefined && srtp.get(leg.endpointId) === null ? null : leg.srtp);
  }
  const sites = c.endpoints.map((endpointId) => {
    const at = firstAnswer.get(endpointId);
    if (at === undefined)
      return { endpointId, status: 'missing' as AttendanceStatus, answeredAt: null, lateMinutes: null, srtp: null };
    const lateMs = at - c.startedAt;
    const late = lateMs > LATE_AFTER_MINUTES * 60_000;
    return {
      endpointId,
      status: (late ? 'late' : 'joined') as AttendanceStatus,
      answeredAt: new Date(at).toISOString(),
      lateMinutes: late ? Math.round(lateMs / 6_000) / 10 : null,
      srtp: srtp.get(endpointId) ?? null,
    };
  });
  return {
    conferenceId: c.id,
    title: c.title,
    scheduleId: c.scheduleId,
    startedAt: new Date(c.startedAt).toISOString(),
    endedAt: c.endedAt === null ? null : new Date(c.endedAt).toISOString(),
    durationMinutes: c.endedAt === null ? null : Math.round((c.endedAt - c.startedAt) / 60_000),
    endReason: c.endReason,
    sites,
  };
}

function attendance(meetings: ReportMeeting[], nameOf: (id: string) => Name): ReportSiteAttendance[] {
  const bySite = new Map<string, ReportSiteAttendance>();
  for (const m of meetings) {
    for (const s of m.sites) {
      let a = bySite.get(s.endpointId);
      if (!a)
        bySite.set(
          s.endpointId,
          (a = { endpointId: s.endpointId, name: nameOf(s.endpointId), meetings: 0, joined: 0, late: 0, missing: 0 }),
        );
      a.meetings++;
      a[s.status]++;
    }
  }
  // the sites that missed most first: that is what the control centre follows up
  return [...bySite.values()].sort(
    (a, b) => b.missing - a.missing || b.late - a.late || a.endpointId.localeCompare(b.endpointId),
  );
}

function uptime(store: ReportStore, endpointId: string, name: Name, fromMs: number, toMs: number): ReportUptime {
  const a = store.health.availability(endpointId, fromMs, toMs);
  const known = a.upMs + a.downMs;
  const min = (ms: number): number => Math.round(ms / 60_000);
  return {
    endpointId,
    name,
    uptimePct: known === 0 ? null : Math.round((a.upMs / known) * 10_000) / 100,
    upMinutes: min(a.upMs),
    downMinutes: min(a.downMs),
    unknownMinutes: min(a.unknownMs),
  };
}

function worstLinks(
  store: ReportStore,
  fromMs: number,
  toMs: number,
  titles: Map<string, string>,
  nameOf: (id: string) => Name,
): ReportLink[] {
  const r1 = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);
  return store.stats
    .summarize(fromMs, toMs)
    .sort(
      (a, b) =>
        (b.maxLossPct ?? -1) - (a.maxLossPct ?? -1) ||
        (b.avgLossPct ?? -1) - (a.avgLossPct ?? -1) ||
        (b.maxJitterMs ?? -1) - (a.maxJitterMs ?? -1),
    )
    .slice(0, WORST_LINKS)
    .map((l) => ({
      conferenceId: l.conferenceId,
      title: titles.get(l.conferenceId) ?? l.conferenceId,
      endpointId: l.endpointId,
      name: nameOf(l.endpointId),
      samples: l.samples,
      avgLossPct: r1(l.avgLossPct),
      maxLossPct: r1(l.maxLossPct),
      avgJitterMs: r1(l.avgJitterMs),
      maxJitterMs: r1(l.maxJitterMs),
      avgRttMs: r1(l.avgRttMs),
    }));
}
