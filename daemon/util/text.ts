import { z } from 'zod';
import { say } from '../../protocol/index.js';

// Text a person typed that is later printed on operators' terminals (titles): control characters
// are refused at the door, so an ESC sequence can never reach a terminal from the store.

/** Longest title of a meeting or conference (characters). */
export const MAX_TITLE_LENGTH = 200;

// C0 controls (tab and newline too: a title is one line), DEL, C1 controls, and the Unicode
// bidi overrides that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

const NAMES: Record<number, string> = {
  0: 'NUL',
  7: 'BEL',
  8: 'BS',
  9: 'TAB',
  10: 'LF',
  13: 'CR',
  27: 'ESC',
  127: 'DEL',
};

/** The first control character in `s`, described for an error message ("ESC (U+001B) at character 6"), or null. */
export function controlCharacterIn(s: string): string | null {
  const m = CONTROL.exec(s);
  if (!m) return null;
  const code = m[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return say('text.charAt', { char: NAMES[code] ? `${NAMES[code]} (${hex})` : hex, at: m.index + 1 });
}

/** A title as the API takes it: trimmed, 1..MAX_TITLE_LENGTH characters, no control characters. */
export const Title = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TITLE_LENGTH)
  .superRefine((s, ctx) => {
    const bad = controlCharacterIn(s);
    if (bad) ctx.addIssue({ code: 'custom', message: say('text.control', { chars: bad }) });
  });
