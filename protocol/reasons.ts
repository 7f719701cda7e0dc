// Reasons and events the daemon explains to people, as a key plus parameters. The English template
// lives here so both ends share it: the daemon writes `reasonText(r)` into the old `reason` /
// `message` fields (--json and older clients keep working), and a client translates `r` with its own
// catalogue. A client that only got the text back (stored history, an older daemon) can recover the
// key with `parseReason`, since the templates are the contract.
import { REASONS_EN } from './reasonsEn.js';

export { REASONS_EN };
export type ReasonKey = keyof typeof REASONS_EN;
export type ReasonParams = Record<string, string | number>;

export interface Reason {
  key: ReasonKey;
  params?: ReasonParams;
}

/** A Reason, with its params given only when there are any. */
export function reason(key: ReasonKey, params?: ReasonParams): Reason {
  return params ? { key, params } : { key };
}

/** Fill `{name}` placeholders; an unknown one stays visible so it gets noticed. */
export function fillTemplate(template: string, params: ReasonParams | undefined): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The English text of a reason (what the daemon logs and sends as `reason` / `message`). */
export function reasonText(r: Reason): string {
  return fillTemplate(REASONS_EN[r.key], r.params);
}

/** English text for a key and its params in one call. */
export function say(key: ReasonKey, params?: ReasonParams): string {
  return fillTemplate(REASONS_EN[key], params);
}

interface Matcher {
  key: ReasonKey;
  names: string[];
  re: RegExp;
  literal: number;
}

let matchers: Matcher[] | undefined;

function compile(): Matcher[] {
  const out: Matcher[] = [];
  for (const [key, template] of Object.entries(REASONS_EN) as [ReasonKey, string][]) {
    const names: string[] = [];
    const parts = template.split(/\{(\w+)\}/g);
    let src = '^';
    parts.forEach((part, i) => {
      if (i % 2 === 0) src += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else {
        names.push(part);
        src += '([\\s\\S]+?)';
      }
    });
    const literal = parts.filter((_, i) => i % 2 === 0).join('').length;
    out.push({ key, names, re: new RegExp(`${src}$`), literal });
  }
  // The most specific template (most literal text) wins when two match.
  return out.sort((a, b) => b.literal - a.literal);
}

/** The key and params behind an English reason text, or undefined when no template matches it. */
export function parseReason(text: string): Reason | undefined {
  matchers ??= compile();
  for (const m of matchers) {
    const hit = m.re.exec(text);
    if (!hit) continue;
    if (m.names.length === 0) return { key: m.key };
    const params: ReasonParams = {};
    m.names.forEach((n, i) => (params[n] = hit[i + 1] ?? ''));
    return { key: m.key, params };
  }
  return undefined;
}
