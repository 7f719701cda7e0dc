// A yes/no question for destructive actions. Only 'y' confirms; 'n', Esc or 'q' cancel; other keys
// are ignored so a stray key never hangs up a town.
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import { useI18n } from '../i18n/index.js';

export function Confirm({ message, onConfirm, onCancel }: { message: string; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  useKeys((input, key) => {
    if (input === 'y' || input === 'Y') onConfirm();
    else if (input === 'n' || input === 'N' || input === 'q' || key.escape) onCancel();
  });
  return (
    <Box borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text>
        <Text color="yellow" bold>? </Text>
        {message}
        <Text dimColor>  [</Text><Text bold>y</Text><Text dimColor>] {t('key.yes')}  [</Text><Text bold>n</Text><Text dimColor>] {t('key.no')}</Text>
      </Text>
    </Box>
  );
}
