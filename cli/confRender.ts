// Text for `vcbridge conf ...` and `vcbridge cdr`: conference lists, one conference with its
// participants and link quality, live progress lines, and call records (table or CSV).
import type { CdrRow, ConferenceView, HandView, LegStats, ParticipantView, PollingView } from '../protocol/index.js';
import type { Lang } from './context.js';
import { duration, padEnd, table } from './output.js';
import { renderLive } from './liveRender.js';

const name = (p: Pick<ParticipantView, 'name'>, lang: Lang): string => (lang === 'zh' ? p.name.zh : p.name.en);

/** "09:00:05" local time of an ISO instant, with the date when it is not today. */
export function fmtClock(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return new Date(now).toDateString() === d.toDateString()
    ? time
    : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}`;
}

const num = (v: number | null | undefined, unit: string, digits = 1): string =>
  v === null || v === undefined ? '—' : `${v.toFixed(digits)}${unit}`;

export function fmtStats(s: LegStats | undefined): {
  loss: string;
  jitter: string;
  rtt: string;
  kbps: string;
  codecs: string;
} {
  if (!s) return { loss: '—', jitter: '—', rtt: '—', kbps: '—', codecs: '—' };
  return {
    loss: num(s.lossPct, ' %'),
    jitter: num(s.jitterMs, ' ms'),
    rtt: num(s.rttMs, ' ms'),
    kbps:
      s.bitrateInKbps === null && s.bitrateOutKbps === null
        ? '—'
        : `${Math.round(s.bitrateInKbps ?? 0)}/${Math.round(s.bitrateOutKbps ?? 0)}`,
    codecs: [s.audioCodec, s.videoCodec].filter(Boolean).join('+') || '—',
  };
}

function connectedCount(c: ConferenceView): string {
  return `${c.participants.filter((p) => p.state === 'connected').length}/${c.participants.length}`;
}

export function renderList(rows: ConferenceView[]): string {
  if (rows.length === 0) return 'no conferences (start one with `vcbridge conf start --title T --group towns`)';
  const now = Date.now();
  return table(
    ['id', 'title', 'state', 'mode', 'sites', 'started', 'ends'],
    rows.map((c) => [
      c.id,
      c.title,
      c.state + (c.locked ? ' (locked)' : ''),
      c.mode,
      connectedCount(c),
      fmtClock(c.startedAt, now),
      fmtClock(c.endsAt, now),
    ]),
  );
}

function stateText(p: ParticipantView, now: number): string {
  if (p.state === 'redialing' && p.nextRedialAt) {
    const secs = Math.max(0, Math.round((Date.parse(p.nextRedialAt) - now) / 1000));
    return `redialing in ${secs}s`;
  }
  return p.state;
}

/** What a polling walks: a whole picture or one pane of a layout. */
function pollWhat(p: PollingView): string {
  if (p.pane !== undefined) return `pane ${p.pane} of ${p.target ? `${p.target}'s layout` : "the conference's layout"}`;
  return p.target ? `what ${p.target} sees` : "everyone's picture";
}

export function renderConference(c: ConferenceView, lang: Lang, now = Date.now()): string {
  const up = duration((now - Date.parse(c.startedAt)) / 1000);
  const head = [
    `${c.id} — ${c.title}`,
    `  state ${c.state}${c.locked ? ', locked' : ''}; mode ${c.mode}; floor ${c.floor ?? '—'}; chair ${c.chair ?? '—'}; upstream ${c.upstream ?? '—'}`,
    `  started ${fmtClock(c.startedAt, now)} (${up} ago)${c.endsAt ? `, ends ${fmtClock(c.endsAt, now)}` : ''}; ${connectedCount(c)} sites connected`,
    ...(c.polling
      ? [
          `  polling every ${c.polling.intervalSeconds} s (${pollWhat(c.polling)}): now ${c.polling.current ?? '—'}, next ${c.polling.next ?? '—'} at ${fmtClock(c.polling.nextAt, now)}; list ${c.polling.sites.join(', ')}`,
        ]
      : []),
    ...(c.hands?.length
      ? [`  hands raised: ${c.hands.map((h) => `${h.endpointId} ${fmtClock(h.at, now)}`).join(', ')}`]
      : []),
    ...(c.rollcall ? [`  roll-call list: ${c.rollcall.join(', ')}`] : []),
    '',
  ];
  const rows = c.participants.map((p) => {
    const s = fmtStats(p.stats);
    const flags = [
      p.hasFloor ? '★' : '',
      p.handRaisedAt ? '✋' : '',
      p.muted ? 'muted' : '',
      c.chair === p.endpointId ? 'chair' : '',
      c.polling?.current === p.endpointId ? 'polled' : '',
    ]
      .filter(Boolean)
      .join(' ');
    return [
      p.endpointId,
      name(p, lang),
      stateText(p, now),
      flags,
      p.viewing ?? '—',
      p.direction,
      s.loss,
      s.jitter,
      s.rtt,
      s.kbps,
      s.codecs + (p.srtp ? ' 🔒' : ''),
      p.state === 'connected' ? '' : (p.reason ?? ''),
    ];
  });
  return (
    head.join('\n') +
    table(
      ['site', 'name', 'state', 'flags', 'sees', 'dir', 'loss', 'jitter', 'RTT', 'kbps in/out', 'codecs', 'note'],
      rows,
    ) +
    renderMultiview(c) +
    renderLive(c.live, lang)
  );
}

/** Layouts and what is in each pane (多画面), after the table; nothing when no room gets a composed picture. */
export function renderMultiview(c: ConferenceView): string {
  const m = c.multiview;
  if (!m || (m.layout === 'off' && Object.keys(m.personal).length === 0 && Object.keys(m.pictures).length === 0))
    return '';
  const lines = ['', `layout ${m.layout}${m.banner ? `; banner "${m.banner}"` : ''}`];
  for (const [site, l] of Object.entries(m.personal)) lines.push(`  ${site}: personal layout ${l}`);
  for (const [owner, pins] of Object.entries(m.pins)) {
    lines.push(
      `  pinned (${owner}): ${Object.entries(pins)
        .map(([n, s]) => `${n}=${s}`)
        .join(' ')}`,
    );
  }
  const groups = new Map<string, string[]>();
  for (const [site, p] of Object.entries(m.pictures)) groups.set(p.canvas, [...(groups.get(p.canvas) ?? []), site]);
  for (const [canvas, sites] of groups) {
    const p = m.pictures[sites[0]!]!;
    lines.push(
      `  ${sites.join(', ')} see ${p.layout}: ${p.panes.map((s, i) => `${i + 1} ${s ?? '—'}`).join(', ')}${canvas.startsWith('tx:') ? ' (transcoded)' : ''}`,
    );
  }
  return lines.join('\n');
}

/** Raised hands, oldest first: order, site, name, when, how. */
export function renderHands(hands: HandView[], lang: Lang, c: ConferenceView, now = Date.now()): string {
  if (hands.length === 0) return `no hands raised in ${c.id}`;
  const names = new Map(c.participants.map((p) => [p.endpointId, name(p, lang)]));
  return table(
    ['#', 'site', 'name', 'raised', 'via'],
    hands.map((h, i) => [
      String(i + 1),
      h.endpointId,
      names.get(h.endpointId) ?? h.endpointId,
      fmtClock(h.at, now),
      h.via,
    ]),
  );
}

/** One line of live progress: "09:00:01  mihe      Mihe Town      ringing". */
export function progressLine(p: ParticipantView, lang: Lang, now = Date.now()): string {
  const why = p.reason && p.state !== 'connected' ? `: ${p.reason}` : '';
  return `${fmtClock(new Date(now).toISOString(), now)}  ${padEnd(p.endpointId, 12)}${padEnd(name(p, lang), 16)}${stateText(p, now)}${why}`;
}

export function renderParticipant(p: ParticipantView, lang: Lang): string {
  return progressLine(p, lang);
}

export function renderCdr(rows: CdrRow[]): string {
  if (rows.length === 0) return 'no call records';
  const now = Date.now();
  return table(
    ['start', 'conference', 'site', 'dir', 'answered', 'duration', 'codecs', 'end reason'],
    rows.map((r) => [
      fmtClock(r.startedAt, now),
      r.conferenceId,
      r.endpointId,
      r.direction,
      r.answeredAt ? fmtClock(r.answeredAt, now) : 'no',
      r.durationSeconds === null ? (r.endedAt ? '—' : 'in call') : duration(r.durationSeconds),
      ([r.audioCodec, r.videoCodec].filter(Boolean).join('+') || '—') + (r.srtp ? ' 🔒' : ''),
      r.endReason ?? '',
    ]),
  );
}

const CSV_COLUMNS = [
  'id',
  'conferenceId',
  'endpointId',
  'direction',
  'callId',
  'startedAt',
  'answeredAt',
  'endedAt',
  'durationSeconds',
  'endReason',
  'audioCodec',
  'videoCodec',
  'srtp',
  'avgLossPct',
  'maxJitterMs',
  'avgRttMs',
] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCdrCsv(rows: CdrRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const st = (r.stats ?? {}) as { avgLossPct?: number; maxJitterMs?: number; avgRttMs?: number };
    const rec: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      ...r,
      avgLossPct: st.avgLossPct,
      maxJitterMs: st.maxJitterMs,
      avgRttMs: st.avgRttMs,
    };
    lines.push(CSV_COLUMNS.map((k) => csvCell(rec[k])).join(','));
  }
  return `${lines.join('\n')}\n`;
}
