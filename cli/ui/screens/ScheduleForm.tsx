// Booking a meeting: one field per line, each checked as it is typed (after it was first visited),
// the daemon's own refusal (a conflict, say) shown under the form. Enter/Tab/↓ next, ↑ back,
// Enter on the last field books, Esc cancels.
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { EndpointView } from '../../../protocol/index.js';
import { KeyHelp } from '../components/KeyHelp.js';
import { Spinner } from '../components/Spinner.js';
import { TextField, editText } from '../components/TextField.js';
import type { ScheduleAddParams } from '../data/calls.js';
import { emptyForm, FIELDS, validateField, validateForm, type FieldName, type FormValues } from '../data/scheduleForm.js';
import { errorMessage } from '../data/types.js';
import { stringWidth } from '../format.js';
import { useCaptureKeys } from '../hooks/useCaptureKeys.js';
import { useSyncState } from '../hooks/useSyncState.js';
import { useI18n, type MessageKey } from '../i18n/index.js';

export interface ScheduleFormProps {
  endpoints: readonly EndpointView[];
  timezone: string;
  now: number;
  onSubmit: (p: ScheduleAddParams) => Promise<unknown>;
  onDone: (title: string) => void;
  onCancel: () => void;
  initial?: Partial<FormValues>;
}

export function ScheduleForm({ endpoints, timezone, now, onSubmit, onDone, onCancel, initial }: ScheduleFormProps) {
  const { t } = useI18n();
  // One handler sees every key in order (several can come in one read): field values, focus and
  // the in-flight flag are read from their latest value, not from the last render.
  const [values, setValues, getValues] = useSyncState<FormValues>({ ...emptyForm, ...initial });
  const [focus, setFocus, getFocus] = useSyncState(0);
  const [touched, setTouched] = useSyncState<ReadonlySet<FieldName>>(new Set());
  const [submitting, setSubmitting, getSubmitting] = useSyncState(false);
  const [problem, setProblem] = useSyncState<string | null>(null);
  useCaptureKeys(true);
  const ctx = { endpoints, timezone, now };

  const touch = (f: FieldName | undefined) => f && setTouched((s) => new Set(s).add(f));
  const move = (delta: number) => {
    touch(FIELDS[getFocus()]);
    setFocus((i) => Math.min(FIELDS.length - 1, Math.max(0, i + delta)));
  };
  const submit = () => {
    const r = validateForm(getValues(), ctx, t);
    setTouched(new Set(FIELDS));
    if (!r.params) {
      setProblem(t('form.e.fix'));
      return;
    }
    setSubmitting(true);
    setProblem(null);
    onSubmit(r.params).then(
      () => onDone(r.params?.title ?? ''),
      (err: unknown) => {
        setSubmitting(false);
        setProblem(t('form.failed', { message: errorMessage(err) }));
      },
    );
  };

  useKeys((input, key) => {
    if (getSubmitting()) return;
    const field = FIELDS[getFocus()];
    if (key.escape) onCancel();
    else if (key.upArrow || (key.tab && key.shift)) move(-1);
    else if (key.downArrow || key.tab) move(1);
    else if (key.return) {
      if (getFocus() === FIELDS.length - 1) submit();
      else move(1);
    } else if (field) {
      const next = editText(getValues()[field], input, key);
      if (next !== null) {
        setValues((old) => ({ ...old, [field]: next }));
        setProblem(null);
      }
    }
  });

  const labels = FIELDS.map((f) => t(`form.f.${f}` as MessageKey));
  const labelWidth = Math.max(...labels.map((l) => stringWidth(l)));
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>{t('form.title')}</Text>
      {FIELDS.map((f, i) => (
        <TextField
          key={f}
          label={labels[i] ?? f}
          labelWidth={labelWidth}
          value={values[f]}
          focused={!submitting && focus === i}
          hint={f === 'title' ? undefined : t(`form.h.${f}` as MessageKey, { tz: timezone })}
          error={touched.has(f) || values[f] !== '' ? validateField(f, values, ctx, t) : undefined}
        />
      ))}
      {submitting ? <Text><Spinner /> {t('form.booking')}</Text> : null}
      {problem ? <Text color="red">{problem}</Text> : null}
      <KeyHelp keys={[['Tab/↓/⏎', t('key.next')], ['↑', t('key.prev')], [t('form.lastEnter'), t('key.submit')], ['Esc', t('key.cancel')]]} />
    </Box>
  );
}
