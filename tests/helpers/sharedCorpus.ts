// Files of ../shared/corpora (beside the repository; beside the main checkout for a git worktree).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

export function corpusFile(rel: string): string {
  const candidates = [join(ROOT, '..', 'shared', 'corpora', rel)];
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    candidates.push(join(dirname(common), '..', 'shared', 'corpora', rel));
  } catch (err) {
    // not a git checkout (a copied tree): only the first place counts
    void err;
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`corpus file ${rel} not found (looked in ${candidates.join(', ')})`);
  return found;
}
