// A state shown by colour AND symbol, so it still reads on a monochrome terminal or a printout.
import { Text } from 'ink';
import type { EndpointState, LegState, PreflightSiteStatus } from '../../../protocol/index.js';
import { useI18n, type MessageKey } from '../i18n/index.js';

export type StepState = 'pending' | 'running' | 'ok' | 'warn' | 'fail' | 'skipped';
export type BadgeState =
  | { kind: 'endpoint'; state: EndpointState }
  | { kind: 'leg'; state: LegState }
  | { kind: 'preflight'; state: PreflightSiteStatus }
  | { kind: 'step'; state: StepState };

export interface BadgeStyle {
  symbol: string;
  color: string;
  label: MessageKey;
}

const ENDPOINT: Record<EndpointState, Omit<BadgeStyle, 'label'>> = {
  reachable: { symbol: '●', color: 'green' },
  degraded: { symbol: '◐', color: 'yellow' },
  unreachable: { symbol: '✕', color: 'red' },
  unknown: { symbol: '○', color: 'gray' },
};

const LEG: Record<LegState, Omit<BadgeStyle, 'label'>> = {
  connected: { symbol: '●', color: 'green' },
  calling: { symbol: '◐', color: 'cyan' },
  ringing: { symbol: '◐', color: 'cyan' },
  redialing: { symbol: '◐', color: 'yellow' },
  failed: { symbol: '✕', color: 'red' },
  idle: { symbol: '○', color: 'gray' },
  hungup: { symbol: '○', color: 'gray' },
  ended: { symbol: '○', color: 'gray' },
};

const PREFLIGHT: Record<PreflightSiteStatus, Omit<BadgeStyle, 'label'>> = {
  ready: { symbol: '●', color: 'green' },
  degraded: { symbol: '◐', color: 'yellow' },
  unreachable: { symbol: '✕', color: 'red' },
};

const STEP: Record<StepState, Omit<BadgeStyle, 'label'>> = {
  pending: { symbol: '·', color: 'gray' },
  running: { symbol: '…', color: 'cyan' },
  ok: { symbol: '✓', color: 'green' },
  warn: { symbol: '!', color: 'yellow' },
  fail: { symbol: '✕', color: 'red' },
  skipped: { symbol: '–', color: 'gray' },
};

export function badgeStyle(b: BadgeState): BadgeStyle {
  switch (b.kind) {
    case 'endpoint':
      return { ...ENDPOINT[b.state], label: `state.${b.state}` };
    case 'leg':
      return { ...LEG[b.state], label: `leg.${b.state}` };
    case 'preflight':
      return { ...PREFLIGHT[b.state], label: `pf.${b.state}` };
    case 'step':
      return { ...STEP[b.state], label: `step.${b.state}` };
  }
}

/** Symbol, and the state's name unless `compact`. */
export function StatusBadge({ state, compact = false }: { state: BadgeState; compact?: boolean }) {
  const { t } = useI18n();
  const s = badgeStyle(state);
  return <Text color={s.color}>{compact ? s.symbol : `${s.symbol} ${t(s.label)}`}</Text>;
}
