// The week's meetings, day by day, with their state and pre-flight readiness; 'a' books a new one.
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { EndpointView, OccurrenceView } from '../../../protocol/index.js';
import { KeyHelp } from '../components/KeyHelp.js';
import { Table, type Cell } from '../components/Table.js';
import type { ScheduleAddParams } from '../data/calls.js';
import { dayKey, fmtClock, fmtDay } from '../format.js';
import { fmtDuration, useI18n } from '../i18n/index.js';
import { explain } from '../i18n/explain.js';
import { readinessCell } from './Overview.js';
import { ScheduleForm } from './ScheduleForm.js';
import { useSyncState } from '../hooks/useSyncState.js';

export interface ScheduleScreenProps {
  occurrences: readonly OccurrenceView[];
  endpoints: readonly EndpointView[];
  now: number;
  timezone: string;
  height: number;
  addSchedule: ((p: ScheduleAddParams) => Promise<unknown>) | null;
  onBooked: () => void;
  onBack: () => void;
}

const WEEK_MS = 7 * 86_400_000;

export function ScheduleScreen({ occurrences, endpoints, now, timezone, height, addSchedule, onBooked, onBack }: ScheduleScreenProps) {
  const { t, lang } = useI18n();
  const [adding, setAdding, getAdding] = useSyncState(false);
  const [notice, setNotice] = useSyncState<string | null>(null);

  useKeys((input, key) => {
    if (getAdding()) return; // the form owns the keyboard
    if (input === 'a' && addSchedule) {
      setNotice(null);
      setAdding(true);
    } else if (input === 'q' || key.escape) onBack();
  });

  const today = dayKey(now, timezone);
  const week = occurrences.filter((o) => dayKey(o.start, timezone) >= today && Date.parse(o.start) < now + WEEK_MS);
  let lastDay = '';
  const rows = week.map((o): Cell[] => {
    const day = dayKey(o.start, timezone);
    const dayCell = day === lastDay ? '' : fmtDay(o.start, timezone, lang);
    lastDay = day;
    return [
      { text: dayCell, bold: day === today },
      `${fmtClock(o.start, timezone)}–${fmtClock(o.end, timezone)}`,
      o.title,
      fmtDuration((Date.parse(o.end) - Date.parse(o.start)) / 1000, t),
      { text: t(`occ.${o.state}`), color: o.state === 'missed' ? 'red' : o.state === 'started' ? 'green' : o.state === 'cancelled' || o.state === 'skipped' ? 'gray' : undefined },
      // why the working-day calendar moved it in or out, else how ready the sites are
      o.state === 'skipped' ? { text: explain(o.reason, lang), color: 'gray' } : o.note ? { text: explain(o.note, lang), color: 'cyan' } : readinessCell(o, endpoints, t, lang),
    ];
  });
  const maxRows = Math.max(3, height - (adding ? 22 : 8));
  return (
    <Box flexDirection="column">
      <Text bold underline>{t('sch.title')}</Text>
      <Table
        columns={[
          { header: t('sch.col.day') }, { header: t('sch.col.time') }, { header: t('sch.col.title'), maxWidth: 28 },
          { header: t('sch.col.duration') }, { header: t('sch.col.state') }, { header: t('sch.col.ready') },
        ]}
        rows={rows.slice(0, maxRows)}
        emptyText={t('sch.none')}
      />
      {notice ? <Text color="green">{notice}</Text> : null}
      {adding && addSchedule ? (
        <ScheduleForm
          endpoints={endpoints}
          timezone={timezone}
          now={now}
          onSubmit={addSchedule}
          onCancel={() => setAdding(false)}
          onDone={(title) => {
            setAdding(false);
            setNotice(t('form.booked', { title }));
            onBooked();
          }}
        />
      ) : (
        <KeyHelp keys={[...(addSchedule ? [['a', t('key.add')] as const] : []), ['q', t('key.back')]]} />
      )}
    </Box>
  );
}
