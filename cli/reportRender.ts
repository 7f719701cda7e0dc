// The daily report as text (terminal), CSV (spreadsheet: one block per table, each with its own
// header line, blocks separated by an empty line) and a printable, self-contained HTML page.
// Times are shown in the site's zone, the one the report's date is in.
import type { DailyReport, ReportLink, ReportMeeting } from '../protocol/index.js';
import { table } from './output.js';

const STATUS_WORD = { joined: 'joined', late: 'late', missing: 'missing' } as const;

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
const siteLabel = (name: { zh: string; en: string }, id: string): string =>
  name.zh === id ? id : `${name.zh} (${id})`;

function meetingSummary(m: ReportMeeting): { joined: number; late: number; missing: number } {
  const c = { joined: 0, late: 0, missing: 0 };
  for (const s of m.sites) c[s.status]++;
  return c;
}

function linkRow(l: ReportLink): string[] {
  return [
    siteLabel(l.name, l.endpointId),
    l.title,
    num(l.maxLossPct, '%'),
    num(l.avgLossPct, '%'),
    num(l.maxJitterMs, ' ms'),
    num(l.avgRttMs, ' ms'),
    String(l.samples),
  ];
}

export function renderReportText(r: DailyReport): string {
  const tz = r.timezone;
  const out: string[] = [`${r.site} — daily report for ${r.date} (${tz})`, ''];
  out.push(`Meetings held: ${r.meetings.length}`);
  if (r.meetings.length) {
    out.push(
      table(
        ['start', 'end', 'title', 'sites', 'joined', 'late', 'missing', 'encrypted', 'missing sites'],
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
            m.endedAt ? clock(m.endedAt, tz) : 'running',
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
  out.push('', `Attendance per site (late = answered more than ${r.lateAfterMinutes} min after the start)`);
  out.push(
    r.attendance.length
      ? table(
          ['site', 'meetings', 'joined', 'late', 'missing'],
          r.attendance.map((a) => [
            siteLabel(a.name, a.endpointId),
            String(a.meetings),
            String(a.joined),
            String(a.late),
            String(a.missing),
          ]),
        )
      : 'no meetings, no attendance',
  );
  out.push('', 'Endpoint uptime (share of the known time it answered OPTIONS)');
  out.push(
    r.uptime.length
      ? table(
          ['site', 'uptime', 'up', 'down', 'unknown'],
          r.uptime.map((u) => [
            siteLabel(u.name, u.endpointId),
            num(u.uptimePct, '%'),
            `${u.upMinutes} min`,
            `${u.downMinutes} min`,
            `${u.unknownMinutes} min`,
          ]),
        )
      : 'no endpoints configured',
  );
  out.push('', 'Worst links (highest packet loss, then jitter)');
  out.push(
    r.worstLinks.length
      ? table(
          ['site', 'meeting', 'max loss', 'avg loss', 'max jitter', 'avg rtt', 'samples'],
          r.worstLinks.map(linkRow),
        )
      : 'no call quality samples on this day',
  );
  return `${out.join('\n')}\n`;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (cells: unknown[]): string => cells.map(csvCell).join(',');

export function renderReportCsv(r: DailyReport): string {
  const blocks: string[][] = [];
  blocks.push([
    csvLine([
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
          STATUS_WORD[s.status],
          s.answeredAt,
          s.lateMinutes,
          s.srtp,
        ]),
      ),
    ),
  ]);
  blocks.push([
    csvLine(['site', 'nameZh', 'nameEn', 'date', 'meetings', 'joined', 'late', 'missing']),
    ...r.attendance.map((a) =>
      csvLine([a.endpointId, a.name.zh, a.name.en, r.date, a.meetings, a.joined, a.late, a.missing]),
    ),
  ]);
  blocks.push([
    csvLine(['uptimeSite', 'nameZh', 'nameEn', 'date', 'uptimePct', 'upMinutes', 'downMinutes', 'unknownMinutes']),
    ...r.uptime.map((u) =>
      csvLine([u.endpointId, u.name.zh, u.name.en, r.date, u.uptimePct, u.upMinutes, u.downMinutes, u.unknownMinutes]),
    ),
  ]);
  blocks.push([
    csvLine([
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

function esc(v: unknown): string {
  return String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
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
  @page { size: A4; margin: 15mm; }
  @media print { body { margin: 0; } h2 { page-break-after: avoid; } thead { display: table-header-group; } }
`;

export function renderReportHtml(r: DailyReport): string {
  const tz = r.timezone;
  const totals = r.attendance.reduce(
    (t, a) => ({ joined: t.joined + a.joined, late: t.late + a.late, missing: t.missing + a.missing }),
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
      const end = m.endedAt ? clock(m.endedAt, tz) : 'running';
      return `<tr><td>${esc(clock(m.startedAt, tz))}–${esc(end)}</td><td>${esc(m.title)}</td><td class="n">${m.sites.length}</td><td>${sites}</td></tr>`;
    })
    .join('');
  const meetingTable = r.meetings.length
    ? `<table><thead><tr><th>time</th><th>title</th><th class="n">sites</th><th>attendance (🔒 encrypted, late +minutes, missing ✗)</th></tr></thead><tbody>${meetings}</tbody></table>`
    : '<p class="empty">no meetings on this day</p>';
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.site)} — daily report ${esc(r.date)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(r.site)} — daily report ${esc(r.date)}</h1>
<p class="meta">Time zone ${esc(tz)} · generated ${esc(r.generatedAt)} · late = answered more than ${esc(r.lateAfterMinutes)} min after the start</p>
<div class="summary"><div><b>${r.meetings.length}</b>meetings</div><div><b>${totals.joined}</b>joined on time</div><div><b>${totals.late}</b>joined late</div><div><b>${totals.missing}</b>missing</div></div>
<h2>Meetings held</h2>
${meetingTable}
<h2>Attendance per site</h2>
${htmlTable(
  ['site', 'meetings', 'joined', 'late', 'missing'],
  r.attendance.map((a) => [siteLabel(a.name, a.endpointId), a.meetings, a.joined, a.late, a.missing]),
  'no meetings, no attendance',
  [1, 2, 3, 4],
)}
<h2>Endpoint uptime</h2>
${htmlTable(
  ['site', 'uptime', 'up (min)', 'down (min)', 'unknown (min)'],
  r.uptime.map((u) => [
    siteLabel(u.name, u.endpointId),
    num(u.uptimePct, '%'),
    u.upMinutes,
    u.downMinutes,
    u.unknownMinutes,
  ]),
  'no endpoints configured',
  [1, 2, 3, 4],
)}
<h2>Worst links</h2>
${htmlTable(['site', 'meeting', 'max loss', 'avg loss', 'max jitter', 'avg rtt', 'samples'], r.worstLinks.map(linkRow), 'no call quality samples on this day', [2, 3, 4, 5, 6])}
</body></html>
`;
}
