// Top line: site name, the screens (the current one highlighted), and the link to the daemon.
import { Box, Text } from 'ink';
import type { ConnState } from '../data/types.js';
import { useI18n, type MessageKey } from '../i18n/index.js';

export const SCREENS = ['overview', 'conference', 'technician', 'schedule'] as const;
export type ScreenName = (typeof SCREENS)[number];

export function ConnectionLine({ conn, url, now }: { conn: ConnState; url: string; now: number }) {
  const { t } = useI18n();
  if (conn.phase === 'connected') return <Text color="green">● {t('conn.connected')}</Text>;
  if (conn.phase === 'connecting') return <Text color="cyan">◐ {t('conn.connecting', { url })}</Text>;
  const seconds = Math.max(0, Math.ceil((conn.retryAt - now) / 1000));
  return (
    <Box flexDirection="column">
      <Text color="red" bold>✕ {t('conn.disconnected', { seconds, attempt: conn.attempt })}</Text>
      <Text color="red">  {t('conn.stale')} · {conn.error ?? t('conn.closed')}</Text>
    </Box>
  );
}

export function Header({ site, screen, conn, url, now }: { site: string; screen: ScreenName; conn: ConnState; url: string; now: number }) {
  const { t } = useI18n();
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{site || 'vcbridge'}</Text>
        {'  '}
        {SCREENS.map((s, i) => (
          <Text key={s}>
            {' '}
            <Text inverse={s === screen} bold={s === screen}>{` ${i + 1} ${t(`tab.${s}` as MessageKey)} `}</Text>
          </Text>
        ))}
      </Text>
      <ConnectionLine conn={conn} url={url} now={now} />
    </Box>
  );
}
