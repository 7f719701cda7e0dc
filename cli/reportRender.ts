// The daily report as text (terminal), CSV (spreadsheet: one block per table, each with its own
// header line, blocks separated by an empty line) and a printable, self-contained HTML page.
// Times are shown in the site's zone, the one the report's date is in.
import type { DailyReport, ReportLink, ReportMeeting } from '../protocol/index.js';
import type { Lang } from './context.js';
import { table } from './output.js';
import { esc, reportCharts } from './reportCharts.js';
import { translator, type MessageKey, type T } from './ui/i18n/translate.js';

const STATUS_KEY = { joined: 'rep.st.joined', late: 'rep.st.late', missing: 'rep.st.missing' } as const;

/** "09:03" in the report's zone. */
function clock(iso: string | null, tz: string): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

const num = (n: number | null, unit = ''): string => (n === null ? '–' : `${n}${unit}`);
const siteLabel = (name: { zh: string; en: string }, id: string, lang: Lang = 'en'): string => {
  const shown = lang === 'en' ? name.zh : name.zh || name.en;
  return shown === id ? id : `${shown} (${id})`;
};

function meetingSummary(m: ReportMeeting): { joined: number; late: number; missing: number } {
  const c = { joined: 0, late: 0, missing: 0 };
  for (const s of m.sites) c[s.status]++;
  return c;
}

function linkRow(l: ReportLink, lang: Lang): string[] {
  return [
    siteLabel(l.name, l.endpointId, lang),
    l.title,
    num(l.maxLossPct, '%'),
    num(l.avgLossPct, '%'),
    num(l.maxJitterMs, ' ms'),
    num(l.avgRttMs, ' ms'),
    String(l.samples),
  ];
}

export function renderReportText(r: DailyReport, lang: Lang = 'en'): string {
  const t = translator(lang);
  const tz = r.timezone;
  const out: string[] = [t('rep.title', { site: r.site, date: r.date, tz }), ''];
  out.push(t('rep.held', { n: r.meetings.length }));
  if (r.meetings.length) {
    out.push(
      table(
        [
          t('rep.col.start'),
          t('rep.col.end'),
          t('c.col.title'),
          t('c.col.sites'),
          t('rep.col.joined'),
          t('rep.col.late'),
          t('rep.col.missing'),
          t('rep.col.encrypted'),
          t('rep.col.missingSites'),
        ],
        r.meetings.map((m) => {
          const c = meetingSummary(m);
          const missing = m.sites
            .filter((s) => s.status === 'missing')
            .map((s) => s.endpointId)
            .join(', ');
          const answered = m.sites.filter((s) => s.status !== 'missing');
          const encrypted = `🔒 ${answered.filter((s) => s.srtp).length}/${answered.length}`;
          return [
            clock(m.startedAt, tz),
            m.endedAt ? clock(m.endedAt, tz) : t('rep.running'),
            m.title,
            String(m.sites.length),
            String(c.joined),
            String(c.late),
            String(c.missing),
            encrypted,
            missing,
          ];
        }),
      ),
    );
  }
  out.push('', t('rep.attendanceHead', { min: r.lateAfterMinutes }));
  out.push(
    r.attendance.length
      ? table(
          [t('c.col.site'), t('rep.col.meetings'), t('rep.col.joined'), t('rep.col.late'), t('rep.col.missing')],
          r.attendance.map((a) => [
            siteLabel(a.name, a.endpointId, lang),
            String(a.meetings),
            String(a.joined),
            String(a.late),
            String(a.missing),
          ]),
        )
      : t('rep.noAttendance'),
  );
  out.push('', t('rep.uptimeHead'));
  out.push(
    r.uptime.length
      ? table(
          [t('c.col.site'), t('rep.col.uptime'), t('rep.col.up'), t('rep.col.down'), t('rep.col.unknown')],
          r.uptime.map((u) => [
            siteLabel(u.name, u.endpointId, lang),
            num(u.uptimePct, '%'),
            t('c.minutes', { n: u.upMinutes }),
            t('c.minutes', { n: u.downMinutes }),
            t('c.minutes', { n: u.unknownMinutes }),
          ]),
        )
      : t('rep.noEndpoints'),
  );
  out.push('', t('rep.worstHead'));
  out.push(
    r.worstLinks.length
      ? table(
          linkHeaders(t),
          r.worstLinks.map((l) => linkRow(l, lang)),
        )
      : t('rep.noSamples'),
  );
  return `${out.join('\n')}\n`;
}

