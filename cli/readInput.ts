import { readFileSync } from 'node:fs';
import { CliError } from './errors.js';

/** The text of a file argument ("-" reads standard input); an unreadable file is a usage error. */
export function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError('USAGE', `cannot read ${file}: ${(err as Error).message}`, { exitCode: 2 });
  }
}
