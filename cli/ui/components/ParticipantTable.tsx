// The sites of one conference: state, mic, floor, what they see, link quality now and its trend,
// plus a detail line with loss/jitter/RTT sparklines for the selected site.
import { Box, Text } from 'ink';
import type { ConferenceView, LegStats, ParticipantView } from '../../../protocol/index.js';
import { statsKey } from '../data/state.js';
import { fmtKbps, fmtMs, fmtPct } from '../format.js';
import { localName, useI18n } from '../i18n/index.js';
import { explain } from '../i18n/explain.js';
import { sparkline } from './Sparkline.js';
import { badgeStyle } from './StatusBadge.js';
import { Table, type Cell } from './Table.js';

const TREND_W = 8;

function lossColor(p: number | null | undefined): string | undefined {
  if (p === null || p === undefined) return undefined;
  return p >= 5 ? 'red' : p >= 1 ? 'yellow' : undefined;
}

export function ParticipantTable({ conference, stats, selected, width }: { conference: ConferenceView; stats: Record<string, LegStats[]>; selected: number; width: number }) {
  const { t, lang } = useI18n();
  const name = (id: string | null) => {
    if (!id) return '—';
    const p = conference.participants.find((x) => x.endpointId === id);
    return p ? localName(p.name, lang, id) : id;
  };
  const handOrder = new Map((conference.hands ?? []).map((h, i) => [h.endpointId, i + 1]));
  const rows = conference.participants.map((p): Cell[] => {
    const hand = handOrder.get(p.endpointId);
    const b = badgeStyle({ kind: 'leg', state: p.state });
    const s = p.stats;
    const history = stats[statsKey(conference.id, p.endpointId)] ?? [];
    return [
      { text: `${b.symbol} ${t(b.label)}`, color: b.color },
      // 🔒: the leg's media is SRTP-encrypted
      { text: (p.srtp ? '🔒 ' : '') + localName(p.name, lang, p.endpointId) + (conference.chair === p.endpointId ? ` (${t('conf.chair')})` : ''), bold: p.hasFloor },
      p.muted ? { text: t('conf.muted'), color: 'yellow' } : t('conf.live'),
      // the floor star, and a raised hand with its place in the queue
      p.hasFloor || conference.floor === p.endpointId ? { text: `★${hand !== undefined ? ` ✋${hand}` : ''}`, color: 'magenta' }
        : hand !== undefined ? { text: `✋${hand}`, color: 'yellow', bold: true } : '',
      name(p.viewing) + (conference.polling?.current === p.viewing && p.viewing !== null ? ' ⟳' : ''),
      { text: fmtPct(s?.lossPct), color: lossColor(s?.lossPct) },
      fmtMs(s?.jitterMs),
      fmtMs(s?.rttMs),
      `${fmtKbps(s?.bitrateInKbps)}/${fmtKbps(s?.bitrateOutKbps)}`,
      { text: sparkline(history.map((h) => h.bitrateInKbps), TREND_W), color: 'cyan' },
    ];
  });
  return (
    <Table
      selected={selected}
      width={width}
      columns={[
        { header: t('conf.col.state') }, { header: t('conf.col.site'), maxWidth: 20 }, { header: t('conf.col.mic') },
        { header: t('conf.col.floor') }, { header: t('conf.col.sees'), maxWidth: 10 }, { header: t('conf.col.loss'), align: 'right' },
        // on a narrow terminal the trend goes first, then bitrate, then jitter (the detail line keeps their sparklines)
        { header: t('conf.col.jitter'), align: 'right', optional: 1 }, { header: t('conf.col.rtt'), align: 'right' },
        { header: t('conf.col.kbps'), align: 'right', optional: 2 }, { header: t('conf.col.trend'), optional: 3 },
      ]}
      rows={rows}
    />
  );
}

/** "小关镇  Loss ▁▂▃  Jitter ▁▁▂  RTT ▂▂▃  kbps in ▅▆▇ · why it failed": the selected site's trends. */
export function ParticipantDetail({ conferenceId, participant, stats }: { conferenceId: string; participant: ParticipantView; stats: Record<string, LegStats[]> }) {
  const { t, lang } = useI18n();
  const h = stats[statsKey(conferenceId, participant.endpointId)] ?? [];
  const line = (label: string, values: (number | null)[]) => (
    <Text>
      {'  '}<Text dimColor>{label}</Text> <Text color="cyan">{sparkline(values, 10)}</Text>
    </Text>
  );
  return (
    <Box>
      <Text wrap="truncate-end">
        <Text bold>{localName(participant.name, lang, participant.endpointId)}</Text>
        {line(t('conf.col.loss'), h.map((x) => x.lossPct))}
        {line(t('conf.col.jitter'), h.map((x) => x.jitterMs))}
        {line(t('conf.col.rtt'), h.map((x) => x.rttMs))}
        {line(t('conf.col.kbpsIn'), h.map((x) => x.bitrateInKbps))}
        {participant.reason ? <Text color="red"> · {explain(participant.reason, lang)}</Text> : null}
      </Text>
    </Box>
  );
}
