// Test data copied into the repository (tests/corpora/), so a clone anywhere has it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CORPORA = resolve(import.meta.dirname, '..', 'corpora');

export function corpusFile(rel: string): string {
  const path = join(CORPORA, rel);
  if (!existsSync(path)) throw new Error(`corpus file ${rel} not found in ${CORPORA}`);
  return path;
}
