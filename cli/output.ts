import stringWidth from 'string-width';
import type { Globals } from './context.js';
import { safeText } from './safeText.js';

/** Print a result: JSON with --json (JSON escapes control characters itself), else the human
 *  renderer, its text made safe for a terminal. */
export function print<T>(g: Pick<Globals, 'json'>, value: T, human: (v: T) => string): void {
  process.stdout.write(g.json ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(safeText(human(value))));
}

/** Write human text to stdout (or stderr), made safe for a terminal. */
export function writeOut(text: string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(safeText(text));
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** Pad to a display width (CJK characters count two columns). */
export function padEnd(s: string, width: number): string {
  const w = stringWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

/** A plain aligned table; columns sized by display width so 小关镇 lines up with Xiaoguan. */
export function table(headers: string[], rowsIn: string[][]): string {
  // made safe before measuring: a symbol takes a column, a raw ESC none
  const rows = rowsIn.map((r) => r.map(safeText));
  const widths = headers.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "3m 20s", "2h 05m", "4d 3h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