function linkHeaders(t: T): string[] {
  return [
    t('c.col.site'),
    t('rep.col.meeting'),
    t('rep.col.maxLoss'),
    t('rep.col.avgLoss'),
    t('rep.col.maxJitter'),
    t('rep.col.avgRtt'),
    t('rep.col.samples'),
  ];
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (cells: unknown[]): string => cells.map(csvCell).join(',');

export function renderReportCsv(r: DailyReport, lang: Lang = 'en'): string {
  const t = translator(lang);
  // English: the column ids spreadsheets were built on; Chinese: column names a person reads
  const h = (cols: string[]): string => csvLine(lang === 'en' ? cols : cols.map((c) => t(`csv.${c}` as MessageKey)));
  const blocks: string[][] = [];
  blocks.push([
    h([
      'meeting',
      'title',
      'date',
      'startedAt',
      'endedAt',
      'durationMinutes',
      'endpointId',
      'status',
      'answeredAt',
      'lateMinutes',
      'srtp',
    ]),
    ...r.meetings.flatMap((m) =>
      m.sites.map((s) =>
        csvLine([
          m.conferenceId,
          m.title,
          r.date,
          m.startedAt,
          m.endedAt,
          m.durationMinutes,
          s.endpointId,
          lang === 'en' ? s.status : t(STATUS_KEY[s.status]),
          s.answeredAt,
          s.lateMinutes,
          s.srtp,
        ]),
      ),
    ),
  ]);
  blocks.push([
    h(['site', 'nameZh', 'nameEn', 'date', 'meetings', 'joined', 'late', 'missing']),
    ...r.attendance.map((a) =>
      csvLine([a.endpointId, a.name.zh, a.name.en, r.date, a.meetings, a.joined, a.late, a.missing]),
    ),
  ]);
  blocks.push([
    h(['uptimeSite', 'nameZh', 'nameEn', 'date', 'uptimePct', 'upMinutes', 'downMinutes', 'unknownMinutes']),
    ...r.uptime.map((u) =>
      csvLine([u.endpointId, u.name.zh, u.name.en, r.date, u.uptimePct, u.upMinutes, u.downMinutes, u.unknownMinutes]),
    ),
  ]);
  blocks.push([
    h([
      'linkSite',
      'meeting',
      'title',
      'date',
      'maxLossPct',
      'avgLossPct',
      'maxJitterMs',
      'avgJitterMs',
      'avgRttMs',
      'samples',
    ]),
    ...r.worstLinks.map((l) =>
      csvLine([
        l.endpointId,
        l.conferenceId,
        l.title,
        r.date,
        l.maxLossPct,
        l.avgLossPct,
        l.maxJitterMs,
        l.avgJitterMs,
        l.avgRttMs,
        l.samples,
      ]),
    ),
  ]);
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}

function htmlTable(headers: string[], rows: (string | number)[][], empty: string, numeric: number[] = []): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  const cls = (i: number): string => (numeric.includes(i) ? ' class="n"' : '');
  return `<table><thead><tr>${headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const CSS = `
  body { font: 13px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid #999; }
  .meta { color: #555; margin: 0 0 12px; } .empty { color: #555; font-style: italic; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0; page-break-inside: auto; }
  th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #eee; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  tr { page-break-inside: avoid; } .missing { color: #a00; font-weight: bold; } .late { color: #a60; }
  .summary { display: flex; gap: 24px; margin: 8px 0; } .summary div { border: 1px solid #bbb; padding: 6px 12px; }
  .summary b { display: block; font-size: 18px; }
  svg.chart { display: block; width: 100%; height: auto; margin: 4px 0 8px; page-break-inside: avoid; }
  svg.chart text { font: 10px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; fill: #222; }
  svg.chart .axis { stroke: #999; stroke-width: 0.5; } svg.chart .track { fill: #eee; }
  svg.chart .bar { fill: #2a7; } svg.chart .bar.low { fill: #d80; } svg.chart .bar.bad { fill: #c33; }
  svg.chart .meeting { fill: #37c; } svg.chart .joined { fill: #2a7; } svg.chart .late { fill: #e90; }
  svg.chart .missing { fill: #c33; }
  @page { size: A4; margin: 15mm; }
  @media print { body { margin: 0; } h2 { page-break-after: avoid; } thead { display: table-header-group; } }
`;

export function renderReportHtml(r: DailyReport, lang: Lang = 'en'): string {
  const t = translator(lang);
  const tz = r.timezone;
  const totals = r.attendance.reduce(
    (x, a) => ({ joined: x.joined + a.joined, late: x.late + a.late, missing: x.missing + a.missing }),
    { joined: 0, late: 0, missing: 0 },
  );
  const meetings = r.meetings
    .map((m) => {
      const sites = m.sites
        .map(
          (s) =>
            `<span class="${s.status}">${s.srtp ? '🔒' : ''}${esc(s.endpointId)}${s.status === 'late' ? ` +${esc(s.lateMinutes)}′` : s.status === 'missing' ? ' ✗' : ''}</span>`,
        )
        .join(', ');
      const end = m.endedAt ? clock(m.endedAt, tz) : t('rep.running');
      return `<tr><td>${esc(clock(m.startedAt, tz))}–${esc(end)}</td><td>${esc(m.title)}</td><td class="n">${m.sites.length}</td><td>${sites}</td></tr>`;
    })
    .join('');
  const meetingTable = r.meetings.length
    ? `<table><thead><tr><th>${esc(t('rep.col.time'))}</th><th>${esc(t('c.col.title'))}</th><th class="n">${esc(t('c.col.sites'))}</th><th>${esc(t('rep.col.attendanceKey'))}</th></tr></thead><tbody>${meetings}</tbody></table>`
    : `<p class="empty">${esc(t('rep.noMeetings'))}</p>`;
  const charts = reportCharts(r, t, lang);
  return `<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t('rep.htmlTitle', { site: r.site, date: r.date }))}</title><style>${CSS}</style></head>
<body>
<h1>${esc(t('rep.htmlTitle', { site: r.site, date: r.date }))}</h1>
<p class="meta">${esc(t('rep.meta', { tz, at: r.generatedAt, min: r.lateAfterMinutes }))}</p>
<div class="summary"><div><b>${r.meetings.length}</b>${esc(t('rep.sum.meetings'))}</div><div><b>${totals.joined}</b>${esc(t('rep.sum.onTime'))}</div><div><b>${totals.late}</b>${esc(t('rep.sum.late'))}</div><div><b>${totals.missing}</b>${esc(t('rep.sum.missing'))}</div></div>
<h2>${esc(t('rep.h.timeline'))}</h2>
${charts.timeline}
<h2>${esc(t('rep.h.attendanceChart'))}</h2>
${charts.attendance}
<h2>${esc(t('rep.h.held'))}</h2>
${meetingTable}
<h2>${esc(t('rep.h.attendance'))}</h2>
${htmlTable(
  [t('c.col.site'), t('rep.col.meetings'), t('rep.col.joined'), t('rep.col.late'), t('rep.col.missing')],
  r.attendance.map((a) => [siteLabel(a.name, a.endpointId, lang), a.meetings, a.joined, a.late, a.missing]),
  t('rep.noAttendance'),
  [1, 2, 3, 4],
)}
<h2>${esc(t('rep.h.uptime'))}</h2>
${charts.uptime}
${htmlTable(
  [t('c.col.site'), t('rep.col.uptime'), t('rep.col.upMin'), t('rep.col.downMin'), t('rep.col.unknownMin')],
  r.uptime.map((u) => [
    siteLabel(u.name, u.endpointId, lang),
    num(u.uptimePct, '%'),
    u.upMinutes,
    u.downMinutes,
    u.unknownMinutes,
  ]),
  t('rep.noEndpoints'),
  [1, 2, 3, 4],
)}
<h2>${esc(t('rep.h.worst'))}</h2>
${htmlTable(
  linkHeaders(t),
  r.worstLinks.map((l) => linkRow(l, lang)),
  t('rep.noSamples'),
  [2, 3, 4, 5, 6],
)}
</body></html>
`;
}
