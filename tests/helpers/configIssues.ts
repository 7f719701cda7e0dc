// What the config loader says about a bad site config: its issues (path, line, message), checking
// that it refused with CONFIG_INVALID and named the file. Throws when the config was accepted.
import { expect } from 'vitest';
import { parseConfig, type ConfigInvalidDetails } from '../../daemon/config/load.js';
import { VcError } from '../../daemon/errors.js';

export function configIssues(text: string, file: string): { line?: number; path: string; message: string }[] {
  try {
    parseConfig(text, file, { env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(VcError);
    expect((e as VcError).code).toBe('CONFIG_INVALID');
    expect((e as VcError).message).toContain(file);
    return (e as VcError & { details: ConfigInvalidDetails }).details.issues;
  }
  throw new Error('the config was accepted but should have been rejected');
}

/** The 1-based line of the first line containing `needle` (0: none). */
export const lineOf = (text: string, needle: string): number =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/**
 * `text` with the one place `from` stands in replaced by `to`: a test's change to its base config
 * (throws unless `from` stands exactly once, so a typo in a test cannot silently test nothing).
 */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`not exactly one "${from}" in the base config`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
