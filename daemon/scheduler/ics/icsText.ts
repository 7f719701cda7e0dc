import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';

// RFC 5545 content lines: folding, escaping, parameters, and the BEGIN/END component tree.
// Small enough to own; the meaning of the properties lives in icsExport.ts / icsImport.ts.

export interface IcsProperty {
  name: string;
  params: Record<string, string>;
  value: string;
  /** 1-based line of the (unfolded) property, for messages. */
  line: number;
}

export interface IcsComponent {
  name: string;
  props: IcsProperty[];
  children: IcsComponent[];
}

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

export function unescapeText(s: string): string {
  return s.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Fold a content line at 75 octets without splitting a UTF-8 character. */
export function foldLine(line: string): string {
  const enc = new TextEncoder();
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const n = enc.encode(ch).length;
    const limit = parts.length === 0 ? 75 : 74; // continuation lines start with one space
    if (bytes + n > limit) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** Parameter value, quoted when it holds characters that would end it. */
export function paramValue(v: string): string {
  return /[:;,]/.test(v) ? `"${v.replace(/"/g, "'")}"` : v;
}

/** Serialise one property: NAME;P=V:value */
export function contentLine(name: string, value: string, params: Record<string, string> = {}): string {
  const p = Object.entries(params)
    .map(([k, v]) => `;${k}=${paramValue(v)}`)
    .join('');
  return foldLine(`${name}${p}:${value}`);
}

function parseContentLine(text: string, line: number): IcsProperty {
  // name, then ;param=value (values may be "quoted" and hold : and ;), then :value
  const m = /^([A-Za-z0-9-]+)/.exec(text);
  if (!m) throw new VcError('ICS_INVALID', say('ics.notProperty', { line, text: text.slice(0, 60) }));
  const name = m[1]!.toUpperCase();
  let i = m[1]!.length;
  const params: Record<string, string> = {};
  while (text[i] === ';') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new VcError('ICS_INVALID', say('ics.paramNoEq', { line, name }));
    const key = text.slice(i + 1, eq).toUpperCase();
    i = eq + 1;
    let value = '';
    // a parameter may hold several comma-separated values; keep them as written
    for (;;) {
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) throw new VcError('ICS_INVALID', say('ics.unclosedQuote', { line, key, name }));
        value += text.slice(i + 1, close);
        i = close + 1;
      } else {
        let j = i;
        while (j < text.length && text[j] !== ';' && text[j] !== ':' && text[j] !== ',') j++;
        value += text.slice(i, j);
        i = j;
      }
      if (text[i] !== ',') break;
      value += ',';
      i++;
    }
    params[key] = value;
  }
  if (text[i] !== ':') throw new VcError('ICS_INVALID', say('ics.noColon', { line, name }));
  return { name, params, value: text.slice(i + 1), line };
}

/** Parse iCalendar text into its component tree; the top level holds the VCALENDAR(s). */
export function parseIcsText(text: string): IcsComponent[] {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  // unfold: a line starting with a space or tab continues the previous one
  const lines: { text: string; line: number }[] = [];
  raw.forEach((l, idx) => {
    const last = lines[lines.length - 1];
    if ((l.startsWith(' ') || l.startsWith('\t')) && last) last.text += l.slice(1);
    else if (l.trim() !== '') lines.push({ text: l, line: idx + 1 });
  });
  if (!/^BEGIN:VCALENDAR\s*$/i.test(lines[0]?.text ?? '')) {
    throw new VcError('ICS_INVALID', say('ics.notCalendar'));
  }
  const roots: IcsComponent[] = [];
  const stack: IcsComponent[] = [];
  for (const { text: t, line } of lines) {
    const p = parseContentLine(t, line);
    if (p.name === 'BEGIN') {
      const c: IcsComponent = { name: p.value.trim().toUpperCase(), props: [], children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(c);
      else roots.push(c);
      stack.push(c);
    } else if (p.name === 'END') {
      const top = stack.pop();
      if (!top || top.name !== p.value.trim().toUpperCase()) {
        throw new VcError(
          'ICS_INVALID',
          top
            ? say('ics.endMismatch', { line, end: p.value, begin: top.name })
            : say('ics.endNothing', { line, end: p.value }),
        );
      }
    } else {
      const top = stack[stack.length - 1];
      if (!top) throw new VcError('ICS_INVALID', say('ics.outside', { line, name: p.name }));
      top.props.push(p);
    }
  }
  if (stack.length > 0) throw new VcError('ICS_INVALID', say('ics.unclosed', { name: stack[stack.length - 1]!.name }));
  if (!roots.some((r) => r.name === 'VCALENDAR')) throw new VcError('ICS_INVALID', say('ics.noCalendar'));
  return roots;
}

export function prop(c: IcsComponent, name: string): IcsProperty | undefined {
  return c.props.find((p) => p.name === name);
}

export function props(c: IcsComponent, name: string): IcsProperty[] {
  return c.props.filter((p) => p.name === name);
}
