// Text for `vcbridge conf ...` and `vcbridge cdr`: conference lists, one conference with its
// participants and link quality, live progress lines, and call records (table or CSV).
import type { CdrRow, ConferenceView, HandView, LegStats, ParticipantView, PollingView } from '../protocol/index.js';
import type { Lang } from './context.js';
import { padEnd, table } from './output.js';
import { renderLive } from './liveRender.js';
import { compositorWords } from './ui/data/compositorUse.js';
import { explain } from './ui/i18n/explain.js';
import { fmtDuration, translator } from './ui/i18n/translate.js';

const name = (p: Pick<ParticipantView, 'name'>, lang: Lang): string => (lang === 'zh' ? p.name.zh : p.name.en);

/**
 * A participant the operator reads about (what a room sees, who is in a pane): a site by its id, as
 * the commands take it; a browser by its name with its id, whose id alone (web-3f9a1c) says nothing.
 */
export function seenAs(c: Pick<ConferenceView, 'participants'>, id: string, lang: Lang): string {
  const p = c.participants.find((x) => x.endpointId === id);
  return p?.kind === 'browser' ? `${name(p, lang)} (${id})` : id;
}

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

export function renderList(rows: ConferenceView[], lang: Lang = 'en'): string {
  const t = translator(lang);
  if (rows.length === 0) return t('c.conf.none');
  const now = Date.now();
  return table(
    [
      t('c.col.id'),
      t('c.col.title'),
      t('c.col.state'),
      t('c.col.mode'),
      t('c.col.sites'),
      t('c.col.started'),
      t('c.col.ends'),
    ],
    rows.map((c) => [
      c.id,
      c.title,
      t(`cstate.${c.state}`) + (c.locked ? t('c.conf.lockedList') : ''),
      t(`cmode.${c.mode}`),
      connectedCount(c),
      fmtClock(c.startedAt, now),
      fmtClock(c.endsAt, now),
    ]),
  );
}

function stateText(p: ParticipantView, now: number, lang: Lang): string {
  const t = translator(lang);
  if (p.state === 'redialing' && p.nextRedialAt) {
    const secs = Math.max(0, Math.round((Date.parse(p.nextRedialAt) - now) / 1000));
    return t('c.conf.redialIn', { secs });
  }
  return t(`lstate.${p.state}`);
}

/** What a polling walks: a whole picture or one pane of a layout. */
function pollWhat(p: PollingView, t: ReturnType<typeof translator>): string {
  if (p.pane !== undefined)
    return p.target ? t('c.conf.pollPaneFor', { pane: p.pane, id: p.target }) : t('c.conf.pollPane', { pane: p.pane });
  return p.target ? t('c.conf.pollFor', { id: p.target }) : t('c.conf.pollAll');
}

export function renderConference(c: ConferenceView, lang: Lang, now = Date.now()): string {
  const t = translator(lang);
  const up = fmtDuration((now - Date.parse(c.startedAt)) / 1000, t);
  const rec = recordingBadge(c.recording, lang, now);
  const head = [
    `${c.id} — ${c.title}${rec ? `  ${rec}` : ''}`,
    t('c.conf.line1', {
      state: t(`cstate.${c.state}`) + (c.locked ? t('c.conf.lockedShow') : ''),
      mode: t(`cmode.${c.mode}`),
      floor: c.floor ?? '—',
      chair: c.chair ?? '—',
      upstream: c.upstream ?? '—',
    }),
    t('c.conf.line2', {
      started: fmtClock(c.startedAt, now),
      up,
      count: connectedCount(c),
      ends: c.endsAt ? t('c.conf.ends', { time: fmtClock(c.endsAt, now) }) : '',
    }),
    ...(c.polling
      ? [
          t('c.conf.polling', {
            interval: c.polling.intervalSeconds,
            target: pollWhat(c.polling, t),
            current: c.polling.current ?? '—',
            next: c.polling.next ?? '—',
            at: fmtClock(c.polling.nextAt, now),
            list: c.polling.sites.join(', '),
          }),
        ]
      : []),
    ...(c.hands?.length
      ? [t('c.conf.hands', { list: c.hands.map((h) => `${h.endpointId} ${fmtClock(h.at, now)}`).join(', ') })]
      : []),
    ...(c.rollcall ? [t('c.conf.rollcall', { list: c.rollcall.join(', ') })] : []),
    '',
  ];
  const rows = c.participants.map((p) => {
    const s = fmtStats(p.stats);
    const flags = [
      p.hasFloor ? '★' : '',
      p.handRaisedAt ? '✋' : '',
      p.muted ? t('conf.muted') : '',
      c.chair === p.endpointId ? t('conf.chair') : '',
      c.polling?.current === p.endpointId ? t('c.conf.polled') : '',
    ]
      .filter(Boolean)
      .join(' ');
    return [
      p.endpointId,
      name(p, lang),
      stateText(p, now, lang),
      flags,
      p.viewing === null ? '—' : seenAs(c, p.viewing, lang),
      t(`dir.${p.direction}`),
      s.loss,
      s.jitter,
      s.rtt,
      s.kbps,
      s.codecs + (p.srtp ? ' 🔒' : ''),
      p.state === 'connected' ? '' : explain(p.reason, lang),
    ];
  });
  return (
    head.join('\n') +
    table(
      [
        t('c.col.site'),
        t('c.col.name'),
        t('c.col.state'),
        t('c.col.flags'),
        t('c.col.sees'),
        t('c.col.dir'),
        t('c.col.loss'),
        t('c.col.jitter'),
        'RTT',
        t('c.col.kbps'),
        t('c.col.codecs'),
        t('c.col.note'),
      ],
      rows,
    ) +
    renderMultiview(c, lang) +
    renderLive(c.live, lang)
  );
}

