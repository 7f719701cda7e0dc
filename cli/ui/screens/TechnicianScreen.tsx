// Technician view: choose an endpoint, watch its diagnosis run step by step, read the verdict.
import { useEffect, useRef } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { EndpointView } from '../../../protocol/index.js';
import { DiagnosisView } from '../components/DiagnosisView.js';
import { KeyHelp } from '../components/KeyHelp.js';
import { badgeStyle } from '../components/StatusBadge.js';
import { Table } from '../components/Table.js';
import { KIND_ORDER } from '../components/EndpointGrid.js';
import type { Diagnosis } from '../data/diagnose.js';
import { fmtMs } from '../format.js';
import { useSyncState } from '../hooks/useSyncState.js';
import { localName, useI18n } from '../i18n/index.js';
import { explain } from '../i18n/explain.js';

export type Diagnose = (endpointId: string, onUpdate: (d: Diagnosis) => void) => Promise<unknown>;

export interface TechnicianScreenProps {
  endpoints: readonly EndpointView[];
  diagnose: Diagnose | null;
  height: number;
  onBack: () => void;
}

export function TechnicianScreen({ endpoints, diagnose, height, onBack }: TechnicianScreenProps) {
  const { t, lang } = useI18n();
  const [cursor, setCursor, getCursor] = useSyncState(0);
  const [running, setRunning, getRunning] = useSyncState<{ id: string; d: Diagnosis | null; run: number } | null>(null);
  const alive = useRef(true);
  useEffect(() => () => {
    alive.current = false;
  }, []);
  const sorted = [...endpoints].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));

  const start = (id: string) => {
    if (!diagnose) return;
    const run = (getRunning()?.run ?? 0) + 1;
    setRunning({ id, d: null, run });
    // Updates from a diagnosis the technician has left behind are dropped.
    const update = (d: Diagnosis) => {
      if (alive.current) setRunning((r) => (r && r.run === run ? { ...r, d } : r));
    };
    diagnose(id, update).catch((err: unknown) => update({ endpointId: id, steps: [], done: true, verdict: 'failed', likelyCause: String(err) }));
  };

  useKeys((input, key) => {
    const running = getRunning();
    if (running) {
      if (input === 'q' || key.escape) setRunning(null);
      else if (input === 'r' && running.d?.done) start(running.id);
      return;
    }
    if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
    else if (key.downArrow || input === 'j') setCursor((c) => Math.min(sorted.length - 1, c + 1));
    else if (key.return) {
      const e = sorted[getCursor()];
      if (e) start(e.id);
    } else if (input === 'q' || key.escape) onBack();
  });

  if (running) {
    const e = endpoints.find((x) => x.id === running.id);
    return (
      <Box flexDirection="column">
        <Text bold>{t('tech.title', { name: e ? `${localName(e.name, lang, e.id)} (${e.id})` : running.id })}</Text>
        {running.d ? <DiagnosisView diagnosis={running.d} /> : null}
        <Box marginTop={1}>
          <KeyHelp keys={running.d?.done ? [['r', t('key.run')], ['q', t('key.back')]] : [['q', t('key.back')]]} />
        </Box>
      </Box>
    );
  }

  // Keep the cursor's row on screen in a long list.
  const visible = Math.max(5, height - 8);
  const first = Math.max(0, Math.min(cursor - Math.floor(visible / 2), sorted.length - visible));
  const shown = sorted.slice(first, first + visible);
  return (
    <Box flexDirection="column">
      <Text bold>{t('tech.choose')}</Text>
      <Table
        selected={cursor - first}
        columns={[{ header: t('conf.col.state') }, { header: t('conf.col.site'), maxWidth: 20 }, { header: t('tech.col.id') }, { header: t('conf.col.rtt'), align: 'right' }, { header: '' }]}
        rows={shown.map((e) => {
          const b = badgeStyle({ kind: 'endpoint', state: e.state });
          return [{ text: `${b.symbol} ${t(b.label)}`, color: b.color }, localName(e.name, lang, e.id), e.id, fmtMs(e.rttMs), { text: explain(e.reason, lang), dim: true }];
        })}
        emptyText={t('ov.noEndpoints')}
      />
      <KeyHelp keys={[['↑↓', t('key.select')], ['⏎', t('key.run')], ['q', t('key.back')]]} />
    </Box>
  );
}
