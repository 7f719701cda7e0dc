// Who held the floor when, next to a recording's files: floor.json for the whole recording (absolute
// times) and one WebVTT per part (part-N.vtt beside part-N.mp4, so players show it as subtitles).
// Each change rewrites the small files through a temporary file and a rename: a crash leaves the
// previous complete version, never half a file.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FloorChange } from '../../media/program/ProgramFeed.js';

/** Changes kept per recording (a day of roll calls is a few hundred). */
const MAX_CHANGES = 5000;

export interface FloorEntry {
  at: string;
  id: string | null;
  label: string | null;
  part: number;
  /** Seconds from the start of that part's file (approximate: the file starts at its first keyframe). */
  offsetSeconds: number;
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function vttTime(s: number): string {
  const ms = Math.max(0, Math.round(s * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sec = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(sec)}.${pad(ms % 1000, 3)}`;
}

/** WebVTT of one part's floor changes; the last cue runs to `endSeconds`. */
export function floorVtt(entries: readonly FloorEntry[], endSeconds: number, nobody: string): string {
  const lines = ['WEBVTT', ''];
  entries.forEach((e, i) => {
    const next = entries[i + 1]?.offsetSeconds ?? endSeconds;
    if (next <= e.offsetSeconds) return;
    lines.push(`${vttTime(e.offsetSeconds)} --> ${vttTime(next)}`, e.label ?? e.id ?? nobody, '');
  });
  return lines.join('\n');
}

export class FloorLog {
  readonly #dir: string;
  readonly #entries: FloorEntry[] = [];
  #part = 0;
  #partStart = 0;
  #current: FloorChange | null = null;

  constructor(dir: string) {
    this.#dir = dir;
  }

  vttOf(part: number): string {
    return join(this.#dir, `part-${part}.vtt`);
  }

  /** A new part starts at `at`: its file opens with whoever holds the floor now. */
  startPart(part: number, at: number): void {
    this.#part = part;
    this.#partStart = at;
    if (this.#current) this.#add({ ...this.#current, at }, at);
    else this.#write(at);
  }

  note(c: FloorChange): void {
    this.#current = c;
    if (this.#part > 0) this.#add(c, c.at);
  }

  /** Close the part's WebVTT at `at` (its last cue ends there). */
  endPart(at: number): void {
    this.#write(at);
  }

  #add(c: FloorChange, at: number): void {
    this.#entries.push({
      at: new Date(at).toISOString(),
      id: c.id,
      label: c.label,
      part: this.#part,
      offsetSeconds: Math.max(0, (at - this.#partStart) / 1000),
    });
    if (this.#entries.length > MAX_CHANGES) this.#entries.splice(0, this.#entries.length - MAX_CHANGES);
    this.#write(at);
  }

  #write(now: number): void {
    atomicWrite(join(this.#dir, 'floor.json'), `${JSON.stringify(this.#entries, null, 1)}\n`);
    const mine = this.#entries.filter((e) => e.part === this.#part);
    // an open part: its last cue runs a day past now until endPart() closes it
    const end = (now - this.#partStart) / 1000;
    atomicWrite(this.vttOf(this.#part), floorVtt(mine, end > 0 ? end : 86_400, '—'));
  }
}
