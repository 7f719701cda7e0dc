import { Text } from 'ink';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as block characters, scaled from 0 to `max` (default: the largest value).
 * A missing sample is a space so gaps in the stats stay visible.
 */
export function sparkline(values: readonly (number | null)[], width: number, max?: number): string {
  const tail = values.slice(-width);
  const top = max ?? Math.max(0, ...tail.filter((v): v is number => v !== null));
  const chars = tail.map((v) => {
    if (v === null || !Number.isFinite(v)) return ' ';
    if (top <= 0) return BARS[0];
    const i = Math.round((Math.min(Math.max(v, 0), top) / top) * (BARS.length - 1));
    return BARS[i];
  });
  return chars.join('').padStart(width, ' ');
}

export function Sparkline({ values, width = 12, max, color }: { values: readonly (number | null)[]; width?: number; max?: number; color?: string }) {
  return <Text color={color}>{sparkline(values, width, max)}</Text>;
}
