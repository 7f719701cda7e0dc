// Text that came from a peer (a room's Server header, a SIP reason) or from the store (titles
// written before the API refused control characters) is shown on an operator's terminal: an ESC
// in it could move the cursor, rewrite lines, retitle the window or hide what follows. Every
// printer and the console's data pass through here; control characters become visible symbols.

// C0 controls but tab and newline (layout of our own output), DEL, C1 controls, bidi overrides.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

function visible(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␛ ␇ ␀ …
  if (code === 0x7f) return '\u2421'; // ␡
  return `\\u{${code.toString(16)}}`;
}

/** `s` with its control characters shown as symbols (ESC → ␛, BEL → ␇, NUL → ␀). */
export function safeText(s: string): string {
  return s.replace(CONTROL, visible);
}

/** Every string inside a JSON-like value made safe (for views that render fields one by one). */
export function safeDeep<T>(v: T): T {
  if (typeof v === 'string') return safeText(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => safeDeep(x)) as T;
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [safeText(k), safeDeep(x)])) as T;
  }
  return v;
}
