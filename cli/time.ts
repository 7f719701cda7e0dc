import { usage } from './errors.js';
import { say } from '../protocol/index.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90m", "1h30m", "2d" → milliseconds; undefined when not a duration. */
export function parseDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)([smhdw])/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}

/** --since: an ISO time, or a duration back from now. Returns an ISO string. */
export function parseSince(s: string, now = Date.now()): string {
  const d = parseDuration(s);
  if (d !== undefined) return new Date(now - d).toISOString();
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw usage(say('cli.since', { value: s }));
  return new Date(t).toISOString();
}
