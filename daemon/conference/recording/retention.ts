// Which finished recordings retention deletes (recording.maxDays, recording.maxGb): pure, so the
// rule is tested without a disk. Recordings still running are never chosen.

export interface RetentionItem {
  id: string;
  startedAt: number;
  sizeBytes: number;
  running: boolean;
}

export interface RetentionLimits {
  /** 0: no age limit. */
  maxDays: number;
  /** 0: no size limit. */
  maxGb: number;
}

const DAY_MS = 86_400_000;
const GB = 1024 ** 3;

/** Ids to delete, oldest first: everything older than maxDays, then the oldest until the rest fit maxGb. */
export function retentionVictims(items: readonly RetentionItem[], limits: RetentionLimits, now: number): string[] {
  const done = items.filter((i) => !i.running).sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  const out: string[] = [];
  const keep: RetentionItem[] = [];
  for (const i of done) {
    if (limits.maxDays > 0 && now - i.startedAt > limits.maxDays * DAY_MS) out.push(i.id);
    else keep.push(i);
  }
  if (limits.maxGb > 0) {
    let total = items.reduce((n, i) => n + (out.includes(i.id) ? 0 : i.sizeBytes), 0);
    for (const i of keep) {
      if (total <= limits.maxGb * GB) break;
      out.push(i.id);
      total -= i.sizeBytes;
    }
  }
  return out;
}