/** Layouts and what is in each pane (多画面), after the table; nothing when no room gets a composed picture. */
export function renderMultiview(c: ConferenceView, lang: Lang = 'en'): string {
  const t = translator(lang);
  const m = c.multiview;
  if (
    !m ||
    (m.layout === 'off' &&
      Object.keys(m.personal).length === 0 &&
      Object.keys(m.pictures).length === 0 &&
      !m.encoders?.length)
  )
    return '';
  const lines = ['', t('c.mv.layout', { layout: m.layout }) + (m.banner ? t('c.mv.banner', { banner: m.banner }) : '')];
  for (const [site, l] of Object.entries(m.personal)) lines.push(t('c.mv.personal', { site, layout: l }));
  for (const [owner, pins] of Object.entries(m.pins)) {
    lines.push(
      t('c.mv.pinned', {
        owner: owner === 'conference' ? t('c.mv.confOwner') : owner,
        pins: Object.entries(pins)
          .map(([n, s]) => `${n}=${s}`)
          .join(' '),
      }),
    );
  }
  const groups = new Map<string, string[]>();
  for (const [site, p] of Object.entries(m.pictures)) groups.set(p.canvas, [...(groups.get(p.canvas) ?? []), site]);
  for (const [canvas, sites] of groups) {
    const p = m.pictures[sites[0]!]!;
    lines.push(
      t('c.mv.see', {
        sites: sites.join(', '),
        layout: p.layout,
        panes: p.panes.map((s, i) => `${i + 1} ${s === null ? '—' : seenAs(c, s, lang)}`).join(', '),
      }) + (canvas.startsWith('tx:') ? t('c.mv.transcoded') : ''),
    );
  }
  return [...lines, ...renderCompositorUse(c, lang)].join('\n');
}

/** What the compositor encodes (one line per picture: one encoder) and decodes, while it runs. */
function renderCompositorUse(c: ConferenceView, lang: Lang): string[] {
  const t = translator(lang);
  const use = compositorWords(c.multiview, (id) => seenAs(c, id, lang), t);
  if (!use) return [];
  const lines = [t('c.mv.encoders', { n: use.encoders.length })];
  use.encoders.forEach((e, i) => lines.push(t('c.mv.encoder', { i: i + 1, ...e, rooms: e.rooms.join(', ') || '—' })));
  lines.push(t('c.mv.decoding', { n: use.decoding.length, list: use.decoding.join(', ') || '—' }));
  if (use.offScreen.length) lines.push(t('c.mv.offScreen', { list: use.offScreen.join(', ') }));
  return lines;
}

/** Raised hands, oldest first: order, site, name, when, how. */
export function renderHands(hands: HandView[], lang: Lang, c: ConferenceView, now = Date.now()): string {
  const t = translator(lang);
  if (hands.length === 0) return t('c.hands.none', { id: c.id });
  const names = new Map(c.participants.map((p) => [p.endpointId, name(p, lang)]));
  return table(
    ['#', t('c.col.site'), t('c.col.name'), t('c.col.raised'), t('c.col.via')],
    hands.map((h, i) => [
      String(i + 1),
      h.endpointId,
      names.get(h.endpointId) ?? h.endpointId,
      fmtClock(h.at, now),
      t(`via.${h.via}`),
    ]),
  );
}

/** One line of live progress: "09:00:01  mihe      Mihe Town      ringing". */
export function progressLine(p: ParticipantView, lang: Lang, now = Date.now()): string {
  const why = p.reason && p.state !== 'connected' ? `${translator(lang)('c.colon')}${explain(p.reason, lang)}` : '';
  return `${fmtClock(new Date(now).toISOString(), now)}  ${padEnd(p.endpointId, 12)}${padEnd(name(p, lang), 16)}${stateText(p, now, lang)}${why}`;
}

export function renderParticipant(p: ParticipantView, lang: Lang): string {
  return progressLine(p, lang);
}

export function renderCdr(rows: CdrRow[], lang: Lang = 'en'): string {
  const t = translator(lang);
  if (rows.length === 0) return t('c.cdr.none');
  const now = Date.now();
  return table(
    [
      t('c.col.start'),
      t('c.col.conference'),
      t('c.col.site'),
      t('c.col.dir'),
      t('c.col.answered'),
      t('c.col.duration'),
      t('c.col.codecs'),
      t('c.col.endReason'),
    ],
    rows.map((r) => [
      fmtClock(r.startedAt, now),
      r.conferenceId,
      r.endpointId,
      t(`dir.${r.direction}`),
      r.answeredAt ? fmtClock(r.answeredAt, now) : t('c.no'),
      r.durationSeconds === null ? (r.endedAt ? '—' : t('c.cdr.inCall')) : fmtDuration(r.durationSeconds, t),
      ([r.audioCodec, r.videoCodec].filter(Boolean).join('+') || '—') + (r.srtp ? ' 🔒' : ''),
      explain(r.endReason, lang),
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

/** The ● REC line of `conf show` (nothing when not recording). */
export function recordingBadge(
  rec: { startedAt: string; starting?: boolean } | null | undefined,
  lang: Lang,
  now = Date.now(),
): string | undefined {
  if (!rec) return undefined;
  const t = translator(lang);
  if (rec.starting) return t('rec.badgeStarting');
  return t('rec.badge', { elapsed: fmtDuration((now - Date.parse(rec.startedAt)) / 1000, t) });
}
