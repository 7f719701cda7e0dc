// `dist/` for the end-to-end tests: rebuilt only when a source is newer than the bundles, and by one
// test file at a time. Test files run in parallel; an unconditional rebuild empties dist/cli-chunks
// while another file's console is loading its chunk from there (and rewrites the daemon bundle while
// another daemon starts from it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_JS, DAEMON_JS, ROOT } from './daemon.js';

const SOURCES = ['bin', 'cli', 'daemon', 'protocol', 'scripts/build.mjs', 'package-lock.json'];
const LOCK = join(tmpdir(), `vcb-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
const STALE_LOCK_MS = 120_000;

function newestMtime(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return /\.test\.tsx?$/.test(path) ? 0 : st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(CLI_JS) || !existsSync(DAEMON_JS)) return false;
  const built = Math.min(statSync(CLI_JS).mtimeMs, statSync(DAEMON_JS).mtimeMs);
  return SOURCES.every((s) => newestMtime(join(ROOT, s)) <= built);
}

/** Build dist/ (node scripts/build.mjs) unless it is already newer than every source. */
export async function ensureBuilt(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK); // atomic: whoever creates it builds
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // a holder that died mid-build must not block every later run
      const st = statSync(LOCK, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`another test has been building dist/ for over ${timeoutMs} ms (lock ${LOCK})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!isFresh()) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
