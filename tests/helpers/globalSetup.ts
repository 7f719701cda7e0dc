import { ensureBuilt } from './build.js';

// Many tests spawn dist/ (the daemon, the CLI): a dist/ older than the sources would test old code
// without a word. Rebuilt once per run, only when a source is newer (seconds; nothing when fresh).
export default async function setup(): Promise<void> {
  await ensureBuilt(180_000);
}
