// A diagnosis as it runs: one line per step (spinner while running, then ✓ ! ✕ –), then the verdict
// and the likely cause.
import { Box, Text } from 'ink';
import type { Diagnosis } from '../data/diagnose.js';
import { useI18n } from '../i18n/index.js';
import { Spinner } from './Spinner.js';
import { badgeStyle } from './StatusBadge.js';
import { fit, stringWidth } from '../format.js';

const VERDICT_COLOR = { ok: 'green', degraded: 'yellow', failed: 'red' } as const;

export function DiagnosisView({ diagnosis }: { diagnosis: Diagnosis }) {
  const { t } = useI18n();
  const titles = diagnosis.steps.map((s) => t(s.title, s.titleVars));
  const titleW = Math.max(...titles.map((x) => stringWidth(x)), 8) + 2;
  return (
    <Box flexDirection="column">
      {diagnosis.steps.map((s, i) => {
        const b = badgeStyle({ kind: 'step', state: s.state });
        return (
          <Text key={s.id} wrap="truncate-end">
            {s.state === 'running' ? <Spinner /> : <Text color={b.color}>{b.symbol}</Text>}{' '}
            <Text bold={s.state === 'running'} dimColor={s.state === 'pending' || s.state === 'skipped'}>{fit(titles[i] ?? '', titleW)}</Text>
            <Text color={s.state === 'fail' ? 'red' : s.state === 'warn' ? 'yellow' : undefined}>{s.detail ?? (s.state === 'pending' ? '' : t(b.label))}</Text>
          </Text>
        );
      })}
      {diagnosis.done && diagnosis.verdict ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold color={VERDICT_COLOR[diagnosis.verdict]}>{t(`verdict.${diagnosis.verdict}`)}</Text>
          {diagnosis.likelyCause ? <Text>{t('verdict.cause', { cause: diagnosis.likelyCause })}</Text> : null}
        </Box>
      ) : null}
    </Box>
  );
}
