// Text for `vcbridge conf record` and `vcbridge recordings`: every string through the catalogue.
import type { RecordingView, RecordStartResult } from '../protocol/index.js';
import type { Lang } from './context.js';
import { table } from './output.js';
import { fmtClock } from './confRender.js';
import { fmtDuration, translator, type T } from './ui/i18n/translate.js';

/** "0 B", "512 kB", "12.3 MB", "4.1 GB". */
export function fmtBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const stateText = (r: RecordingView, t: T): string =>
  t(`rec.state.${r.state}`) + (r.missing ? ` (${t('rec.missing')})` : '');

export function renderRecordStart(r: RecordStartResult, lang: Lang): string {
  const t = translator(lang);
  const v = r.recording;
  return r.already
    ? t('rec.already', { conf: v.conferenceId, id: v.id, since: fmtClock(v.start) })
    : t('rec.started', { conf: v.conferenceId, id: v.id, path: v.path });
}

export function renderRecordStop(r: RecordingView | null, conferenceId: string, lang: Lang): string {
  const t = translator(lang);
  if (!r) return t('rec.notRecording', { conf: conferenceId });
  return t('rec.stopped', {
    conf: r.conferenceId,
    id: r.id,
    duration: fmtDuration(r.durationSeconds, t),
    size: fmtBytes(r.sizeBytes),
  });
}

export function renderRecordingList(rows: RecordingView[], lang: Lang): string {
  const t = translator(lang);
  if (rows.length === 0) return t('rec.none');
  const now = Date.now();
  return table(
    ['id', 'conference', 'title', 'state', 'start', 'duration', 'size', 'path'].map((k) =>
      t(`rec.col.${k}` as Parameters<T>[0]),
    ),
    rows.map((r) => [
      r.id,
      r.conferenceId,
      r.title,
      stateText(r, t),
      fmtClock(r.start, now),
      fmtDuration(r.durationSeconds, t),
      fmtBytes(r.sizeBytes),
      r.path,
    ]),
  );
}

export function renderRecording(r: RecordingView, lang: Lang): string {
  const t = translator(lang);
  const now = Date.now();
  const f = (k: string, v: string): string => `  ${t(`rec.f.${k}` as Parameters<T>[0])}: ${v}`;
  return [
    `${r.id} — ${r.title}`,
    f('conference', r.conferenceId),
    f('state', stateText(r, t)),
    f('start', fmtClock(r.start, now)),
    f('end', fmtClock(r.end, now)),
    f('duration', fmtDuration(r.durationSeconds, t)),
    f('size', fmtBytes(r.sizeBytes)),
    f('path', r.path),
    f('floor', `${r.path}/floor.json`),
    ...(r.stopReason ? [f('reason', r.stopReason)] : []),
    f('by', r.startedBy),
    '',
    table(
      ['part', 'start', 'duration', 'size', 'file'].map((k) => t(`rec.col.${k}` as Parameters<T>[0])),
      r.parts.map((p, i) => [
        String(i + 1),
        fmtClock(p.start, now),
        fmtDuration(p.durationSeconds, t),
        fmtBytes(p.sizeBytes),
        p.file + (p.missing ? ` (${t('rec.missing')})` : ''),
      ]),
    ),
  ].join('\n');
}
