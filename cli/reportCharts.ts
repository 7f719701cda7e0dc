// The daily report's drawings, as inline SVG (no script, no font or image fetched, prints as it
// shows): the day's meetings on a 24-hour timeline (one block per meeting), attendance at a glance
// (one stacked bar per meeting: on time, late, missing) and uptime per site (one bar per site).
// Sized in a viewBox 700 units wide, which CSS scales to the page (A4 portrait fits).
import type { DailyReport } from '../protocol/index.js';
import type { Lang } from './context.js';
import type { T } from './ui/i18n/translate.js';

const W = 700;
const LABEL = 150;
const ROW = 16;

/** Text made safe inside HTML and SVG. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const svg = (name: string, height: number, label: string, body: string): string =>
  `<svg class="chart ${name}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(label)}">${body}</svg>`;

const siteName = (n: { zh: string; en: string }, id: string, lang: Lang): string =>
  (lang === 'zh' ? n.zh || n.en : n.en || n.zh) || id;

/** Minutes since the start of the report's day (clamped to the day). */
function minuteOfDay(iso: string, r: DailyReport): number {
  const from = Date.parse(r.from);
  const span = Date.parse(r.to) - from;
  const ms = Math.min(Math.max(Date.parse(iso) - from, 0), span);
  return (ms / span) * 1440;
}

export function reportCharts(
  r: DailyReport,
  t: T,
  lang: Lang,
): { timeline: string; attendance: string; uptime: string } {
  const plot = W - LABEL - 10;
  const x = (minute: number): number => LABEL + (minute / 1440) * plot;

  // timeline: hour ticks, then one block per meeting on its own row
  const ticks = Array.from({ length: 25 }, (_, h) => h)
    .filter((h) => h % 3 === 0)
    .map(
      (h) =>
        `<line class="axis" x1="${x(h * 60)}" y1="14" x2="${x(h * 60)}" y2="${20 + r.meetings.length * ROW}"/><text x="${x(h * 60)}" y="10" text-anchor="middle">${String(h).padStart(2, '0')}:00</text>`,
    )
    .join('');
  const blocks = r.meetings
    .map((m, i) => {
      const a = minuteOfDay(m.startedAt, r);
      const b = minuteOfDay(m.endedAt ?? r.generatedAt, r);
      const y = 18 + i * ROW;
      return `<text x="${LABEL - 6}" y="${y + 10}" text-anchor="end">${esc(m.title)}</text><rect class="meeting" x="${x(a).toFixed(1)}" y="${y}" width="${Math.max(2, x(b) - x(a)).toFixed(1)}" height="${ROW - 4}"><title>${esc(m.title)}</title></rect>`;
    })
    .join('');
  const timeline = r.meetings.length
    ? svg('timeline', 24 + r.meetings.length * ROW, t('rep.h.timeline'), ticks + blocks)
    : `<p class="empty">${esc(t('rep.noMeetings'))}</p>`;

  // attendance: per meeting, a bar split into on time / late / missing
  const att = r.meetings
    .map((m, i) => {
      const n = Math.max(1, m.sites.length);
      const count = { joined: 0, late: 0, missing: 0 };
      for (const s of m.sites) count[s.status]++;
      const y = 4 + i * ROW;
      let at = LABEL;
      const parts = (['joined', 'late', 'missing'] as const)
        .map((k) => {
          const w = (count[k] / n) * plot;
          const rect =
            w > 0
              ? `<rect class="${k}" x="${at.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 4}"><title>${esc(t(`rep.st.${k}`))} ${count[k]}</title></rect>`
              : '';
          at += w;
          return rect;
        })
        .join('');
      const legend = t('rep.attLine', { joined: count.joined, late: count.late, missing: count.missing });
      return `<text x="${LABEL - 6}" y="${y + 10}" text-anchor="end">${esc(m.title)}</text>${parts}<text x="${LABEL + 4}" y="${y + 10}" fill="#fff">${esc(legend)}</text>`;
    })
    .join('');
  const attendance = r.meetings.length
    ? svg('attendance', 8 + r.meetings.length * ROW, t('rep.h.attendanceChart'), att)
    : `<p class="empty">${esc(t('rep.noAttendance'))}</p>`;

  // uptime: one bar per configured site, its length the share of the known time it answered
  const bars = r.uptime
    .map((u, i) => {
      const y = 4 + i * ROW;
      const pct = u.uptimePct ?? 0;
      const cls = u.uptimePct === null ? 'bar bad' : pct >= 99 ? 'bar' : pct >= 90 ? 'bar low' : 'bar bad';
      const value = u.uptimePct === null ? '–' : `${pct}%`;
      return `<text x="${LABEL - 6}" y="${y + 10}" text-anchor="end">${esc(siteName(u.name, u.endpointId, lang))}</text><rect class="track" x="${LABEL}" y="${y}" width="${plot}" height="${ROW - 4}"/><rect class="${cls}" x="${LABEL}" y="${y}" width="${((pct / 100) * plot).toFixed(1)}" height="${ROW - 4}"><title>${esc(u.endpointId)} ${value}</title></rect><text x="${LABEL + plot - 2}" y="${y + 10}" text-anchor="end">${value}</text>`;
    })
    .join('');
  const uptime = r.uptime.length
    ? svg('uptime', 8 + r.uptime.length * ROW, t('rep.h.uptime'), bars)
    : `<p class="empty">${esc(t('rep.noEndpoints'))}</p>`;
  return { timeline, attendance, uptime };
}
