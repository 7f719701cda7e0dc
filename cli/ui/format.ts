// Text helpers for the console. Widths are display columns (string-width): a CJK character is two
// columns, so 小关镇 takes six and lines up with Xiaoguan.
import stringWidth from 'string-width';

/** Cut `s` to at most `width` columns, ending in '…' when cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = stringWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Pad (or cut) `s` to exactly `width` columns. */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(s, width);
  const gap = ' '.repeat(Math.max(0, width - stringWidth(cut)));
  return align === 'left' ? cut + gap : gap + cut;
}

export { stringWidth };

/**
 * As many of `items` as fit in `width` columns, joined by ", ", and `more(n)` for the n left out
 * ("Mihe, Xiaoguan +3 more"): the count stays visible however narrow. '—' when there are none.
 */
export function fitList(items: readonly string[], width: number, more: (n: number) => string): string {
  if (items.length === 0) return '—';
  const all = items.join(', ');
  if (stringWidth(all) <= width) return all;
  for (let k = items.length - 1; k > 0; k--) {
    const s = `${items.slice(0, k).join(', ')} ${more(items.length - k)}`;
    if (stringWidth(s) <= width) return s;
  }
  return truncate(items.length === 1 ? all : `${items[0]} ${more(items.length - 1)}`, width);
}

export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${Math.round(ms)} ms`;
}

export function fmtPct(p: number | null | undefined): string {
  return p === null || p === undefined ? '—' : `${p.toFixed(1)}%`;
}

export function fmtKbps(k: number | null | undefined): string {
  return k === null || k === undefined ? '—' : `${Math.round(k)}`;
}

/** Wall-clock HH:MM of an instant in the site's timezone. */
export function fmtClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(
    new Date(iso),
  );
}

/** "Mon 07 Dec" / "12月7日周一" of an instant in the site's timezone. */
export function fmtDay(iso: string, timeZone: string, lang: 'en' | 'zh'): string {
  const opts: Intl.DateTimeFormatOptions = { timeZone, weekday: 'short', month: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', opts).format(new Date(iso));
}

/** Calendar day (YYYY-MM-DD) of an instant in a timezone; used to group meetings by day. */
export function dayKey(instant: string | number | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(instant),
  );
}

/** HH:MM:SS of an instant in the site's timezone (event log). */
export function fmtTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}
