// A stored recording as the API shows it; files deleted by hand are reported as missing, not errors.
import { existsSync } from 'node:fs';
import type { RecordingView } from '../../../protocol/index.js';
import type { RecordingRow } from '../../store/RecordingRepo.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export function recordingView(r: RecordingRow, now: number): RecordingView {
  const parts = r.parts.map((p) => ({
    file: p.file,
    chapters: p.file.replace(/\.mp4$/, '.vtt'),
    start: iso(p.startedAt)!,
    end: iso(p.endedAt),
    durationSeconds: seconds((p.endedAt ?? now) - p.startedAt),
    sizeBytes: p.bytes,
    missing: !existsSync(p.file),
  }));
  return {
    id: r.id,
    conferenceId: r.conferenceId,
    title: r.title,
    state: r.state,
    start: iso(r.startedAt)!,
    end: iso(r.endedAt),
    durationSeconds: seconds(r.durationMs),
    sizeBytes: r.sizeBytes,
    path: r.path,
    missing: parts.length > 0 ? parts.every((p) => p.missing) : !existsSync(r.path),
    parts,
    stopReason: r.stopReason,
    startedBy: r.startedBy,
  };
}
