// The console's home: every endpoint by kind with state and RTT, today's meetings with a countdown and
// their pre-flight readiness, and the conferences in progress with their site counts.
import { Box, Text } from 'ink';
import type { ConferenceView, EndpointState, EndpointView, OccurrenceView } from '../../../protocol/index.js';
import { EndpointGrid } from '../components/EndpointGrid.js';
import { badgeStyle } from '../components/StatusBadge.js';
import { Table, type Cell } from '../components/Table.js';
import type { ConsoleState } from '../data/state.js';
import { dayKey, fmtClock } from '../format.js';
import { fmtDuration, fmtRelative, localName, useI18n, type T, type UiLang } from '../i18n/index.js';
import { explain } from '../i18n/explain.js';

export interface OverviewProps {
  state: ConsoleState;
  now: number;
  width: number;
  /** Rows available to the overview; the endpoint grid gets what the other sections leave. */
  height?: number;
  timezone: string;
}

function nameOf(id: string, endpoints: readonly EndpointView[], lang: UiLang): string {
  const e = endpoints.find((x) => x.id === id);
  return e ? localName(e.name, lang, id) : id;
}

export function readinessCell(o: OccurrenceView, endpoints: readonly EndpointView[], t: T, lang: UiLang): Cell {
  const sites = o.preflight?.sites;
  if (!sites) return { text: t('ov.readinessNone'), dim: true };
  const count = (s: string) => sites.filter((x) => x.status === s).length;
  const missing = sites.filter((x) => x.status === 'unreachable').map((x) => nameOf(x.endpointId, endpoints, lang));
  const worst = missing.length ? 'unreachable' : count('degraded') ? 'degraded' : 'ready';
  const s = badgeStyle({ kind: 'preflight', state: worst });
  // Who is missing matters most to the operator at 08:45: it comes before the counts are cut off.
  const parts = [t('ov.readiness', { ready: count('ready'), total: sites.length })];
  if (missing.length) parts.push(t('ov.missing', { names: missing.join(', ') }));
  if (count('degraded')) parts.push(t('ov.degradedCount', { n: count('degraded') }));
  return { text: `${s.symbol} ${parts.join(' · ')}`, color: s.color };
}

function Summary({ endpoints }: { endpoints: readonly EndpointView[] }) {
  const { t } = useI18n();
  const by = (s: EndpointState) => endpoints.filter((e) => e.state === s).length;
  return (
    <Text wrap="truncate-end">
      {t('ov.summary', { total: endpoints.length, reachable: by('reachable'), degraded: by('degraded'), unreachable: by('unreachable'), unknown: by('unknown') })}
    </Text>
  );
}

function TodaysMeetings({ occurrences, endpoints, now, timezone }: { occurrences: readonly OccurrenceView[]; endpoints: readonly EndpointView[]; now: number; timezone: string }) {
  const { t, lang } = useI18n();
  const today = dayKey(now, timezone);
  const rows = occurrences
    .filter((o) => dayKey(o.start, timezone) === today)
    .map((o): Cell[] => [
      `${fmtClock(o.start, timezone)}–${fmtClock(o.end, timezone)}`,
      o.title,
      o.state === 'pending' || o.state === 'preflight' ? { text: fmtRelative(Date.parse(o.start), now, t), bold: Date.parse(o.start) - now < 15 * 60_000 } : '',
      { text: t(`occ.${o.state}`), color: o.state === 'missed' ? 'red' : o.state === 'started' ? 'green' : undefined },
      readinessCell(o, endpoints, t, lang),
    ]);
  return (
    <Table
      columns={[{ header: t('ov.col.time') }, { header: t('ov.col.title'), maxWidth: 24 }, { header: t('ov.col.starts') }, { header: t('ov.col.state') }, { header: t('ov.col.ready') }]}
      rows={rows}
      emptyText={t('ov.noMeetings')}
    />
  );
}

function ActiveConferences({ conferences, now }: { conferences: readonly ConferenceView[]; now: number }) {
  const { t } = useI18n();
  const rows = conferences.map((c): Cell[] => {
    const connected = c.participants.filter((p) => p.state === 'connected').length;
    return [
      c.title,
      t(`mode.${c.mode}`),
      { text: t('ov.sites', { connected, total: c.participants.length }), color: connected < c.participants.length ? 'yellow' : 'green' },
      fmtDuration((now - Date.parse(c.startedAt)) / 1000, t),
    ];
  });
  return (
    <Table
      columns={[{ header: t('ov.col.title'), maxWidth: 28 }, { header: t('ov.col.mode') }, { header: t('ov.col.sites') }, { header: t('ov.col.running') }]}
      rows={rows}
      emptyText={t('ov.noConferences')}
    />
  );
}

export function Overview({ state, now, width, height = Infinity, timezone }: OverviewProps) {
  const { t, lang } = useI18n();
  const notice = state.notices[state.notices.length - 1];
  const today = dayKey(now, timezone);
  const meetingRows = Math.max(1, state.occurrences.filter((o) => dayKey(o.start, timezone) === today).length);
  // titles, summary, table headers, blank lines, notices
  const gridLines = height - 12 - meetingRows - Math.max(1, state.conferences.length);
  return (
    <Box flexDirection="column">
      <Text bold underline>{t('ov.endpoints')}</Text>
      <Summary endpoints={state.endpoints} />
      {state.endpoints.length === 0 ? <Text dimColor>{t('ov.noEndpoints')}</Text> : <EndpointGrid endpoints={state.endpoints} width={width} maxLines={gridLines} />}
      <Box marginTop={1} flexDirection="column">
        <Text bold underline>{t('ov.today')}</Text>
        <TodaysMeetings occurrences={state.occurrences} endpoints={state.endpoints} now={now} timezone={timezone} />
      </Box>
      <Box marginTop={1} flexDirection="column">
        <Text bold underline>{t('ov.active')}</Text>
        <ActiveConferences conferences={state.conferences} now={now} />
      </Box>
      {notice ? <Box marginTop={1}><Text color="yellow" wrap="truncate-end">! {fmtClock(notice.at, timezone)} {explain(notice.why ?? notice.message, lang)}</Text></Box> : null}
      {state.unavailable.length > 0 ? <Text dimColor wrap="truncate-end">{t('ov.unavailable', { methods: state.unavailable.join(', ') })}</Text> : null}
    </Box>
  );
}
