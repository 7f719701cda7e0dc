// Every endpoint as a cell "● 小关镇   12 ms", grouped by kind (upstream, towns, subdistricts,
// bureaus), as many cells per line as the terminal is wide.
import { Box, Text } from 'ink';
import type { EndpointKind, EndpointView } from '../../../daemon/api/protocol.js';
import { fit, stringWidth } from '../format.js';
import { localName, useI18n } from '../i18n/index.js';
import { badgeStyle } from './StatusBadge.js';

export const KIND_ORDER: readonly EndpointKind[] = ['upstream', 'town', 'subdistrict', 'bureau'];
const NAME_MAX = 16;
const RTT_W = 7;
const GAP = 2;

function rttText(e: EndpointView): string {
  return e.state === 'unreachable' || e.rttMs === null ? '—' : `${Math.round(e.rttMs)} ms`;
}

export function EndpointGrid({ endpoints, width }: { endpoints: readonly EndpointView[]; width: number }) {
  const { t, lang } = useI18n();
  const nameW = Math.min(NAME_MAX, Math.max(4, ...endpoints.map((e) => stringWidth(localName(e.name, lang, e.id)))));
  const cellW = 2 + nameW + 1 + RTT_W;
  const perLine = Math.max(1, Math.floor((width + GAP) / (cellW + GAP)));
  return (
    <Box flexDirection="column">
      {KIND_ORDER.map((kind) => {
        const list = endpoints.filter((e) => e.kind === kind);
        if (list.length === 0) return null;
        const lines: EndpointView[][] = [];
        for (let i = 0; i < list.length; i += perLine) lines.push(list.slice(i, i + perLine));
        return (
          <Box key={kind} flexDirection="column">
            <Text bold>{t(`kind.${kind}`)} <Text dimColor>({list.length})</Text></Text>
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
