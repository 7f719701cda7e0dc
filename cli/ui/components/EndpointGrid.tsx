// Every endpoint as a cell "● 小关镇   12 ms", grouped by kind (the city's rooms, upstream, towns,
// subdistricts, bureaus), as many cells per line as the terminal is wide. When the site does not fit in `maxLines`,
// reachable endpoints are only counted in their kind's heading, so the ones with a problem stay visible.
import { Box, Text } from 'ink';
import type { EndpointKind, EndpointView } from '../../../protocol/index.js';
import { fit, stringWidth } from '../format.js';
import { localName, useI18n } from '../i18n/index.js';
import { badgeStyle } from './StatusBadge.js';

// the city's own rooms first: the city chairs its meetings
export const KIND_ORDER: readonly EndpointKind[] = ['city', 'upstream', 'town', 'subdistrict', 'bureau'];
const NAME_MAX = 16;
const RTT_W = 7;
const GAP = 2;

function rttText(e: EndpointView): string {
  return e.state === 'unreachable' || e.rttMs === null ? '—' : `${Math.round(e.rttMs)} ms`;
}

export function EndpointGrid({ endpoints, width, maxLines = Infinity }: { endpoints: readonly EndpointView[]; width: number; maxLines?: number }) {
  const { t, lang } = useI18n();
  const nameW = Math.min(NAME_MAX, Math.max(4, ...endpoints.map((e) => stringWidth(localName(e.name, lang, e.id)))));
  const cellW = 2 + nameW + 1 + RTT_W;
  const perLine = Math.max(1, Math.floor((width + GAP) / (cellW + GAP)));
  const kinds = KIND_ORDER.map((kind) => endpoints.filter((e) => e.kind === kind)).filter((l) => l.length > 0);
  const needed = kinds.reduce((n, l) => n + 1 + Math.ceil(l.length / perLine), 0);
  const compact = needed > maxLines;
  return (
    <Box flexDirection="column">
      {kinds.map((all) => {
        const kind = all[0]?.kind ?? 'town';
        const list = compact ? all.filter((e) => e.state !== 'reachable') : all;
        const lines: EndpointView[][] = [];
        for (let i = 0; i < list.length; i += perLine) lines.push(list.slice(i, i + perLine));
        return (
          <Box key={kind} flexDirection="column">
            <Text bold>
              {t(`kind.${kind}`)} <Text dimColor>({all.length})</Text>
              {compact ? <Text color="green"> ● {t('ov.reachableCount', { n: all.length - list.length })}</Text> : null}
            </Text>
            {lines.map((line, li) => (
              <Text key={li} wrap="truncate-end">
                {line.map((e, ci) => {
                  const s = badgeStyle({ kind: 'endpoint', state: e.state });
                  return (
                    <Text key={e.id}>
                      {ci > 0 ? ' '.repeat(GAP) : ''}
                      <Text color={s.color}>{s.symbol}</Text> {fit(localName(e.name, lang, e.id), nameW)}{' '}
                      <Text dimColor={e.state !== 'degraded'} color={e.state === 'degraded' ? 'yellow' : undefined}>{fit(rttText(e), RTT_W, 'right')}</Text>
                    </Text>
                  );
                })}
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
