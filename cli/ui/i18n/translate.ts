// The console's message catalogue: every user-visible string goes through t(key, vars).
// No React here: the plain commands use it too, and must start fast.
import { en as consoleEn } from './en.js';
import { zhCN as consoleZh } from './zh-CN.js';
import { cliEn } from './cliEn.js';
import { cliZh } from './cliZh.js';

// One catalogue, in two files per language: the console's words (en.ts, zh-CN.ts) and the plain
// commands' words (cliEn.ts, cliZh.ts). Daemon reasons are said by explain.ts.
// (Object.assign rather than spread: V8 spreads a large object key by key, slowly; see REASONS_EN)
const en: typeof consoleEn & typeof cliEn = Object.assign({}, consoleEn, cliEn);
export type MessageKey = keyof typeof en;
export type UiLang = 'en' | 'zh';
export type Vars = Record<string, string | number>;
/** A translator; `lang` says which language (daemon reasons are said in it too, see explain.ts). */
export type T = ((key: MessageKey, vars?: Vars) => string) & { lang?: UiLang };

const CATALOGUES: Record<UiLang, Record<MessageKey, string>> = { en, zh: Object.assign({}, consoleZh, cliZh) };

/** Whether `key` is in the catalogue (for keys made from data, such as an error code). */
export function hasMessage(key: string): key is MessageKey {
  return key in en;
}

/** A translator for one language; an unknown placeholder is left visible so it gets noticed. */
export function translator(lang: UiLang): T {
  const cat = CATALOGUES[lang];
  const t: T = (key, vars) => {
    const text = cat[key] ?? en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
  t.lang = lang;
  return t;
}

export function catalogue(lang: UiLang): Readonly<Record<MessageKey, string>> {
  return CATALOGUES[lang];
}

/** An endpoint's name in the console's language. */
export function localName(name: { zh: string; en: string } | undefined, lang: UiLang, fallback = ''): string {
  if (!name) return fallback;
  return (lang === 'zh' ? name.zh : name.en) || name.en || name.zh || fallback;
}

/** "42s", "5m 03s", "1h 05m", "2d 3h" — or their Chinese forms. */
export function fmtDuration(seconds: number, t: T): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return t('dur.s', { s });
  if (s < 3600) return t('dur.ms', { m: Math.floor(s / 60), s: two(s % 60) });
  if (s < 86400) return t('dur.hm', { h: Math.floor(s / 3600), m: two(Math.floor((s % 3600) / 60)) });
  return t('dur.dh', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

/** "in 5m 03s" / "5m 03s ago". */
export function fmtRelative(targetMs: number, nowMs: number, t: T): string {
  const d = fmtDuration(Math.abs(targetMs - nowMs) / 1000, t);
  return targetMs >= nowMs ? t('time.in', { d }) : t('time.ago', { d });
}
