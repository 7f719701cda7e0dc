// Saying a daemon reason in the operator's language. The daemon sends a key and parameters where it
// can (`why`), and always the English text; text alone (stored history, an older daemon) is matched
// back to its template. Parameters that are themselves reasons, SIP answers ("486 Busy Here") or
// protocol words (modes, leg states) are translated too; ids, addresses and numbers stay as they are.
import { REASONS_EN, fillTemplate, parseReason, reasonText, type Reason } from '../../../protocol/index.js';
import { reasonsZh } from './reasonsZh.js';
import { sipPhraseZh } from './sipZh.js';
import type { T, UiLang } from './translate.js';

const WORDS_ZH: Record<string, string> = {
  broadcast: '广播',
  rollcall: '点名',
  voice: '语音激励',
  select: '选看',
  dtmf: 'DTMF 按键',
  browser: '浏览器',
  operator: '操作员',
  info: 'SIP INFO',
  connected: '已接通',
  calling: '呼叫中',
  ringing: '振铃',
  failed: '失败',
  redialing: '重拨中',
  hungup: '已挂断',
  ended: '已结束',
  ending: '正在结束',
  live: '进行中',
  starting: '正在开始',
};

// The reason phrases of RFC 3261 (what the SIP stack writes for a local failure), to their codes.
const PHRASE_CODES: Record<string, number> = {
  'Request Timeout': 408,
  'Service Unavailable': 503,
  'Server Internal Error': 500,
  'Not Found': 404,
  Forbidden: 403,
  Unauthorized: 401,
  'Busy Here': 486,
  'Temporarily Unavailable': 480,
  'Temporarily not available': 480,
  'Request Terminated': 487,
  'Not Acceptable Here': 488,
  Decline: 603,
  'Busy Everywhere': 600,
};

const WORDS_ZH_MORE: Record<string, string> = {
  timeout: '超时',
  unreachable: '不可达',
  refused: '被拒绝',
  dns: '域名解析失败',
  transport: '发送失败',
};

const MAX_DEPTH = 4;

/** A daemon reason (structured, or its English text) in `lang`; undefined in, '' out. */
export function explain(r: Reason | string | undefined | null, lang: UiLang, depth = 0): string {
  if (r === undefined || r === null) return '';
  if (lang === 'en') return typeof r === 'string' ? r : reasonText(r);
  // "a; b; c": several reasons in a row (each must be one, else the whole is read as one text) —
  // unless the whole is one template that has a "; " of its own (cause.otherTransport)
  if (typeof r === 'string' && r.includes('; ') && depth < MAX_DEPTH && !ownSemicolon(r)) {
    const parts = splitReasons(r);
    if (parts.length > 1 && parts.every((p) => parseReason(p)))
      return parts.map((p) => explain(p, 'zh', depth + 1)).join('；');
  }
  const structured = typeof r === 'string' ? parseReason(r) : r;
  if (!structured) return typeof r === 'string' ? zhWord(r, depth) : reasonText(r);
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(structured.params ?? {}))
    params[k] = typeof v === 'number' || depth >= MAX_DEPTH ? v : explain(v, 'zh', depth + 1);
  return fillTemplate(reasonsZh[structured.key], params);
}

/** "a; b (c; d); e" → a, b (c; d), e: a list nested in brackets (the a=crypto lines refused within one
 *  m-line's reason) stays with its item. */
function splitReasons(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '（') depth++;
    else if ((c === ')' || c === '）') && depth > 0) depth--;
    else if (depth === 0 && c === ';' && text[i + 1] === ' ') {
      parts.push(text.slice(start, i));
      start = i + 2;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function ownSemicolon(text: string): boolean {
  const whole = parseReason(text);
  return whole !== undefined && REASONS_EN[whole.key].includes('; ');
}

/** A parameter that is not a whole reason: a SIP answer, a known word, or text left as it is. */
function zhWord(s: string, depth: number): string {
  const sip = /^(\d{3})(?: (.*))?$/.exec(s);
  if (sip) {
    const zh = sipPhraseZh(Number(sip[1]));
    return zh ? `${sip[1]} ${zh}` : s;
  }
  const word = WORDS_ZH[s] ?? WORDS_ZH_MORE[s];
  if (word) return word;
  const code = PHRASE_CODES[s];
  if (code) return sipPhraseZh(code) ?? s;
  // "x (y)": a word and its detail
  const paren = /^(.+?) \((.+)\)$/.exec(s);
  if (paren && depth < MAX_DEPTH)
    return `${explain(paren[1], 'zh', depth + 1)}（${explain(paren[2], 'zh', depth + 1)}）`;
  // "x; y" and "x (y)" joins of two reasons
  const semi = splitReasons(s);
  if (semi.length > 1 && depth < MAX_DEPTH) return semi.map((p) => explain(p, 'zh', depth + 1)).join('；');
  return s;
}

/** `explain` in the language of a translator. */
export function explainT(r: Reason | string | undefined | null, t: T): string {
  return explain(r, t.lang ?? 'en');
}

// "file:line path: message": one problem of a site config (daemon/config/load.ts). File, line and
// field path stay as they are; the message is a reason of its own. Taken so when its template says
// at least as much as the one the whole line matches: a loose template ("{time}: {what}") would take the line whole,
// but a line that merely starts with host:port keeps its own, more specific template.
const CONFIG_LINE = /^(\S+?):(\d+) (?:([^\s:]+): )?(.+)$/;

/** How much fixed text a reason's template has (the more, the more specific a match). */
const literalLength = (r: Reason | undefined): number => (r ? REASONS_EN[r.key].replace(/\{\w+\}/g, '').length : -1);

/** One line of a daemon message in `lang`: a reason, or a site config problem naming file:line. */
export function explainLine(line: string, lang: UiLang): string {
  if (lang === 'en') return line;
  const m = CONFIG_LINE.exec(line);
  const message = m?.[4];
  const asIssue = message ? parseReason(message) : undefined;
  if (m && message && asIssue && literalLength(asIssue) >= literalLength(parseReason(line)))
    return `${m[1]}:${m[2]} ${m[3] ? `${m[3]}: ` : ''}${explain(message, 'zh')}`;
  return explain(line, 'zh');
}

/** The text of an error (code plus the daemon's English message) for people in `lang`. */
export function explainError(code: string, message: string, lang: UiLang, headline: (code: string) => string): string {
  if (lang === 'en') return message;
  // line by line: a conflict report is a head line, one line per conflict, and a hint
  const body = message
    .split('\n')
    .map((line) => {
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      return indent + explainLine(line.trim(), 'zh');
    })
    .join('\n');
  return `${headline(code)}：${body}`;
}
