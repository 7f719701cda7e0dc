// Call detail records and the daily report.
import type { QualitySummary } from './conferences.js';

export interface CdrListParams {
  /** ISO instant: legs started at or after it. */
  since?: string;
  conferenceId?: string;
  endpointId?: string;
  limit?: number;
}

export interface CdrRow {
  id: number;
  conferenceId: string;
  endpointId: string;
  direction: 'out' | 'in';
  callId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  endReason: string | null;
  audioCodec: string | null;
  videoCodec: string | null;
  /** SRTP suite when the leg was encrypted, null for plain RTP. */
  srtp: string | null;
  stats: unknown;
}

export interface ReportDailyParams {
  /** YYYY-MM-DD in the site's time zone; default today there. */
  date?: string;
}

export type AttendanceStatus = 'joined' | 'late' | 'missing';

export interface ReportMeeting {
  conferenceId: string;
  title: string;
  scheduleId: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number | null;
  endReason: string | null;
  /** Every site the meeting listed: answered in time, late (after lateAfterMinutes), or never;
   *  `srtp`: the SRTP suite when every answered leg of the site was encrypted, else null. */
  sites: {
    endpointId: string;
    status: AttendanceStatus;
    answeredAt: string | null;
    lateMinutes: number | null;
    srtp: string | null;
  }[];
}

export interface ReportSiteAttendance {
  endpointId: string;
  name: { zh: string; en: string };
  meetings: number;
  joined: number;
  late: number;
  missing: number;
}

export interface ReportUptime {
  endpointId: string;
  name: { zh: string; en: string };
  /** Percent of the known time the endpoint answered OPTIONS; null when nothing is known. */
  uptimePct: number | null;
  upMinutes: number;
  downMinutes: number;
  unknownMinutes: number;
}

export interface ReportLink extends QualitySummary {
  conferenceId: string;
  title: string;
  endpointId: string;
  name: { zh: string; en: string };
}

export interface DailyReport {
  site: string;
  /** The day, YYYY-MM-DD in `timezone`. */
  date: string;
  timezone: string;
  /** The day as UTC instants [from, to). */
  from: string;
  to: string;
  generatedAt: string;
  lateAfterMinutes: number;
  meetings: ReportMeeting[];
  /** Sites listed in at least one meeting of the day. */
  attendance: ReportSiteAttendance[];
  /** Every configured endpoint. */
  uptime: ReportUptime[];
  /** Legs with the highest loss (then jitter), at most 10. */
  worstLinks: ReportLink[];
}
