import { Box, Text } from 'ink';
import type { ConfEvent } from '../data/state.js';
import { fmtTime } from '../format.js';
import { explain } from '../i18n/explain.js';
import { useI18n } from '../i18n/index.js';

/** The newest `lines` events, oldest at the top, each with its site-local time. */
export function EventLog({ events, lines, timezone, title, emptyText }: { events: readonly ConfEvent[]; lines: number; timezone: string; title: string; emptyText: string }) {
  const { lang } = useI18n();
  const shown = events.slice(-Math.max(1, lines));
  return (
    <Box flexDirection="column">
      <Text bold underline>{title}</Text>
      {shown.length === 0 ? <Text dimColor>{emptyText}</Text> : null}
      {shown.map((e, i) => (
        <Text key={`${e.at}-${i}`} wrap="truncate-end">
          <Text dimColor>{fmtTime(e.at, timezone)}</Text> {explain(e.why ?? e.message, lang)}
        </Text>
      ))}
    </Box>
  );
}
