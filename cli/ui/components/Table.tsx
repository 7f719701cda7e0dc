// A table laid out by display width (string-width), not by .length: 小关镇 is six columns wide and
// lines up with Xiaoguan. Each row is one line; nothing wraps.
import { Box, Text } from 'ink';
import { fit, stringWidth } from '../format.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Cap for this column; longer cells end in '…'. */
  maxWidth?: number;
  /** May be left out when the table is wider than the terminal; higher numbers go first. */
  optional?: number;
}

export type Cell = string | { text: string; color?: string; bold?: boolean; dim?: boolean };

const GAP = '  ';

function cellText(c: Cell | undefined): string {
  return c === undefined ? '' : typeof c === 'string' ? c : c.text;
}

/** Column widths: the widest of header and cells, capped by maxWidth. */
export function columnWidths(columns: readonly Column[], rows: readonly (readonly Cell[])[]): number[] {
  return columns.map((col, i) => {
    const widest = Math.max(stringWidth(col.header), ...rows.map((r) => stringWidth(cellText(r[i]))));
    return col.maxWidth ? Math.min(widest, col.maxWidth) : widest;
  });
}

/** Indexes of the columns that fit in `width`, leaving out optional ones (highest first). */
export function fittingColumns(columns: readonly Column[], widths: readonly number[], width: number, marks: boolean): number[] {
  const shown = columns.map((_, i) => i);
  const total = () => shown.reduce((sum, i) => sum + (widths[i] ?? 0), 0) + GAP.length * (shown.length - 1) + (marks ? 2 : 0);
  while (total() > width) {
    const drop = shown.filter((i) => columns[i]?.optional !== undefined).sort((a, b) => (columns[b]?.optional ?? 0) - (columns[a]?.optional ?? 0))[0];
    if (drop === undefined) break;
    shown.splice(shown.indexOf(drop), 1);
  }
  return shown;
}

export function Table({ columns: allColumns, rows: allRows, selected, emptyText, width }: {
  columns: readonly Column[];
  rows: readonly (readonly Cell[])[];
  /** Index of the highlighted row; a '›' marks it (also without colour). */
  selected?: number;
  emptyText?: string;
  /** Terminal width: optional columns are left out until the table fits. */
  width?: number;
}) {
  const marks = selected !== undefined;
  const allWidths = columnWidths(allColumns, allRows);
  const shown = width === undefined ? allColumns.map((_, i) => i) : fittingColumns(allColumns, allWidths, width, marks);
  const columns = shown.map((i) => allColumns[i] as Column);
  const widths = shown.map((i) => allWidths[i] ?? 0);
  const rows = allRows.map((r) => shown.map((i) => r[i]));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {marks ? '  ' : ''}
        {columns.map((c, i) => fit(c.header, widths[i] ?? 0, c.align)).join(GAP).trimEnd()}
      </Text>
      {rows.length === 0 && emptyText ? <Text dimColor>{marks ? '  ' : ''}{emptyText}</Text> : null}
      {rows.map((row, r) => (
        <Text key={r} wrap="truncate-end" inverse={r === selected}>
          {marks ? (r === selected ? '› ' : '  ') : ''}
          {columns.map((c, i) => {
            const cell = row[i];
            const text = fit(cellText(cell), widths[i] ?? 0, c.align);
            const sep = i < columns.length - 1 ? GAP : '';
            if (cell === undefined || typeof cell === 'string') return text + sep;
            return (
              <Text key={i} color={cell.color} bold={cell.bold} dimColor={cell.dim}>
                {text}
                <Text>{sep}</Text>
              </Text>
            );
          })}
        </Text>
      ))}
    </Box>
  );
}
